import { resolveAudienceMembership, type Result, type SegmentEvent } from '@segment/actions-core'
import type { MergeMode } from '../destinations/the-trade-desk-crm/constants'
import { isAudienceMember } from '../destinations/the-trade-desk-crm/syncAudience/membership'
import { segmentRetries } from '../destinations/the-trade-desk-crm/errors'
import { RESULT_CODES } from '../destinations/the-trade-desk-crm/syncAudience/result-codes'

export type MultiStatusEntry = NonNullable<Result['multistatus']>[number]

/** Why one event of a batch was or was not uploaded, read from its multistatus entry. */
export type Outcome =
  | {
      kind: 'uploaded'
      crmDataId: string
      segmentName: string
      created: boolean
      mergeMode: MergeMode
      duplicate: boolean
    }
  | { kind: 'exited' }
  | { kind: 'not-subscribed' }
  | { kind: 'invalid'; reason: string }
  /**
   * Held back below TTD's minimum (`HELD_FOR_MINIMUM`): Segment would retry it; the runner sends it again once the
   * rest of the input went out, and if it is still held then, its people are too few.
   */
  | { kind: 'held'; reason: string; heldIdentifiers: number }
  /**
   * The destination refused or could not upload the event's group: `code` is its stable reason code, `details` the
   * failure's data (the call, host, network cause, TTD's status, CrmDataIds), `retryable` whether Segment would
   * send it again (its status).
   */
  | {
      kind: 'failed'
      code: string
      status: number
      reason: string
      retryable: boolean
      details: FailureDetails
      /** How many times the runner sent it (set by the runner after its retries). */
      attempts?: number
    }
  /** actions-core's own schema check refused the mapped event before the destination saw it. */
  | { kind: 'unmapped'; reason: string; code?: string }

/** What a failed group's entry says beside its code: never an identifier. */
export interface FailureDetails {
  operation?: string
  host?: string
  network?: string
  ttdStatus?: number
  stored?: string
  crmDataIds?: string[]
  crmDataId?: string
  segmentRegion?: string
  requestedRegion?: string
}

/** What actions-core answers for an event the subscription filtered out before the action ran (a fixed text). */
const SUBSCRIPTION_MISMATCH = 'Payload is either invalid or does not match the subscription'

/**
 * Reads the destination's per-event result by its reason `code` (see syncAudience/result-codes.ts): an upload
 * receipt, a person not in the audience, an invalid identifier (whose message names the problem, never the
 * value), or a refusal. Entries without a code come from actions-core itself: the subscription filter (an
 * `Audience Exited` event never reaches the action under the default subscription `event = "Audience Entered"`;
 * it still counts as having left the audience) or its schema check of the mapped fields.
 */
export function classify(entry: MultiStatusEntry | undefined, event: SegmentEvent): Outcome {
  if (!entry || isSubscriptionMismatch(entry)) return isExit(event) ? { kind: 'exited' } : { kind: 'not-subscribed' }
  const body =
    'body' in entry && entry.body && typeof entry.body === 'object' ? (entry.body as Record<string, unknown>) : {}
  const message = 'errormessage' in entry && typeof entry.errormessage === 'string' ? entry.errormessage : ''

  switch (body.code) {
    case RESULT_CODES.uploaded: {
      const receipt = readReceipt(body)
      if (receipt) return { kind: 'uploaded', ...receipt }
      return noReceipt(entry.status, 'The upload receipt is incomplete.')
    }
    case RESULT_CODES.notInAudience:
      return { kind: 'exited' }
    case RESULT_CODES.invalidIdentifier:
      return { kind: 'invalid', reason: message }
    case RESULT_CODES.heldForMinimum:
      return {
        kind: 'held',
        reason: message,
        heldIdentifiers: typeof body.heldIdentifiers === 'number' ? body.heldIdentifiers : 0
      }
    case undefined:
      if (entry.status >= 200 && entry.status < 300) {
        return noReceipt(entry.status, 'Success without a reason code.')
      }
      return { kind: 'unmapped', reason: message || `Failed with status ${entry.status}.` }
    default:
      return {
        kind: 'failed',
        code: String(body.code),
        status: entry.status,
        reason: message,
        retryable: segmentRetries(entry.status),
        details: detailsOf(body)
      }
  }
}

/** The data of a failure entry's body that the runner's messages word. */
export function detailsOf(body: Record<string, unknown>): FailureDetails {
  const details: FailureDetails = {}
  for (const key of [
    'operation',
    'host',
    'network',
    'stored',
    'crmDataId',
    'segmentRegion',
    'requestedRegion'
  ] as const) {
    if (typeof body[key] === 'string') details[key] = body[key] as string
  }
  if (typeof body.ttdStatus === 'number') details.ttdStatus = body.ttdStatus
  if (Array.isArray(body.crmDataIds)) details.crmDataIds = body.crmDataIds.map(String)
  return details
}

function noReceipt(status: number, reason: string): Outcome {
  return { kind: 'failed', code: 'NO_RECEIPT', status, reason, retryable: false, details: {} }
}

function isSubscriptionMismatch(entry: MultiStatusEntry): boolean {
  return 'errormessage' in entry && entry.errormessage === SUBSCRIPTION_MISMATCH
}

/** Engage's membership flag when the event has one, else the event name. */
export function isExit(event: SegmentEvent): boolean {
  // The flag actions-core computes for performBatch, then the destination's own fallback: one rule, not a copy.
  return !isAudienceMember(
    resolveAudienceMembership(event as unknown as Parameters<typeof resolveAudienceMembership>[0]),
    event.event
  )
}

function readReceipt(body: Record<string, unknown>): Omit<Extract<Outcome, { kind: 'uploaded' }>, 'kind'> | undefined {
  const { crmDataId, mergeMode, duplicate, created, segmentName } = body
  if (typeof crmDataId !== 'string' || (mergeMode !== 'Replace' && mergeMode !== 'Add')) return undefined
  return {
    crmDataId,
    segmentName: typeof segmentName === 'string' ? segmentName : '',
    created: created === true,
    mergeMode,
    duplicate: duplicate === true
  }
}
