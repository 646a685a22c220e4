import { execFileSync } from 'node:child_process'
import { commandLine, runnerCommandFor, shellQuote, withOption } from '../command-line'

describe('commands printed for a shell', () => {
  it('quotes only words a shell would change, and a shell reads every word back unchanged', () => {
    expect(shellQuote('--port=4011')).toBe('--port=4011')
    expect(shellQuote('http://127.0.0.1:4010/v3')).toBe('http://127.0.0.1:4010/v3')
    const words = ['plain', 'two words', "it's", '$HOME', '"q"', '', 'a\\b', '{"x":1}']
    const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${commandLine(words)}`], { encoding: 'utf8' })
    expect(echoed).toBe(words.map((word) => `${word}\n`).join(''))
  })

  it('sets an option where it was typed, in either form, or adds it, keeping every other word', () => {
    expect(withOption(['--sandbox', '--port', '3000'], '--port', '3001')).toEqual(['--sandbox', '--port', '3001'])
    expect(withOption(['--port=3000', '--sandbox'], '--port', '3001')).toEqual(['--port=3001', '--sandbox'])
    expect(withOption(['--token', 'T'], '--port', '4011')).toEqual(['--token', 'T', '--port', '4011'])
    expect(withOption([], '--port', '1')).toEqual(['--port', '1'])
  })

  it('writes the runner command for a sandbox with its credentials in the environment, not in options', () => {
    expect(runnerCommandFor('http://127.0.0.1:4010/v3', 'sandbox-abc', 'my adv')).toBe(
      "TTD_AUTH_TOKEN=sandbox-abc TTD_ADVERTISER_ID='my adv' npm start -- --api-url http://127.0.0.1:4010/v3"
    )
  })
})
