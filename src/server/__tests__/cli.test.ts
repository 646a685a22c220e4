import { freePort, spawnCli, withOccupiedPort } from '../../testing/spawn-cli'

const serve = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnCli('src/server/cli.ts', args, env)

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
      const cli = serve(['--sandbox', '--port', String(port)])
      try {
        expect(await cli.waitForExit()).toBe(2)
        expect(cli.output()).toBe(
          `Port ${port} on 127.0.0.1 is already in use (another sandbox or server may be running there).\n` +
            `Pick another port: npm run serve -- --port ${port + 1} (or set PORT), or --port 0 for any free one.\n`
        )
      } finally {
        await cli.stop()
      }
    }))

  it('refuses a port that is not one with exit code 2', async () => {
    const cli = serve(['--port', '70000'])
    try {
      expect(await cli.waitForExit()).toBe(2)
      expect(cli.output()).toBe('--port must be a port number (0 to 65535).\n')
    } finally {
      await cli.stop()
    }
  })
})
