import type { Result, SegmentEvent } from '@segment/actions-core'
import { AUDIENCE_EXITED, type MergeMode } from '../destinations/the-trade-desk-crm/constants'
import { LEFT_OUT_NOT_MEMBER } from '../destinations/the-trade-desk-crm/syncAudience/functions'

export type MultiStatusEntry = NonNullable<Result['multistatus']>[number]

/** Why one event of a batch was or was not uploaded, read from its multistatus entry. */
export type Outcome =
  | { kind: 'uploaded'; crmDataId: string; mergeMode: MergeMode; duplicate: boolean }
  | { kind: 'exited' }
  | { kind: 'not-subscribed' }
  | { kind: 'invalid' }
  | { kind: 'below-minimum'; message: string }
  | { kind: 'failed'; message: string }

/** What actions-core answers for an event the subscription filtered out before the action ran. */
const SUBSCRIPTION_MISMATCH = 'Payload is either invalid or does not match the subscription'
const BELOW_MINIMUM_PREFIX = 'Too few distinct identifiers to upload'

/**
 * Reads the destination's per-event result (see its performBatch): uploaded entries carry the receipt,
 * people who left the audience a fixed text, invalid identifiers a 400 PAYLOAD_VALIDATION_FAILED whose
 * message names the identifier ("Email ...", "Phone number ..."), and a group below TTD's minimum a message
 * starting with "Too few distinct identifiers". An `Audience Exited` event never reaches the action under
 * the default subscription (`event = "Audience Entered"`); it still counts as having left the audience.
 */
export function classify(entry: MultiStatusEntry | undefined, event: SegmentEvent): Outcome {
  if (!entry || isSubscriptionMismatch(entry)) return isExit(event) ? { kind: 'exited' } : { kind: 'not-subscribed' }

  if (entry.status >= 200 && entry.status < 300) {
    if (entry.body === LEFT_OUT_NOT_MEMBER) return { kind: 'exited' }
    const receipt = readReceipt(entry.body)
    if (receipt) return { kind: 'uploaded', ...receipt }
    return { kind: 'failed', message: 'The destination answered success without an upload receipt.' }
  }

  const message = 'errormessage' in entry && typeof entry.errormessage === 'string' ? entry.errormessage : ''
  const errortype = 'errortype' in entry ? entry.errortype : undefined
  if (entry.status === 400 && errortype === 'PAYLOAD_VALIDATION_FAILED' && isIdentifierProblem(message)) {
    return { kind: 'invalid' }
  }
  if (message.startsWith(BELOW_MINIMUM_PREFIX)) return { kind: 'below-minimum', message }
  return { kind: 'failed', message: message || `Failed with status ${entry.status}.` }
}

function isSubscriptionMismatch(entry: MultiStatusEntry): boolean {
  return 'errormessage' in entry && entry.errormessage === SUBSCRIPTION_MISMATCH
}

/** Engage's membership flag when the event has one, else the event name. */
export function isExit(event: SegmentEvent): boolean {
  const key = event.context?.personas?.computation_key
  const flag = typeof key === 'string' ? (event.properties as Record<string, unknown> | undefined)?.[key] : undefined
  if (typeof flag === 'boolean') return !flag
  return event.event === AUDIENCE_EXITED
}

/**
 * The destination's own identifier checks start with the identifier's name; actions-core's schema check
 * of the mapped fields names the field's path (e.g. an email that is a number, not text).
 */
function isIdentifierProblem(message: string): boolean {
  return /^(Email|Phone number) /.test(message) || /\/(email|phone)\b/.test(message)
}

function readReceipt(body: unknown): { crmDataId: string; mergeMode: MergeMode; duplicate: boolean } | undefined {
  if (!body || typeof body !== 'object') return undefined
  const { crmDataId, mergeMode, duplicate } = body as Record<string, unknown>
  if (typeof crmDataId !== 'string' || (mergeMode !== 'Replace' && mergeMode !== 'Add')) return undefined
  return { crmDataId, mergeMode, duplicate: duplicate === true }
}
