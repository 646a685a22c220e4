import { randomUUID } from 'node:crypto'
import { defaultValues, type JSONObject, type SegmentEvent } from '@segment/actions-core'
import { createTheTradeDeskCrm, type DestinationOptions } from '../destinations/the-trade-desk-crm'
import { normalizeEmail, sha256Base64 } from '../destinations/the-trade-desk-crm/pii'
import { RESULT_CODES } from '../destinations/the-trade-desk-crm/syncAudience/result-codes'
import { MemoryEngageCache } from '../local-runtime/memory-engage-cache'
import { StateContextStore } from '../local-runtime/state-context-store'
import { startSandbox, type DropView, type Sandbox, type SandboxOptions, type SandboxRoute } from '../sandbox'
import {
  deliver,
  type Attempt,
  type AttemptRecord,
  type DeliveredEvent,
  type Delivery,
  type SentAttempt
} from './delivery'
import { machines } from './machines'
import type { RetryPolicy } from './retry-policy'
import { VirtualClock } from './virtual-clock'

/** What Segment's runtime offers the destination in a world, and the TTD it talks to. */
export interface WorldOptions {
  /** What becomes of a throwing invocation's stateContext writes: `lost` (the default, strict) or `kept`. */
  thrownWrites?: 'lost' | 'kept'
  /** Whether the runtime hands every invocation an engageDestinationCache (one, shared by every machine). */
  cache?: boolean
  /** Where the virtual clock starts. */
  startAt?: number
  /** The action's mapping, over the fields' defaults (pii_type EmailHashedUnifiedId2, region US unless given). */
  mapping?: JSONObject
  /**
   * More options of the destination's factory, as plain data (they cross to the machines' threads); the world sets
   * apiBaseUrl, allowLoopbackHttpDrops and now.
   */
  destination?: Omit<DestinationOptions, 'now'>
  sandbox?: SandboxOptions
}

export interface SyncRun {
  /** Every event of the sync, in batch order. */
  events: SegmentEvent[]
  batchSizes: number[]
  delivery: Delivery
  retry: RetryPolicy
  /** Virtual time of the first batch's first attempt; default: where the clock stands. */
  startAt?: number
  /** Sequential delivery: virtual ms between one batch's first attempt and the next one's (default 60 s). */
  gapMs?: number
}

/** One event's end, with the digest TTD stores its identifier under (none when the address is not valid). */
export interface SimulatedEvent extends DeliveredEvent {
  /** Reported uploaded: a 2xx answer whose body code is UPLOADED. */
  uploaded: boolean
  memberKey?: string
}

/** An upload TTD received: its drop, and whether the file was accepted (`uploaded`), refused (`rejected`) or not sent. */
export interface ReceivedUpload {
  crmDataId: string
  mergeMode: DropView['mergeMode']
  status: DropView['status']
  lines: number
  distinct: number
}

export interface SyncOutcome {
  events: SimulatedEvent[]
  attempts: AttemptRecord[]
  /** The drops asked for during this sync, oldest first. */
  uploads: ReceivedUpload[]
  /**
   * The segments named after the events' audience key (what the default mapping makes the Segment Name) at the end,
   * with their members as the digests TTD keeps.
   */
  segments: { crmDataId: string; members: Set<string> }[]
  /** The members of those segments together (usually there is one). */
  members: Set<string>
  /** The digests of the sync's distinct valid members: what the segment should hold. */
  expected: Set<string>
  startedAt: number
  endedAt: number
}

/** A request TTD received, with the virtual time of the invocation that made it. */
export interface TimedRequest {
  at: number
  route: SandboxRoute | 'other'
  method: string
  status: number
}

const DEFAULT_START = Date.parse('2026-11-28T00:00:00Z')
const DEFAULT_GAP_MS = 60_000

/**
 * One destination instance in Segment's runtime, for as many syncs as a test runs (day 1, then day 2 on the same stores
 * and TTD): a virtual clock, the runtime's stores (a StateContextStore, and a MemoryEngageCache when `cache`), machines
 * that each load their own actions-core and destination, and TTD as the embedded sandbox (1,500 minimum on).
 */
export class World {
  readonly clock: VirtualClock
  readonly state: StateContextStore
  readonly cache: MemoryEngageCache | undefined
  /** Every request TTD received, stamped with the virtual time of the attempt that made it. */
  readonly requests: TimedRequest[] = []
  private readonly settings: JSONObject
  private readonly destinationOptions: Omit<DestinationOptions, 'now'>
  /** Names this world's destination on every machine. */
  private readonly id = randomUUID()
  private syncs = 0

  private constructor(
    readonly sandbox: Sandbox,
    options: WorldOptions
  ) {
    this.clock = new VirtualClock(options.startAt ?? DEFAULT_START)
    const now = this.clock.now
    this.state = new StateContextStore({ now, thrownWrites: options.thrownWrites ?? 'lost' })
    this.cache = options.cache ? new MemoryEngageCache({ now }) : undefined
    // The machine adds `now`: the virtual time of each invocation. Claims are waited for in real time: polled often,
    // since the holder's calls go to a sandbox on loopback and end in milliseconds.
    this.destinationOptions = {
      waits: { pollMs: 10 },
      ...options.destination,
      apiBaseUrl: sandbox.apiBaseUrl,
      allowLoopbackHttpDrops: true
    }
    const action = createTheTradeDeskCrm().actions.syncAudience
    const mapping: JSONObject = {
      ...(defaultValues(action.fields) as JSONObject),
      pii_type: 'EmailHashedUnifiedId2',
      region: 'US',
      ...options.mapping
    }
    this.settings = {
      auth_token: sandbox.token,
      advertiser_id: sandbox.advertiserId,
      __segment_internal_engage_force_full_sync: true,
      __segment_internal_engage_batch_sync: true,
      subscription: { subscribe: action.defaultSubscription ?? '', partnerAction: 'syncAudience', mapping }
    }
  }

  static async create(options: WorldOptions = {}): Promise<World> {
    return new World(await startSandbox(options.sandbox), options)
  }

  now(): number {
    return this.clock.now()
  }

  /** Delivers one sync, retries included, and reports how each event and TTD's segment ended. */
  async sync(run: SyncRun): Promise<SyncOutcome> {
    const total = run.batchSizes.reduce((sum, size) => sum + size, 0)
    if (total !== run.events.length) {
      throw new RangeError(`The batch sizes add up to ${total} events; the sync has ${run.events.length}.`)
    }
    const startedAt = run.startAt ?? this.now()
    const dropsBefore = this.sandbox.drops().length
    if (run.delivery === 'sequential') machines.reserve(2)
    const syncId = randomUUID()
    const plan = {
      batchSizes: run.batchSizes,
      delivery: run.delivery,
      retry: run.retry,
      startAt: startedAt,
      gapMs: run.gapMs ?? DEFAULT_GAP_MS,
      stream: this.syncs++
    }
    let delivered
    try {
      delivered = await deliver(plan, this.clock, (attempt) => this.send(attempt, syncId, run.events))
    } finally {
      machines.forget(syncId)
    }
    const keys = run.events.map(memberKeyOf)
    const names = new Set(run.events.map(audienceKeyOf))
    const segments = this.sandbox
      .segments()
      .filter((segment) => names.has(segment.segmentName))
      .map((segment) => ({ crmDataId: segment.crmDataId, members: this.sandbox.members(segment.crmDataId) }))
    return {
      events: delivered.events.map((delivered, i) => {
        // Completed in place: a sweep holds hundreds of thousands of these.
        const event = delivered as SimulatedEvent
        event.uploaded = event.status >= 200 && event.status < 300 && event.code === RESULT_CODES.uploaded
        event.memberKey = keys[i]
        return event
      }),
      attempts: delivered.attempts,
      uploads: this.sandbox
        .drops()
        .slice(dropsBefore)
        .map((drop) => ({
          crmDataId: drop.crmDataId,
          mergeMode: drop.mergeMode,
          status: drop.status,
          lines: drop.lineCount,
          distinct: drop.distinctCount
        })),
      segments,
      members: new Set(segments.flatMap((segment) => [...segment.members])),
      expected: new Set(keys.filter((key): key is string => key !== undefined)),
      startedAt,
      endedAt: this.now()
    }
  }

  /** The virtual time of the latest request to one of `routes`, if any. */
  lastRequestAt(...routes: SandboxRoute[]): number | undefined {
    for (let i = this.requests.length - 1; i >= 0; i--)
      if (routes.includes(this.requests[i].route as SandboxRoute)) return this.requests[i].at
    return undefined
  }

  async close(): Promise<void> {
    machines.forget(this.id)
    await this.sandbox.close()
  }

  /** One invocation on a free machine: the attempt's events through `Destination.onBatch`, answered event by event. */
  private send(attempt: Attempt, sync: string, syncEvents: SegmentEvent[]): Promise<SentAttempt> {
    return machines.use(async (machine) => {
      const state = this.state.begin()
      // A machine that fails counts as an invocation that threw; the simulation then stops with its error.
      let threw = true
      try {
        const answer = await machine.invoke({
          world: this.id,
          options: this.destinationOptions,
          at: attempt.at,
          sync,
          syncEvents,
          events: attempt.events,
          settings: this.settings,
          state,
          cache: this.cache
        })
        threw = answer.threw
        return { answers: answer.answers, machine: machine.number }
      } finally {
        state.settle(threw ? 'threw' : 'returned')
        this.stampRequests(attempt.at)
      }
    })
  }

  private stampRequests(at: number): void {
    for (const request of this.sandbox.requests.slice(this.requests.length)) {
      this.requests.push({ at, route: request.route, method: request.method, status: request.status })
    }
  }
}

/** Runs one sync in a world of its own and closes it. */
export async function simulateSync(options: WorldOptions & SyncRun): Promise<SyncOutcome> {
  const world = await World.create(options)
  try {
    return await world.sync(options)
  } finally {
    await world.close()
  }
}

/** The digest TTD keeps for the event's address (plain or hashed email types alike), computed as the destination does. */
function memberKeyOf(event: SegmentEvent): string | undefined {
  const email = (event.context?.traits as { email?: unknown } | undefined)?.email
  if (event.event !== 'Audience Entered' || typeof email !== 'string') return undefined
  const normalized = normalizeEmail(email)
  return normalized.ok ? sha256Base64(normalized.value) : undefined
}

function audienceKeyOf(event: SegmentEvent): string {
  return String((event.context?.personas as { computation_key?: unknown } | undefined)?.computation_key ?? '')
}
