/**
 * Short batches against the sandbox with TTD's 1,500 minimum on, delivered as Segment does: through
 * actions-core's Destination.onBatch, a batch that throws a RetryableError going back in the queue to be
 * retried later. Whatever the order of a 3,000 and a 1,000 batch, all 4,000 people end up in the segment.
 */
import { defaultValues, Destination, RetryableError, type JSONObject, type SegmentEvent } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../../destinations/the-trade-desk-crm'
import type { Settings } from '../../destinations/the-trade-desk-crm/generated-types'
import { MemoryEngageCache } from '../../local-runtime/memory-engage-cache'
import { StateContextStore } from '../../local-runtime/state-context-store'
import { engageEvent } from '../../testing/audience-fixtures'
import { startSandbox, type Sandbox } from '../../sandbox'

const HOUR = 3_600_000
let sandbox: Sandbox | undefined

afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})

function people(count: number, from: number): SegmentEvent[] {
  return Array.from({ length: count }, (_, i) => engageEvent(`short.person${from + i}@example.com`))
}

interface Runtime {
  destination: Destination<Settings>
  state: StateContextStore
  cache?: MemoryEngageCache
}

function runtime(target: Sandbox, time: { now: number }, cache?: MemoryEngageCache): Runtime {
  const definition = createTheTradeDeskCrm({
    apiBaseUrl: target.apiBaseUrl,
    allowLoopbackHttpDrops: true,
    now: () => time.now,
    coordination: { waitMs: 2_000, pollMs: 5 }
  })
  return {
    destination: new Destination(definition),
    state: new StateContextStore({ now: () => time.now }),
    cache
  }
}

function settings(target: Sandbox): JSONObject {
  return {
    auth_token: target.token,
    advertiser_id: target.advertiserId,
    __segment_internal_engage_force_full_sync: true,
    __segment_internal_engage_batch_sync: true,
    subscription: {
      subscribe: 'event = "Audience Entered"',
      partnerAction: 'syncAudience',
      mapping: {
        ...(defaultValues(createTheTradeDeskCrm().actions.syncAudience.fields) as JSONObject),
        name: 'Short Batches',
        region: 'US',
        pii_type: 'EmailHashedUnifiedId2'
      }
    }
  }
}

/**
 * Delivers the batches in order; a batch that throws a RetryableError is queued again behind the others
 * (Segment retries it later), up to `attempts` times. The clock moves 10 minutes per delivery.
 */
async function deliver(rt: Runtime, target: Sandbox, time: { now: number }, batches: SegmentEvent[][], attempts = 3) {
  const queue = batches.map((events) => ({ events, tries: 0 }))
  const outcomes: { size: number; outcome: 'done' | 'retry' | 'gave up'; statuses?: number[] }[] = []
  while (queue.length > 0) {
    const next = queue.shift() as { events: SegmentEvent[]; tries: number }
    next.tries++
    time.now += 10 * 60_000
    try {
      const results = await rt.state.run((stateContext) =>
        rt.destination.onBatch(next.events, settings(target), { stateContext, engageDestinationCache: rt.cache })
      )
      const statuses = (results.find((r) => r.multistatus)?.multistatus ?? []).map((node) => node.status)
      outcomes.push({ size: next.events.length, outcome: 'done', statuses })
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error
      outcomes.push({ size: next.events.length, outcome: next.tries < attempts ? 'retry' : 'gave up' })
      if (next.tries < attempts) queue.push(next)
    }
  }
  return outcomes
}

describe('short batches over the sandbox with its 1,500 minimum on', () => {
  it('3,000 then 1,000: the 1,000 is topped up and added; all 4,000 are in the segment', async () => {
    const target = (sandbox = await startSandbox())
    const time = { now: Date.parse('2026-11-28T00:00:00Z') }
    const rt = runtime(target, time)

    const outcomes = await deliver(rt, target, time, [people(3000, 0), people(1000, 3000)])

    expect(outcomes.map((o) => o.outcome)).toEqual(['done', 'done'])
    const [segment] = target.segments()
    expect(segment.memberCount).toBe(4000)
    expect(target.drops().map((drop) => [drop.mergeMode, drop.distinctCount])).toEqual([
      ['Replace', 3000],
      ['Add', 1500]
    ])
  })

  it('1,000 first: deferred, retried after the 3,000 replaced, then topped up; all 4,000 are in', async () => {
    const target = (sandbox = await startSandbox())
    const time = { now: Date.parse('2026-11-28T00:00:00Z') }
    const rt = runtime(target, time)

    const outcomes = await deliver(rt, target, time, [people(1000, 3000), people(3000, 0)])

    expect(outcomes.map((o) => `${o.size} ${o.outcome}`)).toEqual(['1000 retry', '3000 done', '1000 done'])
    expect(target.segments()[0].memberCount).toBe(4000)
    expect(target.drops().map((drop) => drop.mergeMode)).toEqual(['Replace', 'Add'])
  })

  it('1,000 first on one machine, 3,000 on another, sharing the runtime cache: all 4,000 are in', async () => {
    const target = (sandbox = await startSandbox())
    const time = { now: Date.parse('2026-11-28T00:00:00Z') }
    const cache = new MemoryEngageCache({ now: () => time.now })
    const [a, b] = [runtime(target, time, cache), runtime(target, time, cache)]

    await expect(deliver(a, target, time, [people(1000, 3000)], 1)).resolves.toEqual([
      { size: 1000, outcome: 'gave up' }
    ])
    await deliver(b, target, time, [people(3000, 0)])
    const retried = await deliver(a, target, time, [people(1000, 3000)])

    expect(retried).toMatchObject([{ size: 1000, outcome: 'done' }])
    expect(target.segments()[0].memberCount).toBe(4000)
    expect(target.drops().map((drop) => drop.mergeMode)).toEqual(['Replace', 'Add'])
  })

  it('1,000 alone never uploads: deferred, then failed for good with the "too few" reason', async () => {
    const target = (sandbox = await startSandbox())
    const time = { now: Date.parse('2026-11-28T00:00:00Z') }
    const rt = runtime(target, time)

    const early = await deliver(rt, target, time, [people(1000, 0)], 1)
    time.now += 2 * HOUR
    const late = await deliver(rt, target, time, [people(1000, 0)], 1)

    expect(early).toEqual([{ size: 1000, outcome: 'gave up' }])
    expect(late).toHaveLength(1)
    expect(late[0].outcome).toBe('done')
    expect(new Set(late[0].statuses)).toEqual(new Set([400]))
    expect(target.requests).toHaveLength(0)
    expect(target.segments()).toHaveLength(0)
  })
})
