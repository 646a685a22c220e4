import {
  getErrorCodeFromHttpStatus,
  IntegrationError,
  MultiStatusResponse,
  type AudienceMembership,
  type ExecuteInput,
  type RequestClient
} from '@segment/actions-core'
import { TtdCrmClient, type ApiEnvironment } from '../api'
import { AUDIENCE_EXITED, MIN_DISTINCT_IDENTIFIERS, type PiiType, type Region } from '../constants'
import { TtdRejectedError } from '../errors'
import type { Settings } from '../generated-types'
import { isEmailType, toUploadLine } from '../pii'
import type { SegmentTarget } from '../segment-resolver'
import { SyncState } from '../state'
import { uploadIdentifiers, type UploadReceipt } from '../sync'
import type { Payload } from './generated-types'

export const LEFT_OUT_NOT_MEMBER =
  'Not uploaded: the person is not in the audience. Each upload replaces the segment, so people who left drop ' +
  'out at the next full sync.'

/** The events of a batch that go to one segment with one PII type. Usually there is exactly one. */
interface UploadGroup {
  target: SegmentTarget
  piiType: PiiType
  lines: Set<string>
}

type EventPlan =
  | { kind: 'not-member' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'member'; line: string; group: UploadGroup; duplicate: boolean }

type GroupResult = { ok: true; receipt: UploadReceipt } | { ok: false; status: number; message: string }

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
  env: ApiEnvironment
): Promise<MultiStatusResponse> {
  const plans = planBatch(data.payload, data.audienceMembership)
  const client = new TtdCrmClient(request, {
    ...env,
    token: data.settings.auth_token,
    advertiserId: data.settings.advertiser_id
  })
  const state = SyncState.from(data.stateContext)

  const results = new Map<UploadGroup, GroupResult>()
  for (const plan of plans) {
    if (plan.kind !== 'member' || results.has(plan.group)) continue
    results.set(plan.group, await uploadGroup(client, state, plan.group))
  }
  return toMultiStatus(plans, results)
}

async function uploadGroup(client: TtdCrmClient, state: SyncState, group: UploadGroup): Promise<GroupResult> {
  try {
    const receipt = await uploadIdentifiers(client, state, group.target, group.piiType, Array.from(group.lines))
    return { ok: true, receipt }
  } catch (error) {
    if (error instanceof TtdRejectedError) return { ok: false, status: error.status ?? 400, message: error.message }
    throw error
  }
}

/** Pure: classifies every event and collects each group's distinct upload lines. */
export function planBatch(payloads: Payload[], membership: AudienceMembership[] | undefined): EventPlan[] {
  const plans: EventPlan[] = new Array(payloads.length)
  const groups = new Map<string, UploadGroup>()
  let lastKey = ''
  let lastGroup: UploadGroup | undefined

  for (let i = 0; i < payloads.length; i++) {
    const payload = payloads[i]
    if (!isMember(membership?.[i], payload.event_name)) {
      plans[i] = { kind: 'not-member' }
      continue
    }
    const piiType = payload.pii_type as PiiType
    const normalized = toUploadLine(piiType, isEmailType(piiType) ? payload.email : payload.phone)
    if (!normalized.ok) {
      plans[i] = { kind: 'invalid', reason: normalized.reason }
      continue
    }

    const key = groupKey(payload)
    let group = key === lastKey ? lastGroup : groups.get(key)
    if (!group) {
      group = newGroup(payload)
      groups.set(key, group)
    }
    lastKey = key
    lastGroup = group

    const sizeBefore = group.lines.size
    group.lines.add(normalized.value)
    plans[i] = { kind: 'member', line: normalized.value, group, duplicate: group.lines.size === sizeBefore }
  }
  return plans
}

/** Engage's membership flag when it has one; otherwise the event name, where only Audience Exited means "out". */
function isMember(flag: AudienceMembership, eventName: string | undefined): boolean {
  if (flag !== undefined) return flag
  return eventName !== AUDIENCE_EXITED
}

function groupKey(payload: Payload): string {
  return `${payload.pii_type}\u0000${payload.region}\u0000${payload.external_id ?? ''}\u0000${payload.name}`
}

function newGroup(payload: Payload): UploadGroup {
  const target: SegmentTarget = { name: payload.name, region: payload.region as Region }
  if (payload.external_id) target.externalId = payload.external_id
  return { target, piiType: payload.pii_type as PiiType, lines: new Set() }
}

function toMultiStatus(plans: EventPlan[], results: Map<UploadGroup, GroupResult>): MultiStatusResponse {
  const response = new MultiStatusResponse()
  for (const plan of plans) {
    if (plan.kind === 'not-member') {
      response.pushSuccessResponse({ status: 200, sent: {}, body: LEFT_OUT_NOT_MEMBER })
      continue
    }
    if (plan.kind === 'invalid') {
      response.pushErrorResponse({ status: 400, errortype: 'PAYLOAD_VALIDATION_FAILED', errormessage: plan.reason })
      continue
    }
    const result = results.get(plan.group)
    if (!result || !result.ok) {
      const status = result?.status ?? 500
      const errormessage = result?.message ?? 'The upload for this event did not run.'
      response.pushErrorResponse({ status, errortype: getErrorCodeFromHttpStatus(status), errormessage })
      continue
    }
    const { receipt } = result
    response.pushSuccessResponse({
      status: 200,
      sent: plan.line,
      body: {
        crmDataId: receipt.crmDataId,
        referenceId: receipt.referenceId,
        mergeMode: receipt.mergeMode,
        distinctIdentifiers: receipt.distinctIdentifiers,
        duplicate: plan.duplicate
      }
    })
  }
  return response
}
