/**
 * What must hold for any correct design of short batches, checked through the delivery simulator only (events in,
 * answers and TTD's segment out; no engine internals), with the strict stateContext (a throwing invocation's writes
 * are lost), across a small sweep of Segment's unpublished retry parameters. One test file per runtime configuration,
 * so that jest runs them side by side.
 */
import type { FaultRule } from '../../../sandbox/types'
import { closeMachines, cutSync, World, type BatchCut, type Delivery, type RetryPolicy, type SyncOutcome } from '../..'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const MINIMUM = 1500

/**
 * First wait 10 s to 15 min, growth 1.5 to 3, jitter 0 to 0.5: Segment publishes none of them. Seed 6 gives the first
 * batch of a sync a last attempt before 2 h and none between 2 h and 4 h: no design may rely on when attempts come.
 */
const SWEEP: RetryPolicy[] = [
  { firstWaitMs: 10_000, factor: 3, jitter: 0.5, seed: 6 },
  { firstWaitMs: MINUTE, factor: 2, jitter: 0.25, seed: 2 },
  { firstWaitMs: 15 * MINUTE, factor: 1.5, jitter: 0, seed: 3 }
]

/** Syncs of at least 1,500 distinct valid identifiers, cut in ways no batch size setting prevents. */
const CUTTINGS: [string, BatchCut[]][] = [
  [
    '1,500 + 1,500 + 755 events thinned to 1,468, 1,459 and 736 distinct (3,596 members)',
    [
      { events: 1500, distinct: 1468 },
      { events: 1500, distinct: 1459, repeats: 45 },
      { events: 755, distinct: 736, repeats: 22 }
    ]
  ],
  [
    'a short first batch: 500 + 1,700 + 900 events',
    [
      { events: 500, distinct: 490 },
      { events: 1700, distinct: 1680 },
      { events: 900, distinct: 880 }
    ]
  ],
  [
    'all batches under 1,500 events: 900 + 900 + 400',
    [
      { events: 900, distinct: 880 },
      { events: 900, distinct: 890 },
      { events: 400, distinct: 395 }
    ]
  ],
  [
    'a short last batch: 1,600 + 650 events',
    [
      { events: 1600, distinct: 1590 },
      { events: 650, distinct: 637 }
    ]
  ]
]

const SMALL: BatchCut[] = [
  { events: 700, distinct: 690 },
  { events: 500, distinct: 495 }
]

const describePolicy = (policy: RetryPolicy) =>
  `first wait ${policy.firstWaitMs / 1000} s, factor ${policy.factor}, jitter ${policy.jitter}`

/** How many of the sync's members are in its segment at the end, as a sentence a failure reads well with. */
function membersIn(outcome: SyncOutcome): string {
  let found = 0
  for (const key of outcome.expected) if (outcome.members.has(key)) found++
  return `${found} of ${outcome.expected.size} members in the segment`
}

/** Uploads TTD refused, or that held fewer distinct identifiers than its minimum. */
function uploadsUnderMinimum(outcome: SyncOutcome) {
  return outcome.uploads.filter(
    (upload) => upload.status === 'rejected' || (upload.status === 'uploaded' && upload.distinct < MINIMUM)
  )
}

function reportedUploadedButAbsent(outcome: SyncOutcome): number {
  return outcome.events.filter((event) => event.uploaded && !(event.memberKey && outcome.members.has(event.memberKey)))
    .length
}

export interface RuntimeConfiguration {
  delivery: Delivery
  /** Whether the runtime hands over an engageDestinationCache. */
  cache: boolean
  /** What happens to the stateContext writes of an invocation that throws: lost unless said. */
  thrownWrites?: 'lost' | 'kept'
  /** TTD's failures on the way, as sandbox fault rules (each with `times`, so each day starts with them). */
  faults?: FaultRule[]
  /** The retry policies to run it under: all of SWEEP unless said. */
  retries?: 'sweep' | 'gap-only'
}

/** The invariants for one runtime configuration: how batches are delivered, and whether the cache is handed over. */
export function describeInvariants(label: string, configuration: RuntimeConfiguration): void {
  const { delivery, cache, thrownWrites = 'lost', faults, retries = 'sweep' } = configuration
  // The policy whose schedule leaves a batch no attempt between 2 and 4 hours is the one a design is likeliest to trip on.
  const policies = retries === 'sweep' ? SWEEP : SWEEP.slice(0, 1)
  const create = () => World.create({ cache, thrownWrites, sandbox: faults ? { faults } : undefined })
  afterAll(() => closeMachines())
  describe.each(policies.map((policy) => [describePolicy(policy), policy] as const))(
    `${label}, ${thrownWrites === 'lost' ? 'strict stateContext' : 'stateContext keeping thrown writes'}, retries: %s`,
    (_label, retry) => {
      /** Every sync this block ran, by name: the invariants below read them all. */
      const runs = new Map<string, SyncOutcome>()

      beforeAll(async () => {
        for (const [name, cuts] of CUTTINGS) {
          const world = await create()
          try {
            const sync = cutSync(cuts, { tag: 'day' })
            const day1 = await world.sync({ ...sync, delivery, retry })
            runs.set(`${name}, day 1`, day1)
            // Day 2 starts 30 s before 24 h have passed since day 1's last lookup: an id remembered then expires mid-sync.
            const lookup = world.lastRequestAt('list', 'create') ?? day1.startedAt
            const day2 = await world.sync({ ...sync, delivery, retry, startAt: lookup + 24 * HOUR - 30_000 })
            runs.set(`${name}, day 2`, day2)
          } finally {
            await world.close()
          }
        }
        const world = await create()
        try {
          runs.set('small', await world.sync({ ...cutSync(SMALL, { tag: 'small' }), delivery, retry }))
        } finally {
          await world.close()
        }
      }, 120_000)

      it.each(CUTTINGS.flatMap(([name]) => [`${name}, day 1`, `${name}, day 2`]))(
        'every member ends in the segment: %s',
        (name) => {
          const outcome = runs.get(name) as SyncOutcome
          expect(membersIn(outcome)).toBe(`${outcome.expected.size} of ${outcome.expected.size} members in the segment`)
        }
      )

      it('a sync below 1,500 distinct uploads nothing, and every member event ends failed by a message explaining the minimum', () => {
        const outcome = runs.get('small') as SyncOutcome
        expect(outcome.expected.size).toBeLessThan(MINIMUM)
        expect(outcome.uploads).toEqual([])
        const members = outcome.events.filter((event) => event.memberKey !== undefined)
        const lastWords = new Map<string, number>()
        for (const event of members) {
          const explains =
            event.status >= 400 &&
            /1,?500/.test(event.message ?? '') &&
            /minimum/.test(event.message ?? '') &&
            !/Segment will retry/.test(event.message ?? '')
          const key = explains ? 'failed, explaining the minimum' : `${event.status}: ${event.message}`
          lastWords.set(key, (lastWords.get(key) ?? 0) + 1)
        }
        expect(Object.fromEntries(lastWords)).toEqual({ 'failed, explaining the minimum': members.length })
      })

      it('no upload holds fewer than 1,500 distinct identifiers, and TTD refuses none, in any of these syncs', () => {
        expect(runs.size).toBe(CUTTINGS.length * 2 + 1)
        const under = [...runs].flatMap(([name, outcome]) =>
          uploadsUnderMinimum(outcome).map((upload) => ({ name, ...upload }))
        )
        expect(under).toEqual([])
      })

      if (faults) {
        it('met the faults: some events of each day 1 needed more than one attempt', () => {
          const retried = CUTTINGS.map(([name]) => (runs.get(`${name}, day 1`) as SyncOutcome).events)
          expect(retried.map((events) => events.some((event) => event.attempts > 1))).toEqual(CUTTINGS.map(() => true))
        })
      }

      it('no event is reported uploaded whose identifier is not in the segment at the end', () => {
        expect(runs.size).toBe(CUTTINGS.length * 2 + 1)
        const absent = Object.fromEntries(
          [...runs].map(([name, outcome]) => [name, reportedUploadedButAbsent(outcome)])
        )
        expect(absent).toEqual(Object.fromEntries([...runs.keys()].map((name) => [name, 0])))
      })
    }
  )
}
