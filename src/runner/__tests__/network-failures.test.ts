import { createServer, type Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import nock from 'nock'
import { EXIT_FAILED, EXIT_NOT_CONNECTED, runRunner, type Outcome } from '../run'
import type { RunReport } from '../summary'
import { audienceMix, captureIo, toJsonl } from '../../testing/audience-fixtures'
import { runnerHarness } from '../../testing/runner-harness'
import { freePort } from '../../testing/spawn-cli'

const harness = runnerHarness()
const { files, runner, credentials } = harness

/** A server that accepts connections and never answers, as a hung API or a black-holing proxy does. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/v3`,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/**
 * The whole command against `--api-url url`, reading standard input that never ends: a run that read its input
 * before the connection check failed would never return.
 */
async function syncTo(url: string, apiTimeoutMs?: number) {
  const stdin = new PassThrough()
  const output = captureIo()
  const code = await runRunner(
    ['--input', '-', '--api-url', url, '--json'],
    credentials(),
    { ...output.io, stdin },
    { retryDelaysMs: [], apiTimeoutMs }
  )
  expect(stdin.readableFlowing).not.toBe(true)
  const outcome = JSON.parse(output.stdout()) as Outcome
  expect(outcome.exitCode).toBe(code)
  return { outcome, stderr: output.stderr() }
}

describe('the connection check before the input, when the target cannot be reached', () => {
  it('says a host name that does not resolve, naming the host', async () => {
    // The failure node-fetch reports when DNS has no answer for the name (as on a machine without DNS).
    nock('https://ttd-crm-sync-test.invalid')
      .get(/.*/)
      .replyWithError(
        Object.assign(new Error('getaddrinfo ENOTFOUND ttd-crm-sync-test.invalid'), { code: 'ENOTFOUND' })
      )

    const { outcome, stderr } = await syncTo('https://ttd-crm-sync-test.invalid/v3')

    expect(outcome).toMatchObject({ result: 'connection-failed', exitCode: EXIT_NOT_CONNECTED })
    expect(outcome.error?.code).toBe('TTD_UNREACHABLE')
    expect(outcome.error?.message).toBe(
      'Cannot reach The Trade Desk at https://ttd-crm-sync-test.invalid/v3 to check the credentials: could not ' +
        'reach ttd-crm-sync-test.invalid: the host name could not be resolved. This says nothing about the token: ' +
        'check --api-url and the network, or run again later. Nothing was read or sent.'
    )
    expect(stderr).toBe(
      'Checking the credentials with The Trade Desk at https://ttd-crm-sync-test.invalid/v3 (waiting at most 15 s ' +
        'for its answer)…\n'
    )
  })

  it('says a port that refuses the connection', async () => {
    const port = await freePort()
    const { outcome } = await syncTo(`http://127.0.0.1:${port}/v3`)
    expect(outcome.error?.code).toBe('TTD_UNREACHABLE')
    expect(outcome.error?.message).toMatch(
      new RegExp(`to check the credentials: could not reach 127\\.0\\.0\\.1:${port}: the connection was refused\\. `)
    )
    expect(JSON.stringify(outcome)).not.toMatch(/Segment will retry/)
  })

  it('gives up on a server that accepts and never answers within the call timeout, and says so', async () => {
    const silent = await silentServer()
    try {
      const { outcome, stderr } = await syncTo(silent.url, 300)
      expect(stderr).toContain('(waiting at most 0.3 s for its answer)…\n')
      expect(outcome.error?.code).toBe('TTD_UNREACHABLE')
      expect(outcome.error?.message).toMatch(
        /: could not reach 127\.0\.0\.1:\d+: no complete answer came within 0\.3 s\. This says nothing/
      )
    } finally {
      await silent.close()
    }
  })
})

describe('a target that stops answering during the sync', () => {
  it.each([
    [[], 'Run it again later: the first batch of a run replaces the segment.'],
    [['--add'], 'Run it again later: adding people already in the segment changes nothing.']
  ])(
    'says each retry as it waits, then who could not be reached, how, and after how many attempts (%j)',
    async (extra, runAgain) => {
      harness.sandbox.setFaults([{ route: 'drop', latencyMs: 10_000 }])
      const list = files.write('people.jsonl', toJsonl(audienceMix({ members: 1500 }).events))
      const args = ['--input', list, '--api-url', harness.sandbox.apiBaseUrl, ...extra]

      const text = await runner(args, credentials(), { apiTimeoutMs: 300, retryDelaysMs: [100, 200] })

      const host = new URL(harness.sandbox.origin).host
      expect(text.code).toBe(EXIT_FAILED)
      expect(text.stderr.split('\n').filter((line) => line.includes('trying again'))).toEqual([
        `batch 1: 1,500 events not sent yet, could not reach ${host}: no complete answer came within 0.3 s; trying ` +
          'again in 0.1 s (attempt 2 of 3)',
        `batch 1: 1,500 events not sent yet, could not reach ${host}: no complete answer came within 0.3 s; trying ` +
          'again in 0.2 s (attempt 3 of 3)'
      ])
      expect(text.stdout).toContain(
        `1,500 x Could not reach ${host}: no complete answer came in time (3 attempts). Check --api-url and the ` +
          `network. ${runAgain}`
      )
      expect(harness.sandbox.requests.filter((request) => request.route === 'drop')).toHaveLength(3)

      const report = JSON.parse(
        (await runner([...args, '--json'], credentials(), { apiTimeoutMs: 300, retryDelaysMs: [] })).stdout
      ) as RunReport
      expect(report.failures.map((failure) => failure.code)).toEqual(['TTD_UNREACHABLE'])
      expect(JSON.stringify(report)).not.toMatch(/Segment will retry|Segment retries/)
    }
  )
})
