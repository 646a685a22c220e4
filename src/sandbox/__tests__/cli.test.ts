import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { USAGE, UsageError, parseArgs } from '../cli'

const CLI = path.join(__dirname, '..', 'cli.ts')

function runCli(args: string[]) {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CLI, ...args], {
    cwd: path.join(__dirname, '..', '..', '..'),
    env: { ...process.env, PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const waitFor = async (text: string) => {
    for (let i = 0; i < 300 && !output.includes(text); i++) await new Promise((r) => setTimeout(r, 50))
    expect(output).toContain(text)
  }
  return { child, exited, waitFor, output: () => output }
}

describe('sandbox CLI', () => {
  it('prints what a client needs, logs requests without the token, and stops on SIGTERM', async () => {
    const cli = runCli(['--port', '0', '--page-size', '5', '--token', 'cli-secret-token'])
    try {
      await cli.waitFor('Press Ctrl+C')
      const banner = cli.output()
      const apiBaseUrl = /API base URL:\s+(\S+)/.exec(banner)?.[1] as string
      expect(apiBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v3$/)
      expect(banner).toMatch(/TTD-Auth token:\s+cli-secret-token/)
      expect(banner).toMatch(/Advertiser id:\s+sandbox-advertiser/)
      expect(banner).toContain('/_sandbox/segments')
      expect(banner).toContain('/_sandbox/drops')

      const response = await fetch(`${apiBaseUrl}/crmdata/segment/sandbox-advertiser`, {
        headers: { 'TTD-Auth': 'cli-secret-token' }
      })
      expect(response.status).toBe(200)
      await cli.waitFor('GET list 200')
      expect(cli.output().split('cli-secret-token')).toHaveLength(2)
    } finally {
      cli.child.kill('SIGTERM')
    }
    expect(await cli.exited).toBe(0)
  })

  it('parses options and refuses unknown or incomplete ones', () => {
    expect([...parseArgs(['--port', '0', '--page-size=7', '--help'])]).toEqual([
      ['port', '0'],
      ['page-size', '7'],
      ['help', 'true']
    ])
    expect(() => parseArgs(['--nope', '1'])).toThrow(new UsageError('Unknown option --nope'))
    expect(() => parseArgs(['--port'])).toThrow(new UsageError('--port needs a value'))
    expect(() => parseArgs(['4010'])).toThrow(new UsageError('Unexpected argument 4010'))
    expect(USAGE).toContain('--drop-ttl-seconds')
  })
})
