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
import type { SharedCoordination, WindowEntry } from './coordination'
import { SegmentNotFoundError, TtdRejectedError } from './errors'
import { hasAsciiLines, isEmailType } from './pii'
import { resolveSegment, type SegmentTarget } from './segment-resolver'
import { DEFAULT_DEFERRAL_MS, deferOrFail, keepReservoir, readReservoir, topUpLines } from './short-batches'
import type { SyncState } from './state'
import type { UploadAnswers } from './upload-answers'

export interface UploadReceipt {
  crmDataId: string
  mergeMode: MergeMode
  referenceId: string
  /** The batch's own distinct identifiers. */
  distinctIdentifiers: number
  /** Identifiers already uploaded in this window, added to reach TTD's minimum (never named anywhere). */
  topUpIdentifiers: number
  /** The segment's name as the mapping gives it, and whether this upload's lookup created the segment. */
  segmentName: string
  created: boolean
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
export function assertUploadable(target: SegmentTarget, piiType: PiiType): void {
  if (!isEmailType(piiType) && target.region === 'EU') throw new PhoneInEuError()
}

/** What a batch's uploads share: the runtime's stores and, when usable, the cross-machine coordination. */
export interface SyncContext {
  state: SyncState
  coordination?: SharedCoordination
  /** Tells a refused upload from one without an answer; without it every failure counts as refused. */
  answers?: UploadAnswers
  /** How long a short would-be `Replace` is deferred (default SHORT_BATCH_DEFERRAL_HOURS). */
  deferralMs?: number
  now?: () => number
}

/** What one upload sends: distinct lines of one PII type, already in upload form, for one segment. */
export interface IdentifierSet {
  target: SegmentTarget
  piiType: PiiType
  lines: string[]
}

/**
 * Uploads one set of distinct, normalized identifier lines to the target segment: resolve the
 * segment, enter its sync window (`Replace` to start one, `Add` inside one), ask for a drop and PUT
 * the file, then tell the window how the upload ended. A set below TTD's minimum goes through
 * `uploadShort`. Knows TTD and the runtime's stores, not Segment payloads.
 */
export async function uploadIdentifiers(
  client: TtdCrmClient,
  context: SyncContext,
  set: IdentifierSet
): Promise<UploadReceipt> {
  const { target, piiType, lines } = set
  assertUploadable(target, piiType)
  if (lines.length < MIN_DISTINCT_IDENTIFIERS) return uploadShort(client, context, set)
  const { state, coordination } = context
  const window = windowOf(context)
  const now = context.now ?? Date.now
  const body = toUploadBody(lines, piiType)
  const claimSeconds = replaceClaimSeconds(body.length)

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

  await putFile(client, context, drop.Url, body, entry)
  const opened = await window.endUpload(entry, 'uploaded', now())
  const open = opened ?? (entry.mergeMode === 'Add' ? entry : undefined)
  if (open) {
    const scope = { advertiserId: client.advertiserId, crmDataId: segment.crmDataId, piiType, window: open }
    await keepReservoir(window.store, scope, lines, now())
  }
  return receipt(segment.crmDataId, entry.mergeMode, drop.ReferenceId, lines.length, 0, {
    segmentName: target.name,
    created: segment.source === 'created'
  })
}

/**
 * A set below TTD's minimum. Inside an open window it is topped up with lines already uploaded in that
 * window (an `Add` of people already in the segment changes nothing) and added. Outside one it would be
 * the sync's `Replace`, which must never be this short: it is deferred, or fails once deferred too long.
 * It never creates a segment or claims a window.
 */
async function uploadShort(client: TtdCrmClient, context: SyncContext, set: IdentifierSet): Promise<UploadReceipt> {
  const { target, piiType, lines } = set
  const window = windowOf(context)
  const advertiserId = client.advertiserId
  const defer = () =>
    deferOrFail(window.store, advertiserId, target, lines.length, {
      deferralMs: context.deferralMs ?? DEFAULT_DEFERRAL_MS,
      now: (context.now ?? Date.now)()
    })

  const crmDataId = await knownSegmentId(context, advertiserId, target)
  const open = crmDataId ? await window.peekWindow(advertiserId, crmDataId) : undefined
  if (!crmDataId || !open) return defer()
  const reservoir = await readReservoir(window.store, { advertiserId, crmDataId, piiType, window: open })
  const extra = topUpLines(lines, reservoir)
  if (lines.length + extra.length < MIN_DISTINCT_IDENTIFIERS) return defer()

  const entry = await window.enterWindow(advertiserId, crmDataId, 0)
  if (entry.mergeMode !== 'Add' || entry.windowId !== open.windowId) {
    // The window closed or changed since: the reservoir belongs to the old one, and a short Replace is out.
    await window.endUpload(entry, 'failed')
    return defer()
  }
  let drop
  try {
    drop = await client.requestDrop(crmDataId, piiType, 'Add')
  } catch (error) {
    // A deleted segment is looked up again by the next full-size batch, which may also create it.
    if (error instanceof SegmentNotFoundError) context.state.forgetSegmentId(advertiserId, target.region, target.name)
    throw error
  }
  await putFile(client, context, drop.Url, toUploadBody(lines.concat(extra), piiType), entry)
  return receipt(crmDataId, 'Add', drop.ReferenceId, lines.length, extra.length, {
    segmentName: target.name,
    created: false
  })
}

/** The segment's id if some batch already resolved it: a short batch never lists or creates. */
async function knownSegmentId(
  context: SyncContext,
  advertiserId: string,
  target: SegmentTarget
): Promise<string | undefined> {
  if (target.externalId) return target.externalId
  const remembered = await context.state.cachedSegmentId(advertiserId, target.region, target.name)
  if (remembered) return remembered
  return context.coordination?.publishedSegmentId(advertiserId, target.region, target.name)
}

/** PUTs the file; on failure tells the window whether the storage refused it or never answered. */
async function putFile(
  client: TtdCrmClient,
  context: SyncContext,
  url: string,
  body: Buffer<ArrayBuffer>,
  entry: WindowEntry
): Promise<void> {
  try {
    await client.upload(url, body)
  } catch (error) {
    const refused = context.answers ? context.answers.wasRefused(url) : true
    await windowOf(context).endUpload(entry, refused ? 'failed' : 'unknown')
    throw error
  }
}

/** Who keeps the sync window: the runtime cache across machines when usable, else the stateContext. */
function windowOf(context: SyncContext): SharedCoordination | SyncState {
  return context.coordination ?? context.state
}

/** A `Replace` claim outlasts the drop request and the upload at their own timeouts, plus a margin. */
function replaceClaimSeconds(bodyBytes: number): number {
  const uploadMs = UPLOAD_TIMEOUT_BASE_MS + Math.ceil(bodyBytes / UPLOAD_BYTES_PER_MS)
  return Math.ceil((API_TIMEOUT_MS + uploadMs) / 1000) + REPLACE_CLAIM_MARGIN_SECONDS
}

/**
 * One identifier per line, each ending with a newline, written straight into the bytes sent as UTF-8. Lines of every
 * type but plain Email are ASCII by construction (base64 digests, E.164 phones), so latin1 writes them byte for
 * byte and their lengths are their sizes; on 100,000 digests this costs less than half of joining one string that
 * the HTTP client then measures and encodes again. Plain emails may hold characters outside ASCII: they are
 * measured and written as UTF-8.
 */
export function toUploadBody(lines: string[], piiType: PiiType): Buffer<ArrayBuffer> {
  const ascii = hasAsciiLines(piiType)
  let size = 0
  for (let i = 0; i < lines.length; i++) size += (ascii ? lines[i].length : Buffer.byteLength(lines[i], 'utf8')) + 1
  const body = Buffer.allocUnsafe(size)
  const encoding = ascii ? 'latin1' : 'utf8'
  let offset = 0
  for (let i = 0; i < lines.length; i++) {
    offset += body.write(lines[i], offset, encoding)
    body[offset++] = NEWLINE
  }
  return body
}

const NEWLINE = 0x0a

function receipt(
  crmDataId: string,
  mergeMode: MergeMode,
  referenceId: string,
  count: number,
  topUp: number,
  segment: { segmentName: string; created: boolean }
): UploadReceipt {
  return {
    crmDataId,
    mergeMode,
    referenceId: typeof referenceId === 'string' ? referenceId : '',
    distinctIdentifiers: count,
    topUpIdentifiers: topUp,
    ...segment
  }
}
