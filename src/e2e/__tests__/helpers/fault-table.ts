/**
 * The fault table (docs/failures.md), replayed against the sandbox's fault injection over real loopback
 * HTTP: for each TTD call and each fault, the outcome Segment sees, and proof that nothing is reported
 * as uploaded unless the sandbox stored it, and that neither the token nor a raw email leaks.
 *
 * One test file per TTD call (fault-table-<route>.test.ts), each with its own sandbox: jest runs them side by
 * side, and a row that waits for the call's deadline waits beside the others' work instead of after it.
 */
import { createTestIntegration, type Logger } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../../../destinations/the-trade-desk-crm'
import { segmentRetries } from '../../../destinations/the-trade-desk-crm/errors'
import { engageEvent } from '../../../testing/engage-events'
import { startSandbox, type BrokenBody, type FaultRule, type Sandbox, type SandboxRoute } from '../../../sandbox'

type Outcome =
  { kind: 'retry'; status: number; orStatus?: number } | { kind: 'fail-events'; status: number } | { kind: 'uploaded' }

interface Row {
  route: SandboxRoute
  fault: string
  rule?: Omit<FaultRule, 'route'>
  outcome: Outcome
}

const retry = (status: number, orStatus?: number): Outcome =>
  orStatus === undefined ? { kind: 'retry', status } : { kind: 'retry', status, orStatus }
const HTTP_FAULTS: [string, Omit<FaultRule, 'route'>, Outcome][] = [
  ['429 with Retry-After', { status: 429, retryAfterSeconds: 7 }, retry(429)],
  ['429 without Retry-After', { status: 429 }, retry(429)],
  ['500', { status: 500 }, retry(500)],
  ['502', { status: 502 }, retry(502)],
  ['503', { status: 503 }, retry(503)],
  ['504', { status: 504 }, retry(504)],
  ['timeout', { latencyMs: 1500 }, retry(504)],
  ['connection reset', { reset: true }, retry(503)]
]

/**
 * 200 headers and the start of the body, then the answer breaks. A reset or a chunked answer cut short is
 * seen at once (503); a clean close short of the Content-Length, or silence, only by the call's deadline (504).
 * A reset that lands before the client has read the start (a busy machine) reads as a clean close: 504.
 */
const BROKEN_BODY_FAULTS: [string, BrokenBody, Outcome][] = [
  ['200, then the body closes early', 'close', retry(504)],
  ['200, then a reset mid-body', 'reset', retry(503, 504)],
  ['200, then the body stalls', 'stall', retry(504)],
  ['200, then a chunked body cut short', 'chunked', retry(503)]
]

const ROUTES: SandboxRoute[] = ['list', 'create', 'drop', 'upload']
const ROWS: Row[] = [
  ...ROUTES.flatMap((route) => HTTP_FAULTS.map(([fault, rule, outcome]) => ({ route, fault, rule, outcome }))),
  ...ROUTES.flatMap((route) =>
    BROKEN_BODY_FAULTS.map(([fault, brokenBody, outcome]) => ({ route, fault, rule: { brokenBody }, outcome }))
  ),
  ...(['list', 'create', 'drop'] as SandboxRoute[]).flatMap((route) => [
    { route, fault: '200 with malformed JSON', rule: { malformedJson: true }, outcome: retry(502) },
    { route, fault: '200 with incomplete JSON', rule: { incompleteJson: true }, outcome: retry(502) }
  ]),
  {
    route: 'list',
    fault: 'paging token repeating forever',
    rule: { repeatPagingToken: true },
    outcome: { kind: 'uploaded' }
  },
  {
    route: 'drop',
    fault: 'drop URL not https',
    rule: { insecureDropUrl: true },
    outcome: { kind: 'fail-events', status: 502 }
  }
]

const RAW_EMAIL = (i: number) => `Fault.Person${i}@Example.com`

function batch(count: number) {
  return Array.from({ length: count }, (_, i) => engageEvent('faulty', { email: RAW_EMAIL(i) }))
}

function capturingLogger(lines: string[]): Logger {
  const keep = (...message: string[]) => void lines.push(message.join(' '))
  return {
    level: 'debug',
    name: 'test',
    debug: keep,
    info: keep,
    warn: keep,
    error: keep,
    crit: keep,
    log: keep,
    withTags: () => undefined
  }
}

async function runWithFault(sandbox: Sandbox, row: Row, name: string, { uploadTimeoutBaseMs = 500 } = {}) {
  const definition = createTheTradeDeskCrm({
    apiBaseUrl: sandbox.apiBaseUrl,
    allowLoopbackHttpDrops: true,
    apiTimeoutMs: 500,
    uploadTimeoutBaseMs
  })
  // A fresh name makes every row list and create, so each route is reached.
  sandbox.setFaults(row.rule ? [{ route: row.route, ...row.rule }] : [])
  const logLines: string[] = []
  const integration = createTestIntegration(definition)
  const settings = {
    auth_token: sandbox.token,
    advertiser_id: sandbox.advertiserId,
    __segment_internal_engage_force_full_sync: true,
    __segment_internal_engage_batch_sync: true
  }
  let error: unknown
  try {
    await integration.testBatchAction('syncAudience', {
      events: batch(1600),
      mapping: { name, region: 'US', pii_type: 'EmailHashedUnifiedId2' },
      settings,
      useDefaultMappings: true,
      logger: capturingLogger(logLines)
    })
  } catch (e) {
    error = e
  }
  const multistatus = (integration.results[0]?.multistatus ?? []) as {
    status: number
    errormessage?: string
    body?: { code?: string }
  }[]
  const segment = sandbox.segments().find((s) => s.segmentName === name)
  return { error, multistatus, logLines, segment, name }
}

/** The rows of the table for one TTD call, against a sandbox of their own. */
export function testFaultTable(route: SandboxRoute): void {
  let sandbox: Sandbox
  const sandboxLog: string[] = []
  let segmentCounter = 0

  beforeAll(async () => {
    // Drop URLs keep the sandbox's default lifetime here: a short one would expire a retry's upload whenever a loaded
    // machine is slow. The expired-URL row has its own sandbox (testExpiredDropUrl).
    sandbox = await startSandbox({ log: (line) => sandboxLog.push(line) })
  })
  afterAll(() => sandbox.close())
  afterEach(() => sandbox.clearFaults())

  describe.each(ROWS.filter((row) => row.route === route))('$route: $fault', (row) => {
    const statuses =
      'status' in row.outcome ? [row.outcome.status, ...('orStatus' in row.outcome ? [row.outcome.orStatus] : [])] : []
    it(`-> ${row.outcome.kind}${statuses.length ? ` ${statuses.join(' or ')}` : ''}`, async () => {
      const { error, multistatus, logLines, segment, name } = await runWithFault(
        sandbox,
        row,
        `Faults ${++segmentCounter}`
      )
      const stored = segment ? sandbox.members(segment.crmDataId).size : 0

      if (row.outcome.kind === 'retry') {
        // Every event answered with the same retryable status: Segment retries these events; the invocation returned.
        expect(error).toBeUndefined()
        expect(multistatus).toHaveLength(1600)
        const answers = new Set(multistatus.map((r) => r.status))
        expect(answers.size).toBe(1)
        const [status] = answers
        expect(statuses).toContain(status)
        expect(segmentRetries(status)).toBe(true)
        expect(multistatus[0].errormessage).toMatch(/Segment retries these events for up to four hours\.$/)
        expect(stored).toBe(0)
        // Segment's retry of the same batch, once TTD recovered, stores everyone in a single segment. It runs in
        // this same process, so nothing the failed batch left behind (a claim on the segment's name) may hold it up.
        sandbox.clearFaults()
        const retried = await runWithFault(sandbox, { ...row, rule: undefined }, name)
        expect(retried.error).toBeUndefined()
        expect(sandbox.segments().filter((s) => s.segmentName === name)).toHaveLength(1)
        expect(sandbox.members(retried.segment!.crmDataId).size).toBe(1600)
      } else if (row.outcome.kind === 'fail-events') {
        expect(error).toBeUndefined()
        expect(multistatus).toHaveLength(1600)
        expect(new Set(multistatus.map((r) => r.status))).toEqual(new Set([(row.outcome as { status: number }).status]))
        expect(stored).toBe(0)
      } else {
        expect(error).toBeUndefined()
        expect(multistatus.filter((r) => r.status === 200)).toHaveLength(1600)
        expect(stored).toBe(1600)
      }

      const everything = [
        error instanceof Error ? `${error.message}\n${error.stack}` : String(error ?? ''),
        JSON.stringify(multistatus),
        ...logLines,
        ...sandboxLog,
        JSON.stringify(sandbox.segments()),
        JSON.stringify(sandbox.drops())
      ].join('\n')
      expect(everything).not.toContain(sandbox.token)
      expect(everything.toLowerCase()).not.toContain('fault.person')
      expect(sandbox.requests.filter((r) => r.route === 'upload' && r.hadAuthHeader)).toEqual([])
    })
  })
}

/** The upload row the table cannot hold: a drop URL that expired before its upload arrived. */
export function testExpiredDropUrl(): void {
  describe('an expired drop URL', () => {
    // Drop URLs here live 1 s and the first upload is held 1.5 s, inside an upload timeout of 5 s: the URL has
    // expired when the upload arrives, however slow the machine; the retry's upload has the full second.
    let shortLived: Sandbox
    beforeAll(async () => {
      shortLived = await startSandbox({ dropUrlTtlMs: 1_000 })
    })
    afterAll(() => shortLived.close())

    it('is retried (403 from the upload host) and the retry uploads everyone', async () => {
      const row: Row = { route: 'upload', fault: 'expired', rule: { latencyMs: 1_500, times: 1 }, outcome: retry(503) }
      const options = { uploadTimeoutBaseMs: 5_000 }
      const first = await runWithFault(shortLived, row, 'Expired drop', options)
      expect(first.error).toBeUndefined()
      expect(first.multistatus[0]).toMatchObject({ status: 503, body: { code: 'TTD_UPLOAD_URL_EXPIRED' } })
      expect(first.multistatus[0].errormessage).toContain('probably expired')
      expect(shortLived.drops().at(-1)?.status).toBe('expired')
      expect(first.segment && shortLived.members(first.segment.crmDataId).size).toBe(0)

      shortLived.clearFaults()
      const retried = await runWithFault(shortLived, { ...row, rule: undefined }, 'Expired drop', options)
      expect(retried.error).toBeUndefined()
      expect(shortLived.segments().filter((s) => s.segmentName === 'Expired drop')).toHaveLength(1)
      expect(shortLived.members(retried.segment!.crmDataId).size).toBe(1600)
    })
  })
}
