import {
  getErrorCodeFromHttpStatus,
  IntegrationError,
  MultiStatusResponse,
  type AudienceMembership,
  type ExecuteInput,
  type JSONLikeObject,
  type RequestClient
} from '@segment/actions-core'
import { TtdCrmClient, type TtdEndpoint } from '../api'
import { SharedCoordination, type CoordinationOptions } from '../coordination'
import { isRegion, MIN_DISTINCT_IDENTIFIERS, REGIONS, type PiiType, type Region } from '../constants'
import { DistinctLines } from '../distinct-lines'
import { TtdRejectedError } from '../errors'
import type { Settings } from '../generated-types'
import { isEmailType, isHashedType, toUploadLine } from '../pii'
import { BLANK_SEGMENT_NAME_REASON, isBlankSegmentName } from '../segment-name'
import type { SegmentTarget } from '../segment-resolver'
import { SyncState } from '../state'
import { BelowMinimumError } from '../short-batches'
import { PhoneInEuError, uploadIdentifiers, type SyncContext, type UploadReceipt } from '../upload'
import { UploadAnswers } from '../upload-answers'
import type { Payload } from './generated-types'
import { isAudienceMember } from './membership'
import { RESULT_CODES, type ResultCode } from './result-codes'

export const LEFT_OUT_NOT_MEMBER =
  'Not uploaded: the person is not in the audience. The next full sync replaces the segment, so people who ' +
  'left drop out then.'

/** The events of a batch that go to one segment with one PII type. Usually there is exactly one. */
export interface UploadGroup {
  target: SegmentTarget
  piiType: PiiType
  lines: DistinctLines
}

/** What planBatch decided for an event. */
const OUTCOME = { notMember: 0, invalid: 1, uploaded: 2, duplicate: 3 } as const

/**
 * What planBatch decided for each event of a batch, held in arrays indexed by event rather than in one small
 * object per event: those would be 100,000 objects kept alive from planning until the results are written, and
 * copying them out of the young generation cost more than the rest of the planning.
 */
export interface BatchPlan {
  /** One OUTCOME per event. */
  outcomes: Uint8Array
  /** For events that are uploaded or duplicates: the upload line (reported as what was sent). */
  lines: string[]
  /** For events that are uploaded or duplicates: their group, an index into `groups`. */
  groupOf: Uint32Array
  /** For refused events: why. Few per batch, so a map. */
  refusals: Map<number, { reason: string; code: ResultCode }>
  /** In the order of their first event. */
  groups: UploadGroup[]
}

/** Knobs of the factory for tests and local runs; production uses the constants. */
export interface SyncOptions {
  coordination?: CoordinationOptions
  /** How long a short batch that would start a sync is deferred before failing for good; 0 fails at once. */
  shortBatchDeferralMs?: number
  now?: () => number
}

/**
 * What the runtime tells the whole batch about its segment, beside the payloads. A batch's segment is, in
 * order: the event's `external_id` (Engage's native audience, region from its audience settings), then the
 * segment the mapping's `onMappingSave` hook saved, then the name lookup.
 */
export interface BatchTargetSources {
  saved?: { crmDataId: string; name?: string; region?: Region }
  audienceRegion?: Region
}

type GroupResult =
  { ok: true; receipt: UploadReceipt } | { ok: false; status: number; message: string; code: ResultCode }

export function performSingle(): never {
  throw new IntegrationError(
    `The Trade Desk accepts uploads of at least ${MIN_DISTINCT_IDENTIFIERS} distinct people, which a single ` +
      'event never reaches. Turn Enable Batching on in this mapping.',
    'BATCHING_REQUIRED',
    400
  )
}

/**
 * One pass over the batch: membership, identifier normalization (and hashing), dedupe and grouping by
 * target segment. Then one upload per group, and one result per event. Retryable and authentication
 * errors propagate so that Segment retries or stops the whole batch; TTD's permanent refusals fail
 * only the events of the group they concern.
 */
export async function performSyncBatch(
  request: RequestClient,
  data: ExecuteInput<Settings, Payload[], unknown, unknown, unknown, AudienceMembership[]>,
  endpoint: TtdEndpoint,
  options: SyncOptions = {}
): Promise<MultiStatusResponse> {
  const plan = planBatch(data.payload, data.audienceMembership, targetSourcesOf(data))
  const answers = new UploadAnswers()
  const client = new TtdCrmClient(answers.watch(request), {
    ...endpoint,
    token: data.settings.auth_token,
    advertiserId: data.settings.advertiser_id,
    signal: data.signal
  })
  const context: SyncContext = {
    state: SyncState.from(data.stateContext),
    coordination: SharedCoordination.from(data.engageDestinationCache, options.coordination),
    answers,
    deferralMs: options.shortBatchDeferralMs,
    now: options.now
  }

  const results: GroupResult[] = []
  for (const group of plan.groups) results.push(await uploadGroup(client, context, group))
  return toMultiStatus(plan, results)
}

async function uploadGroup(client: TtdCrmClient, context: SyncContext, group: UploadGroup): Promise<GroupResult> {
  try {
    const { target, piiType, lines } = group
    const receipt = await uploadIdentifiers(client, context, { target, piiType, lines: lines.lines })
    return { ok: true, receipt }
  } catch (error) {
    if (error instanceof TtdRejectedError) {
      return { ok: false, status: error.status ?? 400, message: error.message, code: failureCode(error) }
    }
    throw error
  }
}

function failureCode(error: TtdRejectedError): ResultCode {
  if (error instanceof BelowMinimumError) return RESULT_CODES.belowMinimum
  if (error instanceof PhoneInEuError) return RESULT_CODES.phoneInEu
  return RESULT_CODES.ttdRejected
}

/** Pure: classifies every event and collects each group's distinct upload lines. */
export function planBatch(
  payloads: Payload[],
  membership: AudienceMembership[] | undefined,
  sources: BatchTargetSources = {}
): BatchPlan {
  const count = payloads.length
  const plan: BatchPlan = {
    outcomes: new Uint8Array(count),
    lines: new Array<string>(count),
    groupOf: new Uint32Array(count),
    refusals: new Map(),
    groups: []
  }
  const groups = new Map<string, number>()
  let lastPayload: Payload | undefined
  let lastGroup = -1

  for (let i = 0; i < count; i++) {
    const payload = payloads[i]
    if (!isAudienceMember(membership?.[i], payload.event_name)) {
      plan.outcomes[i] = OUTCOME.notMember
      continue
    }
    // Only an event that would look its segment up by name needs one; an external id names it already.
    if (!payload.external_id && isBlankSegmentName(payload.name)) {
      plan.outcomes[i] = OUTCOME.invalid
      plan.refusals.set(i, { reason: BLANK_SEGMENT_NAME_REASON, code: RESULT_CODES.blankSegmentName })
      continue
    }
    const piiType = payload.pii_type as PiiType
    const normalized = toUploadLine(piiType, isEmailType(piiType) ? payload.email : payload.phone)
    if (!normalized.ok) {
      plan.outcomes[i] = OUTCOME.invalid
      plan.refusals.set(i, { reason: normalized.reason, code: RESULT_CODES.invalidIdentifier })
      continue
    }

    // Batches almost always target one segment: compare with the previous event before building a key.
    let group = lastPayload && sameTarget(payload, lastPayload) ? lastGroup : -1
    if (group < 0) {
      const key = groupKey(payload)
      group = groups.get(key) ?? -1
      if (group < 0) {
        group = plan.groups.push(newGroup(payload, sources, count)) - 1
        groups.set(key, group)
      }
    }
    lastPayload = payload
    lastGroup = group

    plan.outcomes[i] = plan.groups[group].lines.add(normalized.value) ? OUTCOME.uploaded : OUTCOME.duplicate
    plan.lines[i] = normalized.value
    plan.groupOf[i] = group
  }
  return plan
}

/** Engage's membership flag when it has one; otherwise the event name, where only Audience Exited means "out". */
function sameTarget(a: Payload, b: Payload): boolean {
  return a.name === b.name && a.region === b.region && a.pii_type === b.pii_type && a.external_id === b.external_id
}

function groupKey(payload: Payload): string {
  return `${payload.pii_type}\u0000${payload.region}\u0000${payload.external_id ?? ''}\u0000${payload.name}`
}

/** Reads the hook's saved segment and the audience settings' Region, which hold for every event of the batch. */
export function targetSourcesOf(data: { hookOutputs?: unknown; audienceSettings?: unknown }): BatchTargetSources {
  const sources: BatchTargetSources = {}
  const hook = (data.hookOutputs as { onMappingSave?: { outputs?: Record<string, unknown> } } | undefined)
    ?.onMappingSave?.outputs
  if (hook && typeof hook.crm_data_id === 'string' && hook.crm_data_id !== '') {
    sources.saved = { crmDataId: hook.crm_data_id }
    if (typeof hook.segment_name === 'string' && hook.segment_name !== '') sources.saved.name = hook.segment_name
    if (isRegion(hook.region)) sources.saved.region = hook.region
  }
  const region = (data.audienceSettings as { region?: unknown } | undefined)?.region
  if (region !== undefined && region !== null && region !== '') {
    // Checked before any request: a wrong Region could let phone numbers reach an EU segment.
    if (!isRegion(region)) {
      throw new TtdRejectedError(
        `The audience's Region setting is "${String(region).slice(0, 40)}": choose ${REGIONS.join(', ')} in the ` +
          "audience's settings in Engage. Nothing was sent to The Trade Desk.",
        400
      )
    }
    sources.audienceRegion = region
  }
  return sources
}

function newGroup(payload: Payload, sources: BatchTargetSources, batchSize: number): UploadGroup {
  let target: SegmentTarget
  if (payload.external_id) {
    target = { name: payload.name, region: sources.audienceRegion ?? payload.region, externalId: payload.external_id }
  } else if (sources.saved) {
    const { saved } = sources
    target = { name: saved.name ?? payload.name, region: saved.region ?? payload.region, externalId: saved.crmDataId }
  } else {
    target = { name: payload.name, region: payload.region }
  }
  const piiType = payload.pii_type as PiiType
  return { target, piiType, lines: new DistinctLines(isHashedType(piiType) ? 'digest' : 'text', batchSize) }
}

function toMultiStatus(plan: BatchPlan, results: GroupResult[]): MultiStatusResponse {
  const response = new MultiStatusResponse()
  // Every event of a group reports the same upload: one body object per group and duplicate flag.
  const bodies: ([JSONLikeObject, JSONLikeObject] | undefined)[] = []
  const notMember: JSONLikeObject = { code: RESULT_CODES.notInAudience, message: LEFT_OUT_NOT_MEMBER }
  // One shared body per code: a batch of invalid identifiers allocates no object per event.
  const invalidBodies: Partial<Record<ResultCode, JSONLikeObject>> = {}
  const { outcomes, lines, groupOf, refusals } = plan
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i]
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
    const result = results[group]
    if (!result || !result.ok) {
      const status = result?.status ?? 500
      const errormessage = result?.message ?? 'The upload for this event did not run.'
      const body = { code: result?.code ?? RESULT_CODES.notRun }
      response.pushErrorResponse({ status, errortype: getErrorCodeFromHttpStatus(status), errormessage, body })
      continue
    }
    const pair = (bodies[group] ??= [uploadedBody(result.receipt, false), uploadedBody(result.receipt, true)])
    response.pushSuccessResponse({ status: 200, sent: lines[i], body: pair[outcome === OUTCOME.duplicate ? 1 : 0] })
  }
  return response
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
    topUpIdentifiers: receipt.topUpIdentifiers,
    duplicate
  }
}
