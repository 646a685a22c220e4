/**
 * A plain Node process running the destination, against a loopback sandbox whose answers break after
 * their 200 headers: a reset mid-body on list, drop and upload, a chunked answer cut short on create.
 * Were a body not read exactly once, such a reset would escape as an 'error' event nobody listens to and kill the
 * process. Each is a retryable answer for the batch's events instead, and the retried batch uploads.
 */
import { startSandbox, type Sandbox } from '../../sandbox'
import { runCliToExit } from '../../testing/spawn-cli'

let sandbox: Sandbox
beforeAll(async () => {
  sandbox = await startSandbox()
})
afterAll(() => sandbox.close())

async function runChild(): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  const { code, stdout, stderr } = await runCliToExit('src/e2e/__tests__/helpers/batches-in-child.ts', [], {
    TTD_API_BASE_URL: sandbox.apiBaseUrl,
    TTD_TOKEN: sandbox.token,
    TTD_ADVERTISER_ID: sandbox.advertiserId
  })
  const lines = stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
  return { code, lines, stderr }
}

it('survives answers that break mid-body on every call, and the retried batch uploads', async () => {
  sandbox.setFaults([
    { route: 'list', brokenBody: 'reset', times: 1 },
    { route: 'create', brokenBody: 'chunked', times: 1 },
    { route: 'drop', brokenBody: 'reset', times: 1 },
    { route: 'upload', brokenBody: 'reset', times: 1 }
  ])
  const { code, lines, stderr } = await runChild()

  expect(stderr).toBe('')
  expect(code).toBe(0)
  // A reset reads as 503; on a busy machine it can land before the start was read and look like a clean
  // close, which the call's deadline ends (504). Either way the events are retried and the process lives on.
  const as503 = (answered: unknown) => (answered as number[] | undefined)?.map((s) => (s === 504 ? 503 : s))
  expect(lines.map(({ answered, ...line }) => ({ ...line, answered: as503(answered) }))).toEqual([
    { attempt: 1, answered: [503] },
    { attempt: 2, answered: [503] },
    { attempt: 3, answered: [503] },
    { attempt: 4, answered: [503] },
    { attempt: 5, uploaded: 1600, answered: undefined },
    { done: true, answered: undefined }
  ])
  // The cut chunked answer (create) has no such race: it is always seen at once.
  expect(lines[1].answered).toEqual([503])
  // Each fault was met once, on its own call, before the answer that worked.
  const broken = sandbox.requests.filter((r) => r.status === 0).map((r) => r.route)
  expect(broken).toEqual(['list', 'create', 'drop', 'upload'])
  const [segment] = sandbox.segments()
  expect(sandbox.members(segment.crmDataId).size).toBe(1600)
})
