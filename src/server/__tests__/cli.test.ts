import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { freePort, runCliToExit, spawnCli, withOccupiedPort } from '../../testing/spawn-cli'

const run = promisify(execFile)
const SERVE = 'src/server/cli.ts'
const serve = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnCli(SERVE, args, env)

describe('npm run serve', () => {
  it('listens on --port over PORT and, with --sandbox, prints its settings, its console and curl lines that run as printed', async () => {
    const port = await freePort()
    const cli = serve(['--sandbox', '--port', String(port), '--token', 'T0123456789', '--advertiser-id', 'A1'], {
      PORT: '1'
    })
    try {
      await cli.waitFor('Sandbox console:')
      const banner = cli.output()
      expect(banner).toContain(`Local actions server for The Trade Desk CRM on http://127.0.0.1:${port}\n`)
      expect(banner).toContain('  {"auth_token":"T0123456789","advertiser_id":"A1"}\n')
      const apiBaseUrl = /embedded TTD sandbox at (\S+)\./.exec(banner)?.[1] as string
      const consoleUrl = /Sandbox console: (\S+)/.exec(banner)?.[1] as string
      expect(consoleUrl).toBe(apiBaseUrl.replace(/v3$/, ''))
      const page = await fetch(consoleUrl)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<title>TTD CRM sandbox console</title>')
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200)

      // Each curl line it prints runs as printed, in a shell, and does what it says.
      const curls = banner.split('\n').filter((line) => line.trimStart().startsWith('curl '))
      expect(curls.map((line) => new RegExp(`curl -s http://127\\.0\\.0\\.1:${port}(/\\S+) `).exec(line)?.[1])).toEqual(
        ['/authenticate', '/createAudience', '/syncAudience/hooks/onMappingSave', '/syncAudience/name', '/syncAudience']
      )
      const answers: unknown[] = []
      for (const line of curls) {
        const { stdout } = await run('sh', ['-c', line], { timeout: 15_000 })
        answers.push(JSON.parse(stdout))
      }
      expect(answers[0]).toEqual({ ok: true })
      expect(answers[1]).toEqual({ externalId: expect.any(String) })
      expect(answers[2]).toMatchObject({ savedData: { segment_name: 'Loyal buyers', region: 'US' } })
      expect(answers[3]).toMatchObject({ choices: [{ value: 'Loyal buyers' }] })
      const results = answers[4] as { status: number; body: { code: string; segmentName: string } }[]
      expect(results).toHaveLength(1600)
      expect(results.every((result) => result.status === 200 && result.body.code === 'UPLOADED')).toBe(true)
      expect(results[0].body.segmentName).toBe('serve_example_audience')
      cli.child.kill('SIGTERM')
      expect(await cli.waitForExit()).toBe(0)
    } finally {
      await cli.stop()
    }
  })

  it('says the port is in use and how to pick another, keeping every option typed, exiting 2', () =>
    withOccupiedPort(async (port) => {
      const { code, output } = await runCliToExit(SERVE, ['--sandbox', `--port=${port}`])
      expect(code).toBe(2)
      expect(output).toBe(
        `Port ${port} on 127.0.0.1 is already in use (another sandbox or server may be running there).\n` +
          `Pick another port: npm run serve -- --sandbox --port=${port + 1} (or set PORT), or --port 0 for any free one.\n`
      )
    }))

  it('refuses a port that is not one with exit code 2', async () => {
    const { code, output } = await runCliToExit(SERVE, ['--port', '70000'])
    expect(code).toBe(2)
    expect(output).toBe('--port must be a port number (0 to 65535).\n')
  })
})
