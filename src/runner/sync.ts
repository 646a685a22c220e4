import { setTimeout as sleep } from 'node:timers/promises'
import {
  Destination,
  RetryableError,
  transform,
  type DestinationDefinition,
  type JSONObject,
  type Result,
  type SegmentEvent,
  type StateContext
} from '@segment/actions-core'
import type { MergeMode } from '../destinations/the-trade-desk-crm/constants'
import type { EngageDestinationCache } from '../destinations/the-trade-desk-crm/coordination'
import type { InputBatch } from './input'
import { classify, type Outcome } from './outcomes'
import { SyncTally, type SyncSummary } from './tally'

export type { SyncSummary, BatchSummary, SegmentSummary, LeftOutCounts } from './tally'

export interface BatchProgress {
  batch: number
  events: number
  mergeModes: MergeMode[]
  /** Identifiers this batch uploaded (distinct within the batch). */
  uploaded: number
  leftOut: number
  attempts: number
  error?: string
}

export interface SyncRequest {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: DestinationDefinition<any>
  /** Destination settings (auth_token, advertiser_id, ...). */
  settings: JSONObject
  /** The action's complete mapping, as Segment stores it (defaults included). */
  mapping: JSONObject
  batches: AsyncIterable<InputBatch>
  stateContext: StateContext
  /** The runtime's cross-machine cache, when processes coordinate (--coordinate). */
  engageDestinationCache?: EngageDestinationCache
  onProgress?: (progress: BatchProgress) => void
  actionSlug?: string
  /**
   * Waits before retrying a batch the destination called retryable (429, 5xx, timeouts), as Segment's
   * pipeline would. Retrying is safe: a failed first upload stays a Replace, a failed later one an Add.
   */
  retryDelaysMs?: number[]
  /** Strings scrubbed from every message the summary keeps; the settings' auth_token always is. */
  secrets?: string[]
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
  const tally = new SyncTally(secrets)
  const delays = request.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS
  let batchNumber = 0

  for await (const batch of request.batches) {
    tally.addUnreadable(batch.unreadable.count, batch.unreadable.sampleLineNumbers)
    if (batch.events.length === 0) continue
    batchNumber++

    const attempt = await sendWithRetries(destination, batch.events, settings, request, delays)
    const created = createdSegmentIds(destination)
    if (!attempt.ok) {
      const message = tally.batchFailed(batchNumber, batch.events.length, attempt.error)
      request.onProgress?.({
        batch: batchNumber,
        events: batch.events.length,
        mergeModes: [],
        uploaded: 0,
        leftOut: batch.events.length,
        attempts: attempt.attempts,
        error: message
      })
      break
    }

    const outcomes = outcomesOf(attempt.results, batch.events)
    const recorded = tally.recordBatch(batchNumber, batch.events, outcomes, created, (event) =>
      segmentNameOf(event, request.mapping)
    )
    request.onProgress?.({ ...recorded, attempts: attempt.attempts })
  }

  return tally.summary(now() - started)
}

type Attempt = { ok: true; results: Result[]; attempts: number } | { ok: false; error: unknown; attempts: number }

async function sendWithRetries(
  destination: Destination,
  events: SegmentEvent[],
  settings: JSONObject,
  stores: Pick<SyncRequest, 'stateContext' | 'engageDestinationCache'>,
  delays: number[]
): Promise<Attempt> {
  const options = { stateContext: stores.stateContext, engageDestinationCache: stores.engageDestinationCache }
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, results: await destination.onBatch(events, settings, options), attempts: attempt }
    } catch (error) {
      const retryable = error instanceof RetryableError
      if (!retryable || attempt > delays.length) return { ok: false, error, attempts: attempt }
      await sleep(delays[attempt - 1])
    }
  }
}

/** One outcome per event; a batch nobody subscribed to comes back without a multistatus at all. */
function outcomesOf(results: Result[], events: SegmentEvent[]): Outcome[] {
  const multistatus = results.find((result) => Array.isArray(result.multistatus))?.multistatus ?? []
  return events.map((event, i) => classify(multistatus[i], event))
}

/**
 * CrmDataIds of segments the last batch created, read from the responses actions-core records for each
 * request. The list is emptied every time: it also holds each upload's request (with its body), and would
 * otherwise grow with every batch.
 */
function createdSegmentIds(destination: Destination): Set<string> {
  const created = new Set<string>()
  for (const response of destination.responses) {
    const method = response.request?.method
    const path = safePath(response.request?.url)
    const data = (response as unknown as { data?: unknown }).data
    if (method !== 'POST' || !path?.endsWith('/crmdata/segment') || !response.ok) continue
    const id = data && typeof data === 'object' ? (data as { CrmDataId?: unknown }).CrmDataId : undefined
    if (typeof id === 'string' && id !== '') created.add(id)
  }
  destination.responses.splice(0)
  return created
}

function safePath(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    return new URL(url).pathname.replace(/\/+$/, '')
  } catch {
    return undefined
  }
}

/** The segment name the mapping gives this event, evaluated the way actions-core evaluates the mapping. */
function segmentNameOf(event: SegmentEvent, mapping: JSONObject): string {
  if (typeof mapping.name === 'string') return mapping.name
  const value = transform({ name: mapping.name ?? null } as JSONObject, event as unknown as JSONObject).name
  return typeof value === 'string' ? value : ''
}
