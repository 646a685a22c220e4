import { MultiStatusResponse, type JSONLikeObject } from '@segment/actions-core'
import { MIN_DISTINCT_IDENTIFIERS } from '../constants'
import { toFailureEntry, type FailureEntry } from '../errors'
import { RESULT_CODES, type ResultCode } from '../syncAudience/result-codes'
import { OUTCOME, type BatchPlan } from './plan'
import type { GroupOutcome, UploadReceipt } from './upload'

export const LEFT_OUT_NOT_MEMBER =
  'Not uploaded: the person is not in the audience. The next full sync replaces the segment, so people who ' +
  'left drop out then.'

/** Retryable: Segment hands held events back until they go out, or its four hours of retries end. */
const HELD_STATUS = 503

/**
 * Why a group was held. Accurate as the event's last word too: if the sync never reaches the minimum, Segment
 * stops retrying and this is what the marketer reads.
 */
export function heldReason(distinct: number, held: number): string {
  return (
    `Held back below The Trade Desk's minimum: an upload must hold at least ${format(MIN_DISTINCT_IDENTIFIERS)} ` +
    `distinct people, and this sync has ${format(held)} so far for this segment (${format(distinct)} in this ` +
    'batch). They go out with a later batch of the sync once the minimum is reached; an audience that stays below ' +
    'it is not uploaded.'
  )
}

/** One entry per event, in order: what was sent for it, or why not. */
export function toMultiStatus(plan: BatchPlan, outcomes: GroupOutcome[]): MultiStatusResponse {
  const response = new MultiStatusResponse()
  // Every event of a group reports the same outcome: one body object per group (and duplicate flag).
  const bodies: ([JSONLikeObject, JSONLikeObject] | undefined)[] = []
  const failures: (FailureEntry | undefined)[] = []
  const notMember: JSONLikeObject = { code: RESULT_CODES.notInAudience, message: LEFT_OUT_NOT_MEMBER }
  // One shared body per code: a batch of invalid identifiers allocates no object per event.
  const invalidBodies: Partial<Record<ResultCode, JSONLikeObject>> = {}
  const { outcomes: decided, lines, groupOf, refusals } = plan
  for (let i = 0; i < decided.length; i++) {
    const outcome = decided[i]
    if (outcome === OUTCOME.notMember) {
      response.pushSuccessResponse({ status: 200, sent: {}, body: notMember })
      continue
    }
    if (outcome === OUTCOME.invalid) {
      const { reason, code } = refusals.get(i)!
      response.pushErrorResponse({
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: reason,
        body: (invalidBodies[code] ??= { code })
      })
      continue
    }
    const group = groupOf[i]
    const result = outcomes[group]
    if (result?.kind === 'uploaded') {
      const pair = (bodies[group] ??= [uploadedBody(result.receipt, false), uploadedBody(result.receipt, true)])
      response.pushSuccessResponse({ status: 200, sent: lines[i], body: pair[outcome === OUTCOME.duplicate ? 1 : 0] })
      continue
    }
    response.pushErrorResponse((failures[group] ??= failureOf(result)))
  }
  return response
}

function failureOf(result: GroupOutcome | undefined): FailureEntry {
  if (result?.kind === 'failed') return toFailureEntry(result.error)
  if (result?.kind === 'held') {
    return {
      status: HELD_STATUS,
      errortype: 'RETRYABLE_ERROR',
      errormessage: heldReason(result.distinct, result.held),
      body: { code: RESULT_CODES.heldForMinimum, distinctIdentifiers: result.distinct, heldIdentifiers: result.held }
    }
  }
  return {
    status: 500,
    errortype: 'UNKNOWN_ERROR',
    errormessage: 'The upload for this event did not run.',
    body: { code: RESULT_CODES.notRun }
  }
}

function uploadedBody(receipt: UploadReceipt, duplicate: boolean): JSONLikeObject {
  return {
    code: RESULT_CODES.uploaded,
    crmDataId: receipt.crmDataId,
    segmentName: receipt.segmentName,
    created: receipt.created,
    referenceId: receipt.referenceId,
    mergeMode: receipt.mergeMode,
    distinctIdentifiers: receipt.distinctIdentifiers,
    pooledIdentifiers: receipt.pooledIdentifiers,
    topUpIdentifiers: receipt.topUpIdentifiers,
    duplicate
  }
}

function format(n: number): string {
  return n.toLocaleString('en-US')
}
