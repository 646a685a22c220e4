import type { TtdCrmClient } from './api'
import {
  API_TIMEOUT_MS,
  MIN_DISTINCT_IDENTIFIERS,
  REPLACE_CLAIM_MARGIN_SECONDS,
  UPLOAD_BYTES_PER_MS,
  UPLOAD_TIMEOUT_BASE_MS,
  type MergeMode,
  type PiiType
} from './constants'
import type { SharedCoordination } from './coordination'
import { SegmentNotFoundError, TtdRejectedError } from './errors'
import { isEmailType } from './pii'
import { resolveSegment, type ResolvedSegment, type SegmentTarget } from './segment-resolver'
import type { SyncState } from './state'
import type { UploadAnswers } from './upload-answers'

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

/** What a batch's uploads share: the runtime's stores and, when usable, the cross-machine coordination. */
export interface SyncContext {
  state: SyncState
  coordination?: SharedCoordination
  /** Tells a refused upload from one without an answer; without it every failure counts as refused. */
  answers?: UploadAnswers
}

/**
 * Uploads one set of distinct, normalized identifier lines to the target segment: resolve the
 * segment, enter its sync window (`Replace` to start one, `Add` inside one), ask for a drop and PUT
 * the file, then tell the window how the upload ended. Knows TTD and the runtime's stores, not
 * Segment payloads.
 */
export async function uploadIdentifiers(
  client: TtdCrmClient,
  context: SyncContext,
  target: SegmentTarget,
  piiType: PiiType,
  lines: string[]
): Promise<UploadReceipt> {
  assertUploadable(target, piiType, lines.length)
  const { state, coordination } = context
  const window = coordination ?? state
  const body = toUploadBody(lines)
  const claimSeconds = replaceClaimSeconds(Buffer.byteLength(body))

  let segment = await resolveSegment(client, state, target, { coordination })
  let entry = await window.enterWindow(client.advertiserId, segment.crmDataId, claimSeconds)
  let drop
  try {
    drop = await client.requestDrop(segment.crmDataId, piiType, entry.mergeMode)
  } catch (error) {
    await window.endUpload(entry, 'failed')
    if (!(error instanceof SegmentNotFoundError) || segment.source !== 'cache') throw error
    // The remembered id was deleted in TTD since: forget it and look the name up again, once.
    state.forgetSegmentId(client.advertiserId, target.region, target.name)
    await coordination?.forgetSegmentId(client.advertiserId, target.region, target.name, segment.crmDataId)
    segment = await resolveSegment(client, state, target, { skipCache: true, coordination })
    entry = await window.enterWindow(client.advertiserId, segment.crmDataId, claimSeconds)
    try {
      drop = await client.requestDrop(segment.crmDataId, piiType, entry.mergeMode)
    } catch (retryError) {
      await window.endUpload(entry, 'failed')
      throw retryError
    }
  }

  try {
    await client.upload(drop.Url, body)
  } catch (error) {
    const refused = context.answers ? context.answers.wasRefused(drop.Url) : true
    await window.endUpload(entry, refused ? 'failed' : 'unknown')
    throw error
  }
  await window.endUpload(entry, 'uploaded')
  return receipt(segment, entry.mergeMode, drop.ReferenceId, lines.length)
}

/** A `Replace` claim outlasts the drop request and the upload at their own timeouts, plus a margin. */
function replaceClaimSeconds(bodyBytes: number): number {
  const uploadMs = UPLOAD_TIMEOUT_BASE_MS + Math.ceil(bodyBytes / UPLOAD_BYTES_PER_MS)
  return Math.ceil((API_TIMEOUT_MS + uploadMs) / 1000) + REPLACE_CLAIM_MARGIN_SECONDS
}

/** One identifier per line, ending with a newline, built in one join. */
export function toUploadBody(lines: string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n'
}

function receipt(segment: ResolvedSegment, mergeMode: MergeMode, referenceId: string, count: number): UploadReceipt {
  return {
    crmDataId: segment.crmDataId,
    mergeMode,
    referenceId: typeof referenceId === 'string' ? referenceId : '',
    distinctIdentifiers: count
  }
}
