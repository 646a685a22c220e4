import { InvalidAuthenticationError, RetryableError } from '@segment/actions-core'
import { MIN_DISTINCT_IDENTIFIERS } from '../destinations/the-trade-desk-crm/constants'
import { describeNetwork, type NetworkCause } from '../destinations/the-trade-desk-crm/errors'
import { RESULT_CODES } from '../destinations/the-trade-desk-crm/syncAudience/result-codes'
import type { FailureDetails } from './outcomes'
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
 * that it "will retry", which is not what happens here (the runner retries a few times itself, then stops and
 * says so), so that sentence goes.
 */
export function inRunnerWords(reason: string): string {
  return reason.replace(/\s*Segment will retry[^.]*\./g, '')
}

/** A failed group as its events' results say it: the code, the status, the destination's reason and its data. */
export interface EventFailure {
  code: string
  status: number
  reason: string
  details: FailureDetails
}

/**
 * What to do about the events of one upload group that did not go out, in the runner's words: which option or
 * environment variable to change, who refused (The Trade Desk, or the runner's own check before anything was
 * sent), and for what TTD or the network did, where and after how many attempts.
 */
export function eventFailureMessage(failure: EventFailure, target: Target, attempts = 1): string {
  const { code, details } = failure
  const tries = attempts > 1 ? ` after ${attempts} attempts` : ''
  const call = details.operation ?? 'upload'
  const status = details.ttdStatus ? ` (status ${details.ttdStatus})` : ''
  const later = 'Run it again later: the first batch of a run replaces the segment.'
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
      return target === 'real'
        ? `The Trade Desk refused the token or its rights on the advertiser: set a current long-lived token in ` +
            `${TOKEN_ENV} and check ${ADVERTISER_ENV}.`
        : 'The sandbox refused the token the runner gave it.'
    case 'TTD_ADVERTISER_NOT_FOUND':
      return target === 'real'
        ? `The Trade Desk does not know the advertiser: check ${ADVERTISER_ENV}.`
        : 'The sandbox does not know the advertiser.'
    case 'TTD_SEGMENT_NOT_FOUND':
      return 'The Trade Desk no longer knows the segment (was it deleted?): run again to look it up or create it anew.'
    case 'TTD_UNREACHABLE':
      return (
        `Could not reach ${details.host ?? 'The Trade Desk'}${tries}: ${describeNetwork(details.network as NetworkCause)}. ` +
        `Check --api-url and the network. ${later}`
      )
    case 'TTD_UNAVAILABLE':
      return `The Trade Desk failed to ${call}${status}${tries}: an outage on its side. ${later}`
    case 'TTD_RATE_LIMITED':
      return `The Trade Desk kept asking to slow down (429) for ${call}${tries}. ${later}`
    case 'TTD_UNREADABLE':
      return `The Trade Desk's answer to ${call} could not be read${tries}. ${later}`
    case 'TTD_UPLOAD_URL_EXPIRED':
      return `The upload location refused the file${status}${tries}; it had probably expired. ${later}`
    case 'SEGMENT_BUSY':
      return `Another process held the segment's claim for too long${tries}. ${later}`
    case 'STORE_FAILED':
      return `The coordination Redis failed during the sync${tries}; nothing more was sent. ${later}`
    default:
      // TTD's own refusals (TTD_REJECTED, an unsafe upload location, anything new): its reason, as it said it.
      return failure.reason || `The upload of these events failed (${code}, status ${failure.status}).`
  }
}

/** What to do about a batch that threw, after the runner's own retries. */
export function batchErrorMessage(
  error: unknown,
  reason: string,
  attempts: number,
  target: Target
): { code: string; message: string } {
  if (error instanceof InvalidAuthenticationError) {
    return {
      code: RUNNER_CODES.auth,
      message:
        target === 'real'
          ? `The Trade Desk refused the token or its rights on the advertiser: set a current long-lived token in ` +
            `${TOKEN_ENV} and check ${ADVERTISER_ENV}.`
          : 'The sandbox refused the token the runner gave it.'
    }
  }
  if (error instanceof RetryableError) {
    return {
      code: RUNNER_CODES.retriesExhausted,
      message:
        `The Trade Desk kept failing (status ${error.status ?? 'unknown'}); the runner tried ${attempts} ` +
        `time${attempts === 1 ? '' : 's'} and gave up. Run it again later: the first batch of a run replaces the segment.`
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

/**
 * The destination's connection test failed (read from the error's class, code and status, not its words): what
 * to do, for a person who sets environment variables and options. `where` names the target ("The Trade Desk at
 * https://…", "the embedded sandbox"). Nothing was read or sent yet, which the message says.
 */
export function connectionProblem(
  error: unknown,
  reason: string,
  target: Target,
  where: string,
  advertiserId: string
): ConnectionProblem {
  const { code, status } = (error ?? {}) as { code?: unknown; status?: unknown }
  const nothing = 'Nothing was read or sent.'
  if (error instanceof InvalidAuthenticationError) {
    return {
      code: 'AUTHENTICATION',
      message:
        target === 'real'
          ? `${capitalized(where)} refused the token or its rights on advertiser "${advertiserId}": set a current ` +
            `long-lived token in ${TOKEN_ENV} and check ${ADVERTISER_ENV}. ${nothing}`
          : `${capitalized(where)} refused the token the runner gave it. ${nothing}`,
      reason
    }
  }
  if (code === 'TTD_UNREACHABLE') {
    return {
      code: 'TTD_UNREACHABLE',
      message:
        `Cannot reach ${where} to check the credentials (no complete answer, or an error answer). This says ` +
        `nothing about the token: check --api-url and the network, or run again later. ${nothing}`,
      reason
    }
  }
  if (status === 404) {
    return {
      code: 'ADVERTISER_NOT_FOUND',
      message: `${capitalized(where)} does not know advertiser "${advertiserId}": check ${ADVERTISER_ENV}. ${nothing}`,
      reason
    }
  }
  return { code: 'CONNECTION_FAILED', message: `Checking the credentials with ${where} failed. ${nothing}`, reason }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
