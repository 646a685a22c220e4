import type { AudienceMembership } from '@segment/actions-core'
import type { PiiType } from '../constants'
import { isEmailType, isHashedType, toUploadLine } from '../pii'
import { BLANK_SEGMENT_NAME_REASON, isBlankSegmentName } from '../segment-name'
import { isAudienceMember } from '../syncAudience/membership'
import { RESULT_CODES, type ResultCode } from '../syncAudience/result-codes'
import type { Payload } from '../syncAudience/generated-types'
import { DistinctLines } from './distinct-lines'
import { targetOf, type BatchTargetSources, type SegmentTarget } from './targets'

/** The events of a batch that go to one segment with one PII type. Usually there is exactly one. */
export interface UploadGroup {
  target: SegmentTarget
  piiType: PiiType
  lines: DistinctLines
}

/** What planBatch decided for an event. */
export const OUTCOME = { notMember: 0, invalid: 1, uploaded: 2, duplicate: 3 } as const

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

function sameTarget(a: Payload, b: Payload): boolean {
  return a.name === b.name && a.region === b.region && a.pii_type === b.pii_type && a.external_id === b.external_id
}

function groupKey(payload: Payload): string {
  return `${payload.pii_type}\u0000${payload.region}\u0000${payload.external_id ?? ''}\u0000${payload.name}`
}

function newGroup(payload: Payload, sources: BatchTargetSources, batchSize: number): UploadGroup {
  const piiType = payload.pii_type as PiiType
  return {
    target: targetOf(payload, sources),
    piiType,
    lines: new DistinctLines(isHashedType(piiType) ? 'digest' : 'text', batchSize)
  }
}
