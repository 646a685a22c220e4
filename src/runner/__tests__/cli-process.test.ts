/**
 * The runner as a real process, where the behaviour is the process's: the compiled CLI with its own embedded
 * sandbox kept up until Ctrl-C, a printed command run as printed in a shell, standard input and INIT_CWD.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT_OK, EXIT_UNREADABLE_LINES } from '../run'
import { segmentSizes } from '../segment-sizes'
import type { RunReport } from '../summary'
import { audienceMix, tempDir, toJsonl } from '../../testing/audience-fixtures'
import { spawnCli, spawnCommand } from '../../testing/spawn-cli'
import { waitUntil } from '../../testing/wait-until'

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

describe('npm start (a real process)', () => {
  it('syncs the bundled example to its own sandbox, keeps it with --keep-sandbox, hands over a runner command that syncs into it as printed, exits 0 on Ctrl-C', async () => {
    const cli = spawnCli('src/runner/cli.ts', ['--json', '--keep-sandbox'], {
      TTD_AUTH_TOKEN: '',
      TTD_ADVERTISER_ID: ''
    })
    let handedOver: ReturnType<typeof spawnCli> | undefined
    try {
      // stdout and stderr are two pipes: the summary on stdout can arrive after "Press Ctrl-C" on stderr, so wait
      // for both, each bounded.
      await cli.waitFor('Press Ctrl-C')
      const stdout = await waitUntil('a complete JSON summary on stdout', () => parsedJson(cli.stdout()), {
        describe: () => cli.output()
      })
      const stderr = cli.stderr()
      const summary = stdout as RunReport
      expect(summary).toMatchObject({ ok: true, result: 'ok', exitCode: 0, events: 7500, warnings: [] })
      expect(summary.target).toEqual({ kind: 'embedded-sandbox', apiBaseUrl: expect.any(String), kept: true })
      expect(summary.batches.map((batch) => batch.mergeModes.join())).toEqual(['Replace', 'Add', 'Add'])
      expect(summary.segments).toEqual([
        {
          name: 'example_high_value_customers',
          crmDataId: expect.any(String),
          created: true,
          mergeModes: ['Replace', 'Add'],
          sizeBefore: 0,
          size: expect.any(Number)
        }
      ])
      // The example's members are distinct across batches: the segment holds exactly what was uploaded.
      expect(summary.segments[0].size).toBe(summary.uploaded)
      expect(summary.leftOut.invalid).toBeGreaterThan(0)
      expect(summary.duplicates).toBeGreaterThan(0)
      expect(summary.leftOut.exited).toBeGreaterThan(0)
      expect(stderr).toMatch(/batch 3: 2,500 events, Add/)

      // The sandbox still answers after the summary, at the printed console address, until Ctrl-C.
      const origin = /Console: +(http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)?.[1]
      const sizes = await segmentSizes(origin ?? '', 'sandbox-advertiser')
      expect([...(sizes?.values() ?? [])]).toEqual([summary.uploaded])
      // Its token is printed for the hand-off (the sandbox's own, no customer secret), and nowhere else.
      const token = /TTD-Auth token: (sandbox-[0-9a-f]{32}) /.exec(stderr)?.[1] as string
      expect(cli.output().split(token)).toHaveLength(3)

      // The printed command, run as printed in a shell, syncs into the kept harness.sandbox.
      const command = /Sync into it: +(.+)\n/.exec(stderr)?.[1] as string
      expect(command).toBe(
        `TTD_AUTH_TOKEN=${token} TTD_ADVERTISER_ID=sandbox-advertiser npm start -- --api-url ${origin}/v3`
      )
      handedOver = spawnCommand(command)
      expect(await handedOver.waitForExit(30_000)).toBe(EXIT_OK)
      expect(handedOver.stdout()).toContain(`Target:      the TTD sandbox at ${origin}/v3, on this machine\n`)
      expect(handedOver.stdout()).toMatch(/"example_high_value_customers", CrmDataId \S+ \(reused\)/)

      cli.child.kill('SIGINT')
      expect(await cli.waitForExit()).toBe(0)
      expect(cli.output()).not.toMatch(/@example\.(com|net|org)/)
    } finally {
      // Ends the children whatever failed above: a child left running keeps jest from exiting.
      await handedOver?.stop()
      await cli.stop()
    }
  }, 60_000)

  it('reads standard input, resolves --rejects against INIT_CWD, and exits 5 with one JSON object when lines are unreadable', async () => {
    const here = tempDir()
    const { events } = audienceMix({ members: 1500, invalid: 2 })
    const cli = spawnCli(
      'src/runner/cli.ts',
      ['--input', '-', '--rejects', 'rejects.csv', '--json'],
      {
        INIT_CWD: here.dir,
        TTD_AUTH_TOKEN: 'set-but-unused'
      },
      { stdin: toJsonl(events) + 'not json\n' }
    )
    try {
      expect(await cli.waitForExit()).toBe(EXIT_UNREADABLE_LINES)
      const report = JSON.parse(cli.stdout()) as RunReport
      expect(report).toMatchObject({
        result: 'unreadable-lines',
        exitCode: EXIT_UNREADABLE_LINES,
        uploaded: 1500,
        input: { path: '-', format: 'jsonl' },
        rejects: { path: join(here.dir, 'rejects.csv'), lines: 3 },
        warnings: [
          { code: 'CREDENTIALS_NOT_USED', message: expect.stringContaining('TTD_AUTH_TOKEN is set but not used') }
        ]
      })
      expect(readFileSync(join(here.dir, 'rejects.csv'), 'utf8')).toBe(
        'line,code,reason\n' +
          '1503,NOT_JSON_OBJECT,not a JSON object (an event)\n' +
          '1501,INVALID_IDENTIFIER,Email has no @.\n' +
          '1502,INVALID_IDENTIFIER,Email is missing.\n'
      )
      expect(cli.stderr()).toContain('Syncing standard input (JSON lines)')
    } finally {
      await cli.stop()
      here.cleanup()
    }
  }, 30_000)
})
