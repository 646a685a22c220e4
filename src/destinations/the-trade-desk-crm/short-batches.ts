import { randomUUID } from 'node:crypto'
import { RetryableError } from '@segment/actions-core'
import {
  MIN_DISTINCT_IDENTIFIERS,
  RESERVOIR_LINES,
  SHORT_BATCH_DEFERRAL_HOURS,
  SYNC_WINDOW_HOURS,
  type PiiType
} from './constants'
import { KEY_PREFIX, type OpenWindow, type RuntimeStore } from './coordination'
import { TtdRejectedError } from './errors'
import { sha256Base64 } from './pii'
import type { SegmentTarget } from './segment-resolver'

export const DEFAULT_DEFERRAL_MS = SHORT_BATCH_DEFERRAL_HOURS * 3_600_000

/** Bounds on what one reservoir may take in the store, whatever the store's value size. */
const MAX_RESERVOIR_CHUNKS = 64
const MAX_CHUNK_BYTES = 256 * 1024

/** Thrown, before any upload, when fewer distinct identifiers than TTD's minimum would be uploaded. */
export class BelowMinimumError extends TtdRejectedError {
  constructor(readonly distinctCount: number) {
    super(
      `Too few distinct identifiers to upload: ${distinctCount} found, The Trade Desk requires at least ` +
        `${MIN_DISTINCT_IDENTIFIERS} per upload. Nothing was sent. Grow the audience or wait for the next full sync.`,
      400
    )
  }
}

/** Where a window's reservoir of one PII type lives. */
export interface ReservoirScope {
  advertiserId: string
  crmDataId: string
  piiType: PiiType
  window: OpenWindow
}

/**
 * Keeps up to RESERVOIR_LINES lines of an upload that succeeded in a window, in the upload form (hashed
 * for hashed types), for no longer than the window, unless one is kept already. Best effort: a store that
 * fails costs later short batches their top-up, never this batch its result. Chunks are written first under
 * a writer's own keys, the header last and only if absent, so two writers never mix their chunks.
 */
export async function keepReservoir(
  store: RuntimeStore | undefined,
  scope: ReservoirScope,
  lines: string[],
  now: number
): Promise<void> {
  if (!store || lines.length < RESERVOIR_LINES) return
  const header = reservoirKey(scope)
  const seconds = (scope.window.openedAt + SYNC_WINDOW_HOURS * 3_600_000 - now) / 1000
  if (seconds < 1) return
  try {
    if ((await store.get(header)) !== undefined) return
    const writer = randomUUID().slice(0, 8)
    const chunks = pack(lines.slice(0, RESERVOIR_LINES), Math.min(store.maxValueBytes - 64, MAX_CHUNK_BYTES))
    for (let i = 0; i < chunks.length; i++) await store.set(`${header}:${writer}:${i}`, chunks[i], seconds)
    await store.setIfAbsent(header, `${writer}:${chunks.length}`, seconds)
  } catch {
    // Nothing to report: the upload itself succeeded.
  }
}

/** The lines kept for a window, or none. */
export async function readReservoir(store: RuntimeStore | undefined, scope: ReservoirScope): Promise<string[]> {
  if (!store) return []
  const header = reservoirKey(scope)
  const value = await store.get(header)
  const match = value ? /^([0-9a-f]{8}):(\d{1,3})$/.exec(value) : null
  if (!match) return []
  const count = Math.min(Number(match[2]), MAX_RESERVOIR_CHUNKS)
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    const chunk = await store.get(`${header}:${match[1]}:${i}`)
    if (chunk) lines.push(...chunk.split('\n'))
  }
  return lines
}

/** Lines of the reservoir not in the batch, as many as the batch needs to reach the minimum. */
export function topUpLines(batch: string[], reservoir: string[]): string[] {
  const needed = MIN_DISTINCT_IDENTIFIERS - batch.length
  if (needed <= 0) return []
  const present = new Set(batch)
  const extra: string[] = []
  for (const line of reservoir) {
    if (extra.length >= needed) break
    if (line === '' || present.has(line)) continue
    present.add(line)
    extra.push(line)
  }
  return extra
}

/**
 * A short batch that cannot be topped up (no window open, or too little kept): handed back to Segment to
 * retry later, until the bound after the segment's first deferral; then its events fail for good. Without a
 * store there is no way to bound the deferral, and no window could be open: it fails at once, as it did.
 */
export async function deferOrFail(
  store: RuntimeStore | undefined,
  advertiserId: string,
  target: SegmentTarget,
  distinctCount: number,
  options: { deferralMs: number; now: number }
): Promise<never> {
  if (!store || options.deferralMs <= 0) throw new BelowMinimumError(distinctCount)
  const key = deferralKey(advertiserId, target)
  // Kept for the window's length: a later retry of the same day still fails at once, the next day starts anew.
  await store.setIfAbsent(key, String(options.now), SYNC_WINDOW_HOURS * 3600)
  const first = Number(await store.get(key))
  const since = Number.isFinite(first) ? options.now - first : 0
  if (since >= options.deferralMs) throw new BelowMinimumError(distinctCount)
  const hours = Math.round((options.deferralMs / 3_600_000) * 10) / 10
  throw new RetryableError(
    `Only ${distinctCount} distinct identifiers in this batch, below The Trade Desk's minimum of ` +
      `${MIN_DISTINCT_IDENTIFIERS}, and no upload of this sync has replaced the segment yet to top it up from. ` +
      `Segment will retry this batch; after ${hours} h of this, its people are reported as too few.`,
    503
  )
}

function reservoirKey(scope: ReservoirScope): string {
  const window = encodeURIComponent(scope.window.windowId)
  return `${KEY_PREFIX}:${scope.advertiserId}:reservoir:${encodeURIComponent(scope.crmDataId)}:${scope.piiType}:${window}`
}

function deferralKey(advertiserId: string, target: SegmentTarget): string {
  const segment = target.externalId ? `id:${target.externalId}` : `${target.region}:${target.name}`
  return `${KEY_PREFIX}:${advertiserId}:deferred:${sha256Base64(segment).slice(0, 32)}`
}

/** Lines joined by newlines into values of at most `bytes`, at most MAX_RESERVOIR_CHUNKS of them. */
function pack(lines: string[], bytes: number): string[] {
  const chunks: string[] = []
  let current: string[] = []
  let size = 0
  for (const line of lines) {
    const length = Buffer.byteLength(line) + 1
    if (length > bytes) continue
    if (size + length > bytes) {
      chunks.push(current.join('\n'))
      if (chunks.length >= MAX_RESERVOIR_CHUNKS) return chunks
      current = []
      size = 0
    }
    current.push(line)
    size += length
  }
  if (current.length > 0) chunks.push(current.join('\n'))
  return chunks
}
