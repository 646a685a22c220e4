import type { TtdCrmClient } from './api'
import { MIN_DISTINCT_IDENTIFIERS, type MergeMode, type PiiType } from './constants'
import { SegmentNotFoundError, TtdRejectedError } from './errors'
import { isEmailType } from './pii'
import { resolveSegment, type ResolvedSegment, type SegmentTarget } from './segment-resolver'
import type { SyncState } from './state'

export interface UploadReceipt {
  crmDataId: string
  mergeMode: MergeMode
  referenceId: string
  distinctIdentifiers: number
  /** The segment's name as the mapping gives it, and whether this upload's lookup created the segment. */
  segmentName: string
  created: boolean
}

/** Thrown, before any request, when fewer distinct identifiers than TTD's minimum would be uploaded. */
export class BelowMinimumError extends TtdRejectedError {
  constructor(readonly distinctCount: number) {
    super(
      `Too few distinct identifiers to upload: ${distinctCount} found, The Trade Desk requires at least ` +
        `${MIN_DISTINCT_IDENTIFIERS} per upload. Nothing was sent. Grow the audience or wait for the next full sync.`,
      400
    )
  }
}

/** Thrown, before any request, for phone numbers aimed at an EU segment, which TTD refuses. */
export class PhoneInEuError extends TtdRejectedError {
  constructor() {
    super(
      'The Trade Desk does not accept phone numbers for EU segments. Choose an email PII Type, or the US or APAC Region.',
      400
    )
  }
}

/** TTD's rules that no request can change, checked before the first request is made. */
export function assertUploadable(target: SegmentTarget, piiType: PiiType, distinctCount: number): void {
  if (!isEmailType(piiType) && target.region === 'EU') throw new PhoneInEuError()
  if (distinctCount < MIN_DISTINCT_IDENTIFIERS) throw new BelowMinimumError(distinctCount)
}

/**
 * Uploads one set of distinct, normalized identifier lines to the target segment: resolve the
 * segment, choose the merge mode from the sync window, ask for a drop and PUT the file. The window
 * opens only after a `Replace` upload succeeded. Knows TTD and the runtime's state, not Segment payloads.
 */
export async function uploadIdentifiers(
  client: TtdCrmClient,
  state: SyncState,
  target: SegmentTarget,
  piiType: PiiType,
  lines: string[]
): Promise<UploadReceipt> {
  assertUploadable(target, piiType, lines.length)

  let segment = await resolveSegment(client, state, target)
  let mergeMode = await state.mergeModeFor(client.advertiserId, segment.crmDataId)
  let drop
  try {
    drop = await client.requestDrop(segment.crmDataId, piiType, mergeMode)
  } catch (error) {
    if (!(error instanceof SegmentNotFoundError) || segment.source !== 'cache') throw error
    // The remembered id was deleted in TTD since: forget it and look the name up again, once.
    state.forgetSegmentId(client.advertiserId, target.region, target.name)
    segment = await resolveSegment(client, state, target, { skipCache: true })
    mergeMode = await state.mergeModeFor(client.advertiserId, segment.crmDataId)
    drop = await client.requestDrop(segment.crmDataId, piiType, mergeMode)
  }

  await client.upload(drop.Url, toUploadBody(lines))
  if (mergeMode === 'Replace') state.openSyncWindow(client.advertiserId, segment.crmDataId)
  return receipt(target, segment, mergeMode, drop.ReferenceId, lines.length)
}

/** One identifier per line, ending with a newline, built in one join. */
export function toUploadBody(lines: string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n'
}

function receipt(
  target: SegmentTarget,
  segment: ResolvedSegment,
  mergeMode: MergeMode,
  referenceId: string,
  count: number
): UploadReceipt {
  return {
    crmDataId: segment.crmDataId,
    mergeMode,
    referenceId: typeof referenceId === 'string' ? referenceId : '',
    distinctIdentifiers: count,
    segmentName: target.name,
    created: segment.source === 'created'
  }
}
