/**
 * A plain Node process running the destination, against a loopback sandbox whose answers break after
 * their 200 headers: a reset mid-body on list, drop and upload, a chunked answer cut short on create.
 * A reset that reached an 'error' event nobody listens to would kill the process; each must be a retryable
 * failure of its batch, and the retried batch must upload.
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
  // close, which the call's deadline ends (504). Either way the batch is retried and the process lives on.
  expect(lines.map(({ status, ...line }) => ({ ...line, status: status === 504 ? 503 : status }))).toEqual([
    { attempt: 1, error: 'RetryableError', status: 503 },
    { attempt: 2, error: 'RetryableError', status: 503 },
    { attempt: 3, error: 'RetryableError', status: 503 },
    { attempt: 4, error: 'RetryableError', status: 503 },
    { attempt: 5, uploaded: 1600, status: undefined },
    { done: true, status: undefined }
  ])
  // The cut chunked answer (create) has no such race: it is always seen at once.
  expect(lines[1].status).toBe(503)
  // Each fault was met once, on its own call, before the answer that worked.
  const broken = sandbox.requests.filter((r) => r.status === 0).map((r) => r.route)
  expect(broken).toEqual(['list', 'create', 'drop', 'upload'])
  const [segment] = sandbox.segments()
  expect(sandbox.members(segment.crmDataId).size).toBe(1600)
})
