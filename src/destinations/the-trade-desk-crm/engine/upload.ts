import {
  API_TIMEOUT_MS,
  MIN_DISTINCT_IDENTIFIERS,
  REPLACE_CLAIM_MARGIN_SECONDS,
  SYNC_WINDOW_HOURS,
  UPLOAD_BYTES_PER_MS,
  UPLOAD_TIMEOUT_BASE_MS,
  type MergeMode,
  type PiiType
} from '../constants'
import { belowMinimumError, isSyncFailure, SyncRuleError, TtdError, type SyncFailure } from '../errors'
import { hasAsciiLines, isEmailType } from '../pii'
import type { UploadBody } from '../api'
import type { DropResponse } from '../ttd-wire-types'
import type { EngineContext } from './context'
import { poolKey, reservoirKey } from './keys'
import { forgetSegmentId, resolveSegment, type ResolvedSegment } from './segment'
import { addToPool, clearPool, keepReservoir, readPool, readReservoir, topUpLines } from './short-batches'
import type { SegmentTarget } from './targets'
import type { OpenWindow, WindowEntry } from './window'

/** What one upload group sends: distinct lines of one PII type, already in upload form, for one segment. */
export interface IdentifierSet {
  target: SegmentTarget
  piiType: PiiType
  lines: string[]
}

export interface UploadReceipt {
  crmDataId: string
  mergeMode: MergeMode
  referenceId: string
  /** The segment's name as the batch gives it, and whether this upload's lookup created the segment. */
  segmentName: string
  created: boolean
  /** The batch's own distinct identifiers. */
  distinctIdentifiers: number
  /** Identifiers of earlier short batches of the sync, held until the minimum was reached, sent with this one. */
  pooledIdentifiers: number
  /** Identifiers already uploaded in this window, added to reach TTD's minimum (never named anywhere). */
  topUpIdentifiers: number
}

/** How a group ended: uploaded, held below TTD's minimum (its events are retried), or failed. */
export type GroupOutcome =
  | { kind: 'uploaded'; receipt: UploadReceipt }
  | { kind: 'held'; distinct: number; held: number }
  | { kind: 'failed'; error: SyncFailure }

/**
 * Uploads one group of a batch, whatever its size, and never throws the destination's own failures (they come
 * back as the group's outcome, so that the invocation returns and the runtime keeps what it wrote):
 *
 * 1. With the lines held for its target (the pool) it reaches TTD's minimum: found or created, its segment gets
 *    one upload of both (`Replace` to start a sync, `Add` inside one), and the pool is emptied.
 * 2. Else, inside an open window of its segment, it is topped up with lines that window already uploaded, and
 *    added: adding people who are in the segment changes nothing.
 * 3. Else it is held: its lines join the pool and its events are handed back for a retry. Its retry finds the
 *    window open (some later batch reached the minimum) and goes by step 2, or reaches the minimum itself. An
 *    audience that stays below the minimum is never uploaded; its events end with the reason.
 * Without any runtime store there is no pool and no window: a group below the minimum fails at once.
 */
export async function syncGroup(ctx: EngineContext, set: IdentifierSet): Promise<GroupOutcome> {
  try {
    assertUploadable(set.target, set.piiType)
    return await syncLines(ctx, set)
  } catch (error) {
    if (isSyncFailure(error)) return { kind: 'failed', error }
    throw error
  }
}

async function syncLines(ctx: EngineContext, set: IdentifierSet): Promise<GroupOutcome> {
  const { store, client } = ctx
  const { target, piiType, lines } = set
  if (!store) {
    if (lines.length < MIN_DISTINCT_IDENTIFIERS) throw belowMinimumError(lines.length)
    return uploadLines(ctx, set, { lines, pooled: 0 })
  }

  const pool = poolKey(client.advertiserId, target, piiType)
  const present = new Set(lines)
  for (const line of await readPool(store, pool)) present.add(line)
  if (present.size >= MIN_DISTINCT_IDENTIFIERS) {
    return uploadLines(ctx, set, { lines: [...present], pooled: present.size - lines.length, pool })
  }

  const toppedUp = await topUpInWindow(ctx, set, present, pool)
  if (toppedUp) return toppedUp

  const held = await addToPool(store, pool, present, ctx.waits)
  if (held.length >= MIN_DISTINCT_IDENTIFIERS) {
    // Other batches' lines reached the pool meanwhile: together they make an upload.
    return uploadLines(ctx, set, { lines: held, pooled: held.length - lines.length, pool })
  }
  return { kind: 'held', distinct: lines.length, held: held.length }
}

/**
 * Step 2: a short group inside an open window of its segment, filled up from that window's reservoir. In add-only
 * mode the segment is always in the add-only window, whose reservoir holds lines this run's uploads already added:
 * so a held group whose lines went out with the pool is sent again (and reported) once its retry comes.
 */
async function topUpInWindow(
  ctx: EngineContext,
  set: IdentifierSet,
  present: Set<string>,
  pool: string
): Promise<GroupOutcome | undefined> {
  const { client, store } = ctx
  const segment = await resolveSegment(ctx, set.target, 'find')
  if (!segment) return undefined
  const open = await ctx.window.peek(client.advertiserId, segment.crmDataId)
  if (!open) return undefined
  const reservoir = await readReservoir(
    store,
    reservoirKey(client.advertiserId, segment.crmDataId, set.piiType, open.windowId)
  )
  const extra = topUpLines(present, reservoir)
  if (present.size + extra.length < MIN_DISTINCT_IDENTIFIERS) return undefined
  const lines = [...present, ...extra]
  const pooled = present.size - set.lines.length
  return uploadLines(ctx, set, { lines, pooled, toppedUp: extra.length, pool }, { segment, window: open })
}

interface Lines {
  /** Distinct lines to send: the group's own first, then held ones, then top-up. */
  lines: string[]
  pooled: number
  toppedUp?: number
  /** The pool the held lines came from, emptied once they went out. */
  pool?: string
}

/**
 * Finds (or creates) the segment, enters its window, requests a drop and PUTs the file, then keeps a reservoir
 * for the window and moves the window. `only` is set for a top-up, which must be an `Add` in that same window:
 * otherwise nothing is sent and the group is held instead.
 */
async function uploadLines(
  ctx: EngineContext,
  set: IdentifierSet,
  { lines, pooled, toppedUp = 0, pool }: Lines,
  only?: { segment: ResolvedSegment; window: OpenWindow }
): Promise<GroupOutcome> {
  const { client, window, store } = ctx
  const advertiserId = client.advertiserId
  const body = toUploadBody(lines, set.piiType)
  const claimSeconds = replaceClaimSeconds(body.length)

  let segment: ResolvedSegment = only?.segment ?? (await findOrCreateTarget(ctx, set.target))
  let entry: WindowEntry
  let drop: DropResponse
  for (let attempt = 1; ; attempt++) {
    entry = await window.enter(advertiserId, segment.crmDataId, claimSeconds)
    if (only && (entry.mergeMode !== 'Add' || entry.windowId !== only.window.windowId)) {
      // The window closed or changed since: its reservoir belongs to another sync, and a short Replace is out.
      await window.end(advertiserId, entry, 'failed')
      return holdInstead(ctx, set)
    }
    try {
      drop = await client.requestDrop(segment.crmDataId, set.piiType, entry.mergeMode)
      break
    } catch (error) {
      await window.end(advertiserId, entry, 'failed')
      const stale = error instanceof TtdError && error.code === 'TTD_SEGMENT_NOT_FOUND' && segment.source === 'cache'
      if (!stale || attempt > 1) throw error
      // The remembered id was deleted in TTD since: forget it, and look the name up again, once.
      await forgetSegmentId(ctx, set.target, segment.crmDataId)
      if (only) return holdInstead(ctx, set)
      // The store still shows the forgotten id to this invocation (a stateContext never shows its own writes).
      segment = await findOrCreateTarget(ctx, set.target, true)
    }
  }
  if (segment.source === 'created') ctx.observe.segmentCreated(segment.crmDataId)

  try {
    await client.upload(drop.Url, body)
  } catch (error) {
    const maybeStored = error instanceof TtdError && error.stored === 'maybe'
    if (maybeStored) await afterStored()
    else await window.end(advertiserId, entry, 'failed')
    throw error
  }
  await afterStored()

  ctx.observe.uploaded({
    mergeMode: entry.mergeMode,
    reason: ctx.addOnly ? 'add-only' : entry.mergeMode === 'Replace' ? 'starts-sync' : 'window-open',
    piiType: set.piiType,
    crmDataId: segment.crmDataId,
    lines: lines.length,
    own: set.lines.length,
    fromPool: pooled,
    toppedUp
  })
  return {
    kind: 'uploaded',
    receipt: {
      crmDataId: segment.crmDataId,
      mergeMode: entry.mergeMode,
      referenceId: typeof drop.ReferenceId === 'string' ? drop.ReferenceId : '',
      segmentName: set.target.name,
      created: segment.source === 'created',
      distinctIdentifiers: set.lines.length,
      pooledIdentifiers: pooled,
      topUpIdentifiers: toppedUp
    }
  }

  /** An upload that was, or may have been, stored: the reservoir first (the window's readers need it), the window. */
  async function afterStored(): Promise<void> {
    const seconds = entry.mergeMode === 'Replace' ? SYNC_WINDOW_HOURS * 3600 : window.secondsLeft(entry)
    const key = reservoirKey(advertiserId, segment.crmDataId, set.piiType, entry.windowId)
    await keepReservoir(store, key, lines, seconds)
    await window.end(advertiserId, entry, 'uploaded')
    if (pool && pooled > 0 && store) await clearPool(store, pool)
  }
}

/** A top-up that could not go out as planned: its lines are held like any short group's. */
async function holdInstead(ctx: EngineContext, set: IdentifierSet): Promise<GroupOutcome> {
  const store = ctx.store
  if (!store) throw belowMinimumError(set.lines.length)
  const held = await addToPool(
    store,
    poolKey(ctx.client.advertiserId, set.target, set.piiType),
    new Set(set.lines),
    ctx.waits
  )
  return { kind: 'held', distinct: set.lines.length, held: held.length }
}

async function findOrCreateTarget(ctx: EngineContext, target: SegmentTarget, skipRemembered = false) {
  const resolved = await resolveSegment(ctx, target, 'find-or-create', { skipRemembered })
  if (!resolved) throw new Error('find-or-create found no segment')
  return resolved
}

/** TTD's rules that no request can change, checked before the first request is made. */
export function assertUploadable(target: SegmentTarget, piiType: PiiType): void {
  if (!isEmailType(piiType) && target.region === 'EU') {
    throw new SyncRuleError(
      'PHONE_IN_EU',
      'The Trade Desk does not accept phone numbers for EU segments. Choose an email PII Type, or the US or APAC Region.'
    )
  }
}

/** A `Replace` claim outlasts the drop request and the upload at their own timeouts, plus a margin. */
function replaceClaimSeconds(bodyBytes: number): number {
  const uploadMs = UPLOAD_TIMEOUT_BASE_MS + Math.ceil(bodyBytes / UPLOAD_BYTES_PER_MS)
  return Math.ceil((API_TIMEOUT_MS + uploadMs) / 1000) + REPLACE_CLAIM_MARGIN_SECONDS
}

/**
 * One identifier per line, each ending with a newline, written straight into the bytes sent. Digests and E.164
 * phones are ASCII and go byte for byte; plain emails may hold letters outside ASCII and go as UTF-8, sized in bytes.
 * On 100,000 digests this costs less than half of joining one string that the HTTP client then measures and
 * encodes again.
 */
export function toUploadBody(lines: string[], piiType: PiiType): UploadBody {
  const ascii = hasAsciiLines(piiType)
  let size = 0
  for (let i = 0; i < lines.length; i++) size += (ascii ? lines[i].length : Buffer.byteLength(lines[i], 'utf8')) + 1
  const body: UploadBody = Buffer.allocUnsafe(size)
  const encoding = ascii ? 'latin1' : 'utf8'
  let offset = 0
  for (let i = 0; i < lines.length; i++) {
    offset += body.write(lines[i], offset, encoding)
    body[offset++] = NEWLINE
  }
  return body
}

const NEWLINE = 0x0a
