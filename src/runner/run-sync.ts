import { setTimeout as sleep } from 'node:timers/promises'
import {
  Destination,
  RetryableError,
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
  /** When aborted, the sync stops after the batch in flight and the summary says it was interrupted. */
  signal?: AbortSignal
  /** Told of every input line left out for a fault: unreadable, invalid, refused, failed (--rejects). */
  onReject?: RejectListener
  now?: () => number
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 4_000]

/**
 * Sends each batch through actions-core's `Destination.onBatch`, as Segment's runtime does, and tallies
 * the per-event results into a summary. Only counts survive a batch: memory depends on the batch size,
 * not on the input's length. A batch that throws (rejected token, retries exhausted) stops the sync,
 * because the batches after it would build on a segment whose content is not what it should be.
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
  const tally = new SyncTally(secrets, request.target ?? 'sandbox', request.onReject)
  const delays = request.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS
  let batchNumber = 0

  for await (const batch of request.batches) {
    tally.addUnreadable(batch.unreadable)
    tally.addRefused(batch.refused)
    if (batch.events.length === 0) continue
    batchNumber++
    request.onBatchStart?.(batchNumber, batch.position)

    const attempt = await sendWithRetries(destination, batch.events, settings, request, delays)
    // actions-core keeps every request and response (upload bodies included): let them go after each batch.
    destination.responses.splice(0)
    if (!attempt.ok) {
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
      break
    }

    const outcomes = outcomesOf(attempt.results, batch.events, request.mapping)
    const recorded = tally.recordBatch(batchNumber, batch.events, batch.lineNumbers, outcomes, batch.folded)
    request.onProgress?.({ ...recorded, attempts: attempt.attempts, position: batch.position })
    if (request.signal?.aborted) break
  }

  return tally.summary(now() - started, request.signal?.aborted === true)
}

type Attempt = { ok: true; results: Result[]; attempts: number } | { ok: false; error: unknown; attempts: number }

async function sendWithRetries(
  destination: Destination,
  events: SegmentEvent[],
  settings: JSONObject,
  stores: Pick<SyncRequest, 'state' | 'engageDestinationCache'>,
  delays: number[]
): Promise<Attempt> {
  const { engageDestinationCache } = stores
  for (let attempt = 1; ; attempt++) {
    try {
      const results = await stores.state.run((stateContext) =>
        destination.onBatch(events, settings, { stateContext, engageDestinationCache })
      )
      return { ok: true, results, attempts: attempt }
    } catch (error) {
      const retryable = error instanceof RetryableError
      if (!retryable || attempt > delays.length) return { ok: false, error, attempts: attempt }
      await sleep(delays[attempt - 1])
    }
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
