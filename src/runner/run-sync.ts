import { setTimeout as sleep } from 'node:timers/promises'
import {
  Destination,
  transform,
  type DestinationDefinition,
  type JSONObject,
  type Result,
  type SegmentEvent
} from '@segment/actions-core'
import type { MergeMode } from '../destinations/the-trade-desk-crm/constants'
import type { EngageDestinationCache } from '../destinations/the-trade-desk-crm/engine/store'
import type { StateContextStore } from '../local-runtime/state-context-store'
import type { InputBatch } from './input'
import { RUNNER_CODES, type Target } from './messages'
import { classify, type Outcome } from './outcomes'
import { SyncTally, type RejectListener, type SyncSummary } from './tally'

export type { SyncSummary, BatchSummary, SegmentSummary, LeftOutCounts } from './tally'

export interface BatchProgress {
  batch: number
  events: number
  mergeModes: MergeMode[]
  /** Identifiers this batch uploaded (distinct within the batch). */
  uploaded: number
  leftOut: number
  /** Events held back below TTD's minimum, sent again in the run's last round. */
  held?: number
  /** For the last round: the batches whose held events it sends again. */
  heldFrom?: number[]
  attempts: number
  folded?: number
  error?: string
  /** Where reading the input stands. */
  position?: InputBatch['position']
}

export interface SyncRequest {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: DestinationDefinition<any>
  /** Destination settings (auth_token, advertiser_id, ...). */
  settings: JSONObject
  /** The action's complete mapping, as Segment stores it (defaults included). */
  mapping: JSONObject
  batches: AsyncIterable<InputBatch>
  /** The runtime's stateContext store: each call of `onBatch` (each attempt) is one invocation. */
  state: StateContextStore
  /** The runtime's cross-machine cache, when processes coordinate (--coordinate). */
  engageDestinationCache?: EngageDestinationCache
  onProgress?: (progress: BatchProgress) => void
  /** Called before each batch is sent, with where reading stands (for a live progress display). */
  onBatchStart?: (batch: number, position: InputBatch['position']) => void
  actionSlug?: string
  /**
   * Waits before retrying a batch the destination called retryable (429, 5xx, timeouts), as Segment's
   * pipeline would. Retrying is safe: a failed first upload stays a Replace, a failed later one an Add.
   */
  retryDelaysMs?: number[]
  /** Strings scrubbed from every message the summary keeps; the settings' auth_token always is. */
  secrets?: string[]
  /** Whose words the messages use: the sandbox's or a real TTD's (which environment variables to check). */
  target?: Target
  /** --add: the destination only adds (its factory's addOnly), which messages say when they advise running again. */
  add?: boolean
  /** Told before each wait to send events again, so that a slow or failing network is never a silence. */
  onRetry?: (retry: RetryProgress) => void
  /** When aborted, the sync stops after the batch in flight and the summary says it was interrupted. */
  signal?: AbortSignal
  /** Told of every input line left out for a fault: unreadable, invalid, refused, failed (--rejects). */
  onReject?: RejectListener
  now?: () => number
}

/** Events of a batch about to be sent again after a failure a retry may mend. */
export interface RetryProgress {
  batch: number
  /** Events to send again. */
  events: number
  /** The attempt that just failed, and how many the runner makes in all. */
  attempt: number
  attempts: number
  delayMs: number
  /** The failure of the first of them. */
  failure: Extract<Outcome, { kind: 'failed' }>
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 4_000]

/**
 * Failures after which the next batches cannot do better: the token or the advertiser is wrong, or TTD kept
 * failing through the runner's retries (a later batch would build on a segment whose content is not what it
 * should be: its Replace may not have happened).
 */
const STOPPING_CODES = new Set(['TTD_TOKEN_REJECTED', 'TTD_FORBIDDEN', 'TTD_ADVERTISER_NOT_FOUND'])

/** Events of the input with where they came from. */
interface Sendable {
  events: SegmentEvent[]
  lineNumbers: number[]
}

/**
 * Sends each batch through actions-core's `Destination.onBatch`, as Segment's runtime does, and tallies
 * the per-event results into a summary. Like Segment, the runner sends again what the destination answered with a
 * retryable status: events that failed for a reason a retry may fix, a few times with the retry delays, and events
 * held back below TTD's minimum, once the rest of the input went out (a later batch may have opened the sync's
 * window, or brought the held people to the minimum). Only counts survive a batch: memory depends on the batch
 * size, not on the input's length. A batch that throws, or whose events failed in a way no later batch can mend,
 * stops the sync.
 */
export async function runSync(request: SyncRequest): Promise<SyncSummary> {
  const now = request.now ?? Date.now
  const started = now()
  const actionSlug = request.actionSlug ?? 'syncAudience'
  const action = request.definition.actions[actionSlug]
  if (!action) throw new Error(`The destination has no action "${actionSlug}".`)
  if (!action.defaultSubscription) throw new Error(`The action "${actionSlug}" has no default subscription.`)

  const destination = new Destination(request.definition)
  const settings: JSONObject = {
    ...request.settings,
    subscription: { subscribe: action.defaultSubscription, partnerAction: actionSlug, mapping: request.mapping }
  }
  const secrets = [String(request.settings.auth_token ?? ''), ...(request.secrets ?? [])].filter((s) => s.length > 0)
  const tally = new SyncTally(secrets, { target: request.target ?? 'sandbox', add: request.add }, request.onReject)
  const send = (events: SegmentEvent[], batch: number) => sendWithRetries(destination, events, settings, request, batch)
  const held: Sendable & { from: number[] } = { events: [], lineNumbers: [], from: [] }
  let batchNumber = 0
  let stopped = false
  let position: InputBatch['position'] | undefined

  for await (const batch of request.batches) {
    tally.addUnreadable(batch.unreadable)
    tally.addRefused(batch.refused)
    if (batch.events.length === 0) continue
    batchNumber++
    position = batch.position
    request.onBatchStart?.(batchNumber, batch.position)

    const attempt = await send(batch.events, batchNumber)
    if (!attempt.ok) {
      failBatch(tally, request, batchNumber, batch, attempt)
      stopped = true
      break
    }
    const mine = keepHeldBack(attempt.outcomes, batch, held, batchNumber)
    const recorded = tally.recordBatch(batchNumber, mine.events, mine.lineNumbers, mine.outcomes, {
      folded: batch.folded,
      held: batch.events.length - mine.events.length
    })
    request.onProgress?.({ ...recorded, attempts: attempt.attempts, position: batch.position })
    const stopping = stoppingFailure(mine.outcomes)
    if (stopping) {
      tally.stopAt(batchNumber, stopping)
      stopped = true
      break
    }
    if (request.signal?.aborted) break
  }

  // The last round: held events once more. Whatever is still held now is too few for TTD.
  if (held.events.length > 0) {
    if (stopped || request.signal?.aborted) {
      tally.recordBatch(++batchNumber, held.events, held.lineNumbers, heldOutcomes(held.events.length), {
        heldFrom: held.from
      })
    } else {
      await sendHeldAgain(held, ++batchNumber, tally, request, send, position)
    }
  }

  return tally.summary(now() - started, request.signal?.aborted === true)
}

/** Events still held when the run ends without their last round. */
function heldOutcomes(count: number): Outcome[] {
  const reason = "Held back below The Trade Desk's minimum; the run ended before it could be sent again."
  return new Array<Outcome>(count).fill({ kind: 'held', reason, heldIdentifiers: 0 })
}

async function sendHeldAgain(
  held: Sendable & { from: number[] },
  batchNumber: number,
  tally: SyncTally,
  request: SyncRequest,
  send: (events: SegmentEvent[], batch: number) => Promise<Attempt>,
  position: InputBatch['position'] | undefined
): Promise<void> {
  if (position) request.onBatchStart?.(batchNumber, position)
  const attempt = await send(held.events, batchNumber)
  if (!attempt.ok) {
    failBatch(tally, request, batchNumber, { ...held, position }, attempt)
    return
  }
  const recorded = tally.recordBatch(batchNumber, held.events, held.lineNumbers, attempt.outcomes, {
    heldFrom: held.from
  })
  request.onProgress?.({ ...recorded, attempts: attempt.attempts, position })
}

/** Moves the batch's held events to the last round; returns the rest, which this batch records. */
function keepHeldBack(
  outcomes: Outcome[],
  batch: Sendable,
  held: Sendable & { from: number[] },
  batchNumber: number
): Sendable & { outcomes: Outcome[] } {
  if (!outcomes.some((outcome) => outcome.kind === 'held')) return { ...batch, outcomes }
  const mine: Sendable & { outcomes: Outcome[] } = { events: [], lineNumbers: [], outcomes: [] }
  outcomes.forEach((outcome, i) => {
    const into = outcome.kind === 'held' ? held : mine
    into.events.push(batch.events[i])
    into.lineNumbers.push(batch.lineNumbers[i])
    if (outcome.kind !== 'held') mine.outcomes.push(outcome)
  })
  held.from.push(batchNumber)
  return mine
}

function stoppingFailure(outcomes: Outcome[]): Extract<Outcome, { kind: 'failed' }> | undefined {
  for (const outcome of outcomes) {
    if (outcome.kind === 'failed' && (outcome.retryable || STOPPING_CODES.has(outcome.code))) return outcome
  }
  return undefined
}

function failBatch(
  tally: SyncTally,
  request: SyncRequest,
  batchNumber: number,
  batch: Sendable & { position?: InputBatch['position'] },
  attempt: Extract<Attempt, { ok: false }>
): void {
  const message = tally.batchFailed(batchNumber, batch.lineNumbers, attempt.error, attempt.attempts)
  request.onProgress?.({
    batch: batchNumber,
    events: batch.events.length,
    mergeModes: [],
    uploaded: 0,
    leftOut: batch.events.length,
    attempts: attempt.attempts,
    error: message,
    position: batch.position
  })
}

type Attempt = { ok: true; outcomes: Outcome[]; attempts: number } | { ok: false; error: unknown; attempts: number }

/**
 * One invocation per attempt, then, as Segment does, the events whose answer has a retryable status for a reason
 * a retry may fix (not the held ones: see runSync) are sent again after each of the retry delays. A thrown error
 * fails the whole batch at once: the destination throws only for problems no retry fixes (a bug, a setting).
 */
async function sendWithRetries(
  destination: Destination,
  events: SegmentEvent[],
  settings: JSONObject,
  request: SyncRequest,
  batch: number
): Promise<Attempt> {
  const delays = request.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS
  const outcomes = new Array<Outcome>(events.length)
  let pending = events.map((_, i) => i)
  let attempts = 0
  for (;;) {
    attempts++
    let results: Result[]
    const sent = pending.map((i) => events[i])
    try {
      results = await request.state.run((stateContext) =>
        destination.onBatch(sent, settings, { stateContext, engageDestinationCache: request.engageDestinationCache })
      )
    } catch (error) {
      return { ok: false, error, attempts }
    } finally {
      // actions-core keeps every request and response (upload bodies included): let them go after each attempt.
      destination.responses.splice(0)
    }
    const answered = outcomesOf(results, sent, request.mapping)
    pending.forEach(
      (index, j) => (outcomes[index] = { ...answered[j], ...(answered[j].kind === 'failed' ? { attempts } : {}) })
    )
    pending = pending.filter((index) => {
      const outcome = outcomes[index]
      return outcome.kind === 'failed' && outcome.retryable
    })
    if (pending.length === 0 || attempts > delays.length) return { ok: true, outcomes, attempts }
    const failure = outcomes[pending[0]] as Extract<Outcome, { kind: 'failed' }>
    const delayMs = delays[attempts - 1]
    request.onRetry?.({
      batch,
      events: pending.length,
      attempt: attempts,
      attempts: delays.length + 1,
      delayMs,
      failure
    })
    await sleep(delayMs)
  }
}

/** One outcome per event; a batch nobody subscribed to comes back without a multistatus at all. */
function outcomesOf(results: Result[], events: SegmentEvent[], mapping: JSONObject): Outcome[] {
  const multistatus = results.find((result) => Array.isArray(result.multistatus))?.multistatus ?? []
  return events.map((event, i) => {
    const outcome = classify(multistatus[i], event)
    return outcome.kind === 'unmapped' ? explainUnmapped(outcome.reason, event, mapping) : outcome
  })
}

/**
 * actions-core refused the mapped event before the destination saw it; its message names schema paths. The
 * runner tells why from the event itself: no segment name to map, or an identifier that is not text (an
 * invalid identifier like any other).
 */
function explainUnmapped(reason: string, event: SegmentEvent, mapping: JSONObject): Outcome {
  const mapped = transform(
    { name: mapping.name ?? null, email: mapping.email ?? null, phone: mapping.phone ?? null } as JSONObject,
    event as unknown as JSONObject
  )
  if (typeof mapped.name !== 'string' || mapped.name.trim() === '') {
    return { kind: 'unmapped', code: RUNNER_CODES.noSegmentName, reason }
  }
  for (const [field, label] of [
    ['email', 'Email'],
    ['phone', 'Phone number']
  ] as const) {
    const value = mapped[field]
    if (value !== undefined && value !== null && typeof value !== 'string') {
      return {
        kind: 'invalid',
        reason: `${label} is not text (it is ${Array.isArray(value) ? 'a list' : typeof value}).`
      }
    }
  }
  return { kind: 'unmapped', code: RUNNER_CODES.mapping, reason }
}
