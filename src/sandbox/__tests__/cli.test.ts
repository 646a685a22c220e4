import { runnerCommandFor } from '../../cli/command-line'
import { runCliToExit, spawnCli, withOccupiedPort } from '../../testing/spawn-cli'
import { USAGE, UsageError, parseArgs } from '../cli'

const SANDBOX = 'src/sandbox/cli.ts'
const runCli = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnCli(SANDBOX, args, env)

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
      // The runner command that targets this sandbox (the runner's own test runs such a printed line as it is).
      expect(banner).toContain(
        `Sync into it:   TTD_AUTH_TOKEN=cli-secret-token TTD_ADVERTISER_ID=sandbox-advertiser npm start -- --api-url ${apiBaseUrl}\n`
      )
      expect(banner).toContain(runnerCommandFor(apiBaseUrl, 'cli-secret-token', 'sandbox-advertiser'))
      const consoleUrl = /Console:\s+(\S+)/.exec(banner)?.[1] as string
      expect(consoleUrl).toBe(apiBaseUrl.replace(/v3$/, ''))
      const page = await fetch(consoleUrl)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<title>TTD CRM sandbox console</title>')

      const response = await fetch(`${apiBaseUrl}/crmdata/segment/sandbox-advertiser`, {
        headers: { 'TTD-Auth': 'cli-secret-token' }
      })
      expect(response.status).toBe(200)
      await cli.waitFor('GET list 200')
      // Printed twice (its own line and the runner command), never in the request log.
      expect(cli.output().split('cli-secret-token')).toHaveLength(3)
      cli.child.kill('SIGTERM')
      expect(await cli.waitForExit()).toBe(0)
    } finally {
      await cli.stop()
    }
  })

  it('says the port from PORT is in use and how to pick another, keeping every option typed, exiting 2', () =>
    withOccupiedPort(async (port) => {
      const { code, output } = await runCliToExit(SANDBOX, ['--token', 'my token', '--page-size=5'], {
        PORT: String(port)
      })
      expect(code).toBe(2)
      expect(output).toBe(
        `Port ${port} on 127.0.0.1 is already in use (another sandbox or server may be running there).\n` +
          `Pick another port: npm run sandbox -- --token 'my token' --page-size=5 --port ${port + 1} (or set PORT), ` +
          'or --port 0 for any free one.\n'
      )
    }))

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
