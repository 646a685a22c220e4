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

/** TTD's rules that no request can change, checked before the first request is made. */
export function assertUploadable(target: SegmentTarget, piiType: PiiType, distinctCount: number): void {
  if (!isEmailType(piiType) && target.region === 'EU') {
    throw new TtdRejectedError(
      'The Trade Desk does not accept phone numbers for EU segments. Choose an email PII Type, or the US or APAC Region.',
      400
    )
  }
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
  return receipt(segment, mergeMode, drop.ReferenceId, lines.length)
}

/**
 * One identifier per line, each ending with a newline, written straight into the bytes sent. Every line is ASCII
 * by construction (normalized emails refuse anything else, E.164 phones, base64 digests), so latin1 writes it byte
 * for byte. On 100,000 digests this costs less than half of joining one string that the HTTP client then measures
 * and encodes again.
 */
export function toUploadBody(lines: string[]): Buffer<ArrayBuffer> {
  let size = 0
  for (let i = 0; i < lines.length; i++) size += lines[i].length + 1
  const body = Buffer.allocUnsafe(size)
  let offset = 0
  for (let i = 0; i < lines.length; i++) {
    offset += body.write(lines[i], offset, 'latin1')
    body[offset++] = NEWLINE
  }
  return body
}

const NEWLINE = 0x0a

function receipt(segment: ResolvedSegment, mergeMode: MergeMode, referenceId: string, count: number): UploadReceipt {
  return {
    crmDataId: segment.crmDataId,
    mergeMode,
    referenceId: typeof referenceId === 'string' ? referenceId : '',
    distinctIdentifiers: count
  }
}
