import { InvalidAuthenticationError, RetryableError } from '@segment/actions-core'
import { MIN_DISTINCT_IDENTIFIERS } from '../destinations/the-trade-desk-crm/constants'
import { describeNetwork, toFailureEntry, TtdError, type NetworkCause } from '../destinations/the-trade-desk-crm/errors'
import { redactSecrets } from '../destinations/the-trade-desk-crm/redact'
import { RESULT_CODES } from '../destinations/the-trade-desk-crm/syncAudience/result-codes'
import { detailsOf, type FailureDetails } from './outcomes'
import { ADVERTISER_ENV, TOKEN_ENV } from '../cli/command-line'

/**
 * The runner speaks to a person at a terminal, who sets options and environment variables, not Segment settings
 * and mapping fields, and for whom the runner (not Segment) retries. These turn the destination's and the
 * runtime's reasons, read by code and status, into what to do here; the original reason stays in `--json`.
 */
export type Target = 'sandbox' | 'real'

/** Runner-level codes for failures the destination does not code itself. */
export const RUNNER_CODES = {
  noSegmentName: 'NO_SEGMENT_NAME',
  mapping: 'MAPPING',
  auth: 'AUTHENTICATION',
  retriesExhausted: 'RETRIES_EXHAUSTED',
  unexpected: 'UNEXPECTED'
} as const

const MAPPING_OPTIONS = 'the mapping is set by --segment-name, --region and --pii-type'

/** A number as the runner prints it: 4,480, not 4480. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

/** "1 line", "2,500 lines": a count and its noun, plural when it is not one. */
export function count(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`
}

/**
 * A reason from the destination or the runtime, in the runner's words: the destination tells Segment's pipeline
 * what Segment does next ("Segment retries these events for up to four hours", "Segment will retry"), which is not
 * what happens here (the runner retries a few times itself, then stops and says so), so that sentence goes.
 */
export function inRunnerWords(reason: string): string {
  return reason.replace(/\s*Segment (?:will retry|retries)[^.]*\./g, '')
}

/** An error or a message for a person: the secrets scrubbed, in the runner's words. */
export function runnerReason(error: unknown, secrets: string[]): string {
  return inRunnerWords(redactSecrets(error instanceof Error ? error.message : String(error), secrets))
}

/** A failed group as its events' results say it: the code, the status, the destination's reason and its data. */
export interface EventFailure {
  code: string
  status: number
  reason: string
  details: FailureDetails
}

/** Who a message speaks of and what a run promises: the target's credentials, and whether uploads only add (--add). */
export interface Wording {
  target: Target
  add?: boolean
}

/** Why running again is safe, after a failure a later run may mend. */
function runAgain(wording: Wording): string {
  return wording.add
    ? 'Run it again later: adding people already in the segment changes nothing.'
    : 'Run it again later: the first batch of a run replaces the segment.'
}

/**
 * What went wrong, as a clause, for the failures a later attempt may mend (the network, TTD's outages and rate
 * limits, an unreadable answer, an expired upload location, coordination): who could not be reached or failed, for
 * which call, and how. Undefined for the others.
 */
export function transientCause(failure: EventFailure, timeoutMs?: number): string | undefined {
  const { details } = failure
  const call = details.operation ?? 'upload'
  const status = details.ttdStatus ? ` (status ${details.ttdStatus})` : ''
  switch (failure.code) {
    case 'TTD_UNREACHABLE': {
      const how =
        details.network === 'timeout' && timeoutMs !== undefined
          ? `no complete answer came within ${formatSeconds(timeoutMs)}`
          : describeNetwork(details.network as NetworkCause)
      return `could not reach ${details.host ?? 'The Trade Desk'}: ${how}`
    }
    case 'TTD_UNAVAILABLE':
      return `The Trade Desk failed to ${call}${status}, an outage on its side`
    case 'TTD_RATE_LIMITED':
      return `The Trade Desk asked to slow down (429) for ${call}`
    case 'TTD_UNREADABLE':
      return `The Trade Desk's answer to ${call} could not be read`
    case 'TTD_UPLOAD_URL_EXPIRED':
      return `the upload location refused the file${status}; it had probably expired`
    case 'SEGMENT_BUSY':
      return "another process held the segment's claim for too long"
    case 'STORE_FAILED':
      return 'the coordination Redis failed during the sync'
    default:
      return undefined
  }
}

/**
 * What to do about the events of one upload group that did not go out, in the runner's words: which option or
 * environment variable to change, who refused (The Trade Desk, or the runner's own check before anything was
 * sent), and for what TTD or the network did, where and after how many attempts.
 */
export function eventFailureMessage(failure: EventFailure, wording: Wording, attempts = 1): string {
  const { code, details } = failure
  const transient = transientCause(failure)
  if (transient) {
    const tries = attempts > 1 ? ` (${attempts} attempts)` : ''
    const check = code === 'TTD_UNREACHABLE' ? ' Check --api-url and the network.' : ''
    return `${capitalized(transient)}${tries}.${check} ${runAgain(wording)}`
  }
  switch (code) {
    case RESULT_CODES.heldForMinimum:
    case 'BELOW_MINIMUM':
      return (
        `Too few distinct people for one upload: The Trade Desk takes at least ${formatCount(MIN_DISTINCT_IDENTIFIERS)}, ` +
        'so nothing of them was sent. Check that --pii-type fits the data (see the invalid identifiers), or sync a ' +
        'larger audience.'
      )
    case 'PHONE_IN_EU':
      return (
        'The Trade Desk takes no phone numbers for EU segments, so the runner sent none: use an email --pii-type, ' +
        'or --region US or APAC.'
      )
    case 'REGION_MISMATCH':
      return (
        `The segment of this name (CrmDataId ${details.crmDataId ?? 'unknown'}) is in Region ` +
        `${details.segmentRegion ?? 'unknown'}, not ${details.requestedRegion ?? 'the one asked'}, so the runner ` +
        `sent nothing: pass ${details.segmentRegion ? `--region ${details.segmentRegion}` : 'its --region'}, or ` +
        'another --segment-name.'
      )
    case 'DUPLICATE_SEGMENT_NAME':
      return (
        `${details.crmDataIds?.length ?? 'Several'} segments of the advertiser have this name ` +
        `(CrmDataIds ${(details.crmDataIds ?? []).join(', ')}), so the runner cannot tell which to update and sent ` +
        'nothing: remove the extras in The Trade Desk, or pass another --segment-name.'
      )
    case RESULT_CODES.blankSegmentName:
    case RUNNER_CODES.noSegmentName:
      return (
        'The events carry no Engage audience key (context.personas.computation_key) to name the segment after: ' +
        'pass --segment-name.'
      )
    case RUNNER_CODES.mapping:
      return `The event does not fit the action's fields; ${MAPPING_OPTIONS} (${failure.reason})`
    case 'TTD_TOKEN_REJECTED':
    case 'TTD_FORBIDDEN':
      return tokenRefused(wording.target)
    case 'TTD_ADVERTISER_NOT_FOUND':
      return wording.target === 'real'
        ? `The Trade Desk does not know the advertiser: check ${ADVERTISER_ENV}.`
        : 'The sandbox does not know the advertiser.'
    case 'TTD_SEGMENT_NOT_FOUND':
      return 'The Trade Desk no longer knows the segment (was it deleted?): run again to look it up or create it anew.'
    default:
      // TTD's own refusals (TTD_REJECTED, an unsafe upload location, anything new): its reason, as it said it.
      return failure.reason || `The upload of these events failed (${code}, status ${failure.status}).`
  }
}

/**
 * Said while the runner waits to send events again that failed in a way a retry may mend, so that a slow network
 * is never a silence: what happened, when the next attempt comes and how many are left.
 */
export function retryNote(
  batch: number,
  failure: EventFailure,
  events: number,
  attempt: number,
  attempts: number,
  delayMs: number,
  apiTimeoutMs?: number
): string {
  // An upload's own timeout grows with its size; every other call waits the API timeout.
  const timeoutMs = failure.details.operation === 'upload' ? undefined : apiTimeoutMs
  const cause = transientCause(failure, timeoutMs) ?? `${failure.code} (status ${failure.status})`
  return (
    `batch ${batch}: ${count(events, 'event')} not sent yet, ${cause}; trying again in ` +
    `${formatSeconds(delayMs)} (attempt ${attempt + 1} of ${attempts})`
  )
}

/** "1 s", "0.5 s", "15 s". */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1)).toLocaleString('en-US')} s`
}

function tokenRefused(target: Target): string {
  return target === 'real'
    ? `The Trade Desk refused the token or its rights on the advertiser: set a current long-lived token in ` +
        `${TOKEN_ENV} and check ${ADVERTISER_ENV}.`
    : 'The sandbox refused the token the runner gave it.'
}

/** What to do about a batch that threw, after the runner's own retries. */
export function batchErrorMessage(
  error: unknown,
  reason: string,
  attempts: number,
  wording: Wording
): { code: string; message: string } {
  if (error instanceof InvalidAuthenticationError) {
    return { code: RUNNER_CODES.auth, message: tokenRefused(wording.target) }
  }
  if (error instanceof RetryableError) {
    return {
      code: RUNNER_CODES.retriesExhausted,
      message:
        `The Trade Desk kept failing (status ${error.status ?? 'unknown'}); the runner tried ${attempts} ` +
        `time${attempts === 1 ? '' : 's'} and gave up. ${runAgain(wording)}`
    }
  }
  return { code: RUNNER_CODES.unexpected, message: reason }
}

/** Why the connection check before a sync failed: a stable code, the runner's words, and the original reason. */
export interface ConnectionProblem {
  code: 'AUTHENTICATION' | 'ADVERTISER_NOT_FOUND' | 'TTD_UNREACHABLE' | 'CONNECTION_FAILED'
  message: string
  reason: string
}

/** What a message about the connection check needs to know of it. */
export interface CheckWording {
  target: Target
  /** The target in words: "The Trade Desk at https://…", "the embedded sandbox". */
  where: string
  advertiserId: string
  /** How long the check waits for a complete answer. */
  timeoutMs: number
}

/**
 * The connection check (the first page of the advertiser's segments) failed, read from the failure's code and data,
 * never its words: what to do, for a person who sets environment variables and options. Nothing was read or sent
 * yet, which the message says.
 */
export function connectionProblem(error: unknown, reason: string, check: CheckWording): ConnectionProblem {
  const { where, advertiserId } = check
  const nothing = 'Nothing was read or sent.'
  const code = error instanceof TtdError ? error.code : undefined
  if (code === 'TTD_TOKEN_REJECTED' || code === 'TTD_FORBIDDEN') {
    return {
      code: 'AUTHENTICATION',
      message:
        check.target === 'real'
          ? `${capitalized(where)} refused the token or its rights on advertiser "${advertiserId}": set a current ` +
            `long-lived token in ${TOKEN_ENV} and check ${ADVERTISER_ENV}. ${nothing}`
          : `${capitalized(where)} refused the token the runner gave it. ${nothing}`,
      reason
    }
  }
  if (code === 'TTD_ADVERTISER_NOT_FOUND') {
    return {
      code: 'ADVERTISER_NOT_FOUND',
      message: `${capitalized(where)} does not know advertiser "${advertiserId}": check ${ADVERTISER_ENV}. ${nothing}`,
      reason
    }
  }
  const transient = error instanceof TtdError ? transientCause(asEventFailure(error), check.timeoutMs) : undefined
  if (transient) {
    return {
      code: 'TTD_UNREACHABLE',
      message:
        `Cannot reach ${where} to check the credentials: ${transient}. This says nothing about the token: check ` +
        `--api-url and the network, or run again later. ${nothing}`,
      reason
    }
  }
  return { code: 'CONNECTION_FAILED', message: `Checking the credentials with ${where} failed. ${nothing}`, reason }
}

/**
 * A failed call's data as an event's failure carries it (the destination's own entry for it, read as the runner
 * reads every entry), so that both are worded by the same rules.
 */
export function asEventFailure(error: TtdError): EventFailure {
  const { status, body } = toFailureEntry(error)
  return { code: error.code, status, reason: error.message, details: detailsOf(body) }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
