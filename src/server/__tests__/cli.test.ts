import { freePort, runCliToExit, spawnCli, withOccupiedPort } from '../../testing/spawn-cli'

const SERVE = 'src/server/cli.ts'
const serve = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnCli(SERVE, args, env)

describe('npm run serve', () => {
  it('listens on --port over PORT and, with --sandbox, prints the sandbox console it can open', async () => {
    const port = await freePort()
    const cli = serve(['--sandbox', '--port', String(port)], { PORT: '1' })
    try {
      await cli.waitFor('Sandbox console:')
      const banner = cli.output()
      expect(banner).toContain(`Local actions server for The Trade Desk CRM on http://127.0.0.1:${port}\n`)
      const apiBaseUrl = /embedded TTD sandbox at (\S+)\./.exec(banner)?.[1] as string
      const consoleUrl = /Sandbox console: (\S+)/.exec(banner)?.[1] as string
      expect(consoleUrl).toBe(apiBaseUrl.replace(/v3$/, ''))
      const page = await fetch(consoleUrl)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<title>TTD CRM sandbox console</title>')
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200)
      cli.child.kill('SIGTERM')
      expect(await cli.waitForExit()).toBe(0)
    } finally {
      await cli.stop()
    }
  })

  it('says the port is in use and how to pick another, exiting 2 without a stack trace', () =>
    withOccupiedPort(async (port) => {
      const { code, output } = await runCliToExit(SERVE, ['--sandbox', '--port', String(port)])
      expect(code).toBe(2)
      expect(output).toBe(
        `Port ${port} on 127.0.0.1 is already in use (another sandbox or server may be running there).\n` +
          `Pick another port: npm run serve -- --port ${port + 1} (or set PORT), or --port 0 for any free one.\n`
      )
    }))

  it('refuses a port that is not one with exit code 2', async () => {
    const { code, output } = await runCliToExit(SERVE, ['--port', '70000'])
    expect(code).toBe(2)
    expect(output).toBe('--port must be a port number (0 to 65535).\n')
  })
})
