import { createHash } from 'node:crypto'
import { defaultValues, type JSONObject, type SegmentEvent } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../../destinations/the-trade-desk-crm'
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox'
import { StateContextStore } from '../../local-runtime/state-context-store'
import { runSync, type BatchProgress, type SyncSummary } from '../run-sync'
import { AUDIENCE_KEY, audienceMix, engageEvent, inBatches, memberKeyOfEmail } from '../../testing/audience-fixtures'

let sandbox: Sandbox | undefined

async function sandboxWith(options: SandboxOptions = {}): Promise<Sandbox> {
  sandbox = await startSandbox(options)
  return sandbox
}

afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})

function sync(
  target: Sandbox,
  events: SegmentEvent[],
  options: {
    batchSize?: number
    token?: string
    state?: StateContextStore
    name?: string
    retryDelaysMs?: number[]
    onProgress?: (progress: BatchProgress) => void
    target?: 'sandbox' | 'real'
    signal?: AbortSignal
    piiType?: string
  } = {}
): Promise<SyncSummary> {
  const definition = createTheTradeDeskCrm({ apiBaseUrl: target.apiBaseUrl, allowLoopbackHttpDrops: true })
  const mapping: JSONObject = {
    ...(defaultValues(definition.actions.syncAudience.fields) as JSONObject),
    pii_type: options.piiType ?? 'EmailHashedUnifiedId2',
    region: 'US'
  }
  if (options.name) mapping.name = options.name
  return runSync({
    definition,
    settings: {
      auth_token: options.token ?? target.token,
      advertiser_id: target.advertiserId,
      __segment_internal_engage_force_full_sync: true,
      __segment_internal_engage_batch_sync: true
    },
    mapping,
    batches: inBatches(events, options.batchSize ?? events.length),
    state: options.state ?? new StateContextStore(),
    retryDelaysMs: options.retryDelaysMs ?? [],
    onProgress: options.onProgress,
    target: options.target,
    signal: options.signal
  })
}

function keysOf(emails: string[]): Set<string> {
  return new Set(emails.map(memberKeyOfEmail))
}

describe('runSync against the sandbox', () => {
  it('creates the segment on the first sync and uploads exactly the distinct valid members', async () => {
    const target = await sandboxWith()
    const { events, memberEmails } = audienceMix({ members: 1600, duplicates: 40, invalid: 30, exited: 25 })

    const summary = await sync(target, events)

    const [segment] = target.segments()
    expect(target.segments()).toHaveLength(1)
    expect(segment.segmentName).toBe(AUDIENCE_KEY)
    expect(target.members(segment.crmDataId)).toEqual(keysOf(memberEmails))
    expect(summary).toMatchObject({
      result: 'ok',
      ok: true,
      segments: [{ name: AUDIENCE_KEY, crmDataId: segment.crmDataId, created: true }],
      batches: [{ batch: 1, events: 1695, mergeModes: ['Replace'], uploaded: 1600 }],
      events: 1695,
      uploaded: 1600,
      duplicates: 40,
      leftOut: { invalid: 30, exited: 25, notSubscribed: 0, belowMinimum: 0, failed: 0 },
      failures: [],
      replaced: true
    })
    // Events read = uploaded + duplicates + every reason left out.
    const leftOut = Object.values(summary.leftOut).reduce((sum, count) => sum + count, 0)
    expect(summary.uploaded + summary.duplicates + leftOut).toBe(summary.events)
    // The mix's invalid addresses alternate between malformed and missing: each reason with its count and lines.
    expect(summary.invalidReasons).toEqual([
      { reason: 'Email has no @.', count: 15, lineNumbers: [1641, 1643, 1645, 1647, 1649] },
      { reason: 'Email is missing.', count: 15, lineNumbers: [1642, 1644, 1646, 1648, 1650] }
    ])
    expect(JSON.stringify(summary)).not.toContain('not-an-email')
  })

  it('uploads plain emails outside ASCII that the sandbox accepts line for line, stored as their hashed twins', async () => {
    const target = await sandboxWith()
    const unicode = ['José@Example.com', 'ユーザー@例え.jp', '\u{1F60A}testtest@test.com', 'anna@bücher.de']
    const { events, memberEmails } = audienceMix({ members: 1500 })
    const summary = await sync(target, [...unicode.map((email) => engageEvent(email)), ...events], {
      piiType: 'Email'
    })

    expect(summary.result).toBe('ok')
    const [segment] = target.segments()
    expect(target.drops(segment.crmDataId)).toEqual([
      expect.objectContaining({ piiType: 'Email', lineCount: 1504, distinctCount: 1504, rejectedLines: 0 })
    ])
    expect(target.members(segment.crmDataId)).toEqual(keysOf([...unicode, ...memberEmails]))
    // The sandbox hashed the bytes it received: those of the lowercased address in UTF-8.
    const utf8Digest = createHash('sha256').update(Buffer.from('josé@example.com', 'utf8')).digest('base64')
    expect(target.members(segment.crmDataId).has(utf8Digest)).toBe(true)
  })

  it('counts an identifier that is not text as invalid, saying so, like any other invalid one', async () => {
    const target = await sandboxWith()
    const { events } = audienceMix({ members: 1500 })
    const numeric = { ...events[0], context: { ...events[0].context, traits: { email: { first: 'x' } } } }
    const summary = await sync(target, [...events, numeric as unknown as (typeof events)[number]])
    expect(summary.leftOut.invalid).toBe(1)
    expect(summary.invalidReasons).toEqual([
      { reason: 'Email is not text (it is object).', count: 1, lineNumbers: [1501] }
    ])
  })

  it('stops after the batch in flight when interrupted, and says the segment holds part of the audience', async () => {
    const target = await sandboxWith()
    const interrupt = new AbortController()
    const summary = await sync(target, audienceMix({ members: 4500 }).events, {
      batchSize: 1500,
      signal: interrupt.signal,
      onProgress: () => interrupt.abort()
    })
    expect(summary.batches).toHaveLength(1)
    expect(summary).toMatchObject({ result: 'interrupted', ok: false, replaced: true, events: 1500 })
    expect(summary.explanation).toMatch(/holds only part of the audience\. The next full run replaces it again/)
  })

  it('reuses the segment on a later sync and replaces its content with the new membership', async () => {
    const target = await sandboxWith()
    await sync(target, audienceMix({ members: 1700, tag: 'day1' }).events)
    const [segment] = target.segments()

    // A new day: the runtime's state no longer holds the sync window, so the first upload replaces.
    const day2 = audienceMix({ members: 1550, tag: 'day2' })
    const summary = await sync(target, day2.events)

    expect(target.segments()).toHaveLength(1)
    expect(summary.segments).toEqual([
      { name: AUDIENCE_KEY, crmDataId: segment.crmDataId, created: false, mergeModes: ['Replace'] }
    ])
    expect(summary.replaced).toBe(true)
    expect(summary.batches[0].mergeModes).toEqual(['Replace'])
    expect(target.members(segment.crmDataId)).toEqual(keysOf(day2.memberEmails))
  })

  it('holds a batch thinned below the minimum, sends its people with the next one, and reports them in the last round', async () => {
    const target = await sandboxWith()
    // Batch 1: 1,400 people and 100 invalid addresses; batch 2: 1,500 more people.
    const first = audienceMix({ members: 1400, invalid: 100, tag: 'thin' })
    const second = audienceMix({ members: 1500, tag: 'full' })

    const summary = await sync(target, [...first.events, ...second.events], { batchSize: 1500 })

    expect(summary.batches).toEqual([
      { batch: 1, events: 1500, mergeModes: [], uploaded: 0, held: 1400 },
      { batch: 2, events: 1500, mergeModes: ['Replace'], uploaded: 1500 },
      { batch: 3, events: 1400, mergeModes: ['Add'], uploaded: 1400, heldFrom: [1] }
    ])
    const [segment] = target.segments()
    // The Replace carried batch 1's held people; the last round's Add was topped up to the minimum.
    expect(target.drops(segment.crmDataId).map((drop) => [drop.mergeMode, drop.distinctCount])).toEqual([
      ['Replace', 2900],
      ['Add', 1500]
    ])
    expect(target.members(segment.crmDataId)).toEqual(keysOf([...first.memberEmails, ...second.memberEmails]))
    expect(summary).toMatchObject({ result: 'ok', uploaded: 2900, events: 3000 })
    expect(summary.leftOut).toMatchObject({ invalid: 100, belowMinimum: 0, failed: 0 })
  })

  it('uploads nothing when two segments share the name, and says why', async () => {
    const target = await sandboxWith()
    target.seedSegment(target.advertiserId, AUDIENCE_KEY, 'US')
    target.seedSegment(target.advertiserId, AUDIENCE_KEY, 'US')

    const summary = await sync(target, audienceMix({ members: 1600, exited: 5 }).events)

    expect(target.drops()).toHaveLength(0)
    expect(target.requests.filter((r) => r.route === 'drop' || r.route === 'upload')).toHaveLength(0)
    expect(summary.result).toBe('nothing-uploaded')
    expect(summary.leftOut).toMatchObject({ failed: 1600, exited: 5 })
    expect(summary.failures).toHaveLength(1)
    expect(summary.failures[0]).toMatchObject({
      code: 'DUPLICATE_SEGMENT_NAME',
      count: 1600,
      lineNumbers: [1, 2, 3, 4, 5]
    })
    // The runner's words say what to do here, as its own check, never TTD's; the destination's reason beside them.
    expect(summary.failures[0].message).toMatch(/so the runner cannot tell which to update and sent nothing/)
    expect(summary.failures[0].message).toMatch(/remove the extras in The Trade Desk, or pass another --segment-name/)
    expect(summary.failures[0].reason).toMatch(/2 CRM segments .* are named "runner_test_audience"/)
    expect(summary.explanation).toMatch(/^Nothing was uploaded: 1,600 people were in the audience but none reached/)
  })

  it('uploads nothing below 1,500 distinct people, duplicates not counting: held, sent again once, then too few', async () => {
    const target = await sandboxWith()
    const summary = await sync(target, audienceMix({ members: 1499, duplicates: 300 }).events)

    // A held batch only looks its segment up (to find an open sync window); it never creates one or uploads.
    expect(new Set(target.requests.map((request) => request.route))).toEqual(new Set(['list']))
    expect(target.segments()).toHaveLength(0)
    expect(summary.result).toBe('nothing-uploaded')
    expect(summary.batches).toEqual([
      { batch: 1, events: 1799, mergeModes: [], uploaded: 0, held: 1799 },
      { batch: 2, events: 1799, mergeModes: [], uploaded: 0, heldFrom: [1] }
    ])
    expect(summary.leftOut.belowMinimum).toBe(1799)
    expect(summary.uploaded).toBe(0)
    expect(summary.failures[0]).toMatchObject({ code: 'HELD_FOR_MINIMUM', count: 1799 })
    expect(summary.failures[0].message).toMatch(
      /^Too few distinct people for one upload: The Trade Desk takes at least 1,500/
    )
    expect(summary.failures[0].reason).toMatch(/this sync has 1,499 so far for this segment/)
  })

  it('finds the segment on the third listing page and reuses it', async () => {
    const target = await sandboxWith({ pageSize: 2 })
    for (let i = 0; i < 4; i++) target.seedSegment(target.advertiserId, `other-${i}`, 'US')
    const wanted = target.seedSegment(target.advertiserId, 'Loyal customers', 'US')

    const { events, memberEmails } = audienceMix({ members: 1500 })
    const summary = await sync(target, events, { name: 'Loyal customers' })

    expect(target.requests.filter((r) => r.route === 'list').length).toBeGreaterThanOrEqual(3)
    expect(target.requests.filter((r) => r.route === 'create')).toHaveLength(0)
    expect(target.segments()).toHaveLength(5)
    expect(summary.segments).toEqual([
      { name: 'Loyal customers', crmDataId: wanted.crmDataId, created: false, mergeModes: ['Replace'] }
    ])
    expect(target.members(wanted.crmDataId)).toEqual(keysOf(memberEmails))
  })

  it('retries a batch TTD answered with a retryable error, and stops once the retries run out', async () => {
    const target = await sandboxWith({ faults: [{ route: 'drop', status: 503, times: 1 }] })
    const progress: BatchProgress[] = []
    const { events, memberEmails } = audienceMix({ members: 1500 })

    const recovered = await sync(target, events, { retryDelaysMs: [5], onProgress: (p) => progress.push(p) })

    expect(recovered.ok).toBe(true)
    expect(progress).toEqual([
      {
        batch: 1,
        events: 1500,
        mergeModes: ['Replace'],
        uploaded: 1500,
        leftOut: 0,
        attempts: 2,
        position: { eventsRead: 1500, bytesRead: 1500, fileBytes: 1500 }
      }
    ])
    expect(target.members(target.segments()[0].crmDataId)).toEqual(keysOf(memberEmails))

    target.setFaults([{ route: 'drop', status: 503 }])
    const exhausted = await sync(target, events, { retryDelaysMs: [5, 5] })
    expect(exhausted.ok).toBe(false)
    expect(exhausted.stoppedAtBatch).toBe(1)
    expect(exhausted.batches[0].error).toBe(
      'The Trade Desk failed to request an upload location (status 503), an outage on its side (3 attempts). Run ' +
        'it again later: the first batch of a run replaces the segment.'
    )
    expect(exhausted.failures[0]).toMatchObject({ code: 'TTD_UNAVAILABLE', count: 1500 })
    expect(exhausted.failures[0].reason).toMatch(/failed to request an upload location \(503\)/)
    expect(target.requests.filter((r) => r.route === 'drop' && r.status === 503)).toHaveLength(1 + 3)
  })

  it('stops at the first batch when TTD rejects the token, telling to check it', async () => {
    const target = await sandboxWith()
    const summary = await sync(target, audienceMix({ members: 3000 }).events, {
      batchSize: 1500,
      token: 'not-the-sandbox-token',
      target: 'real'
    })

    expect(target.drops()).toHaveLength(0)
    expect(summary.ok).toBe(false)
    expect(summary.stoppedAtBatch).toBe(1)
    expect(summary.batches).toHaveLength(1)
    expect(summary.batches[0].error).toBe(
      'The Trade Desk refused the token or its rights on the advertiser: set a current long-lived token in ' +
        'TTD_AUTH_TOKEN and check TTD_ADVERTISER_ID.'
    )
    expect(summary.failures[0]).toMatchObject({ code: 'TTD_TOKEN_REJECTED' })
    expect(summary.failures[0].reason).toMatch(/rejected the API token \(401\)\. Check the Auth Token setting/)
    expect(summary.leftOut.failed).toBe(1500)
    expect(JSON.stringify(summary)).not.toContain('not-the-sandbox-token')
  })
})
