import { parseOptions } from '../parse-options'
import { UsageError } from '../usage-error'

const OPTIONS = {
  port: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' }
} as const

function mistake(args: string[]): string {
  try {
    parseOptions(args, OPTIONS)
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as UsageError).message
  }
  throw new Error(`${JSON.stringify(args)} parsed without a mistake`)
}

describe('parseOptions', () => {
  it('gives the values by option name, with defaults and short names', () => {
    expect(parseOptions(['--port=0', '-h'], OPTIONS)).toEqual({ port: '0', json: false, help: true })
    expect(parseOptions(['--port', '4010', '--json'], OPTIONS)).toEqual({ port: '4010', json: true })
  })

  it.each([
    [['--nope', '1'], 'Unknown option --nope'],
    [['--port', '1', '-x'], 'Unknown option -x'],
    [['--port'], '--port needs a value'],
    [['--port', '--json'], '--port needs a value'],
    [['--json=yes'], '--json takes no value'],
    [['4010'], 'Unexpected argument 4010'],
    [['--json', '--', '--port'], 'Unexpected argument --port']
  ])('words the mistake in %j the same way for every tool', (args, message) => {
    expect(mistake(args)).toBe(message)
  })

  it('takes a value that starts with a dash when it is given inline', () => {
    expect(parseOptions(['--port=-1'], OPTIONS)).toEqual({ port: '-1', json: false })
  })
})
