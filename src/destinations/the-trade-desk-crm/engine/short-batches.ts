import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { MIN_DISTINCT_IDENTIFIERS, POOL_HOURS, RESERVOIR_LINES } from '../constants'
import type { RuntimeStore } from './store'
import type { Waits } from './window'

/**
 * What the destination keeps of people's identifiers, and only to meet TTD's minimum of 1,500 distinct identifiers
 * per upload, in the upload form (SHA-256 base64 for hashed types, the normalized email or phone for plain ones):
 *
 * - the **pool**: lines of short batches of a target that no upload could take yet, fewer than 1,500 by
 *   construction (once the pool and a batch reach 1,500 they are uploaded together), for POOL_HOURS after its
 *   last write;
 * - the **reservoir**: RESERVOIR_LINES lines of the upload that opened a sync window, for that window's life, to
 *   top up later short batches of the same window (adding people who are already in the segment changes nothing).
 *
 * Both live only in the runtime's store, in values of at most its value size and at most MAX_CHUNKS of them, and
 * never appear in a log, an error or a result.
 */

/** Bounds on what one set of kept lines may take in the store, whatever the store's value size. */
export const MAX_CHUNKS = 64
const MAX_CHUNK_BYTES = 256 * 1024
/** Room left in each value for the store's own framing. */
const VALUE_MARGIN_BYTES = 64
/** A pool write that waits longer than this for another batch's pool write gives up: the events stay held. */
const POOL_CLAIM_SECONDS = 30

// ---------------------------------------------------------------------------------------------------------------
// Kept lines: chunks first, under a writer's own keys, then a header naming them, so that two writers never mix.

async function writeLines(
  store: RuntimeStore,
  header: string,
  lines: string[],
  seconds: number,
  onlyIfAbsent: boolean
): Promise<void> {
  const writer = randomUUID().slice(0, 8)
  const chunks = pack(lines, Math.min(store.maxValueBytes - VALUE_MARGIN_BYTES, MAX_CHUNK_BYTES))
  for (let i = 0; i < chunks.length; i++) await store.set(`${header}:${writer}:${i}`, chunks[i], seconds)
  const value = `${writer}:${chunks.length}`
  if (onlyIfAbsent) await store.setIfAbsent(header, value, seconds)
  else await store.set(header, value, seconds)
}

async function readLines(store: RuntimeStore, header: string): Promise<string[]> {
  const value = await store.get(header)
  const match = value ? /^([0-9a-f]{8}):(\d{1,3})$/.exec(value) : null
  if (!match) return []
  const count = Math.min(Number(match[2]), MAX_CHUNKS)
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    const chunk = await store.get(`${header}:${match[1]}:${i}`)
    if (chunk) for (const line of chunk.split('\n')) if (line !== '') lines.push(line)
  }
  return lines
}

/** Lines joined by newlines into values of at most `bytes`, at most MAX_CHUNKS of them. */
function pack(lines: string[], bytes: number): string[] {
  const chunks: string[] = []
  let current: string[] = []
  let size = 0
  for (const line of lines) {
    const length = Buffer.byteLength(line) + 1
    if (length > bytes) continue
    if (size + length > bytes) {
      chunks.push(current.join('\n'))
      if (chunks.length >= MAX_CHUNKS) return chunks
      current = []
      size = 0
    }
    current.push(line)
    size += length
  }
  if (current.length > 0) chunks.push(current.join('\n'))
  return chunks
}

// ---------------------------------------------------------------------------------------------------------------
// The reservoir of a window.

/**
 * Keeps RESERVOIR_LINES lines of an upload in the window it opened or added to, unless some are kept already.
 * Best effort: a store that fails costs later short batches their top-up (they are then held), never this
 * batch its result.
 */
export async function keepReservoir(
  store: RuntimeStore | undefined,
  key: string,
  lines: string[],
  seconds: number
): Promise<void> {
  if (!store || lines.length < RESERVOIR_LINES || seconds < 1) return
  try {
    if ((await store.get(key)) !== undefined) return
    await writeLines(store, key, lines.slice(0, RESERVOIR_LINES), seconds, true)
  } catch {
    // Nothing to report: the upload itself succeeded.
  }
}

export async function readReservoir(store: RuntimeStore | undefined, key: string): Promise<string[]> {
  return store ? readLines(store, key) : []
}

/** Lines of the reservoir not among `present`, as many as it takes to reach the minimum. */
export function topUpLines(present: ReadonlySet<string>, reservoir: string[]): string[] {
  const needed = MIN_DISTINCT_IDENTIFIERS - present.size
  if (needed <= 0) return []
  const seen = new Set(present)
  const extra: string[] = []
  for (const line of reservoir) {
    if (extra.length >= needed) break
    if (seen.has(line)) continue
    seen.add(line)
    extra.push(line)
  }
  return extra
}

// ---------------------------------------------------------------------------------------------------------------
// The pool of a target.

export async function readPool(store: RuntimeStore, key: string): Promise<string[]> {
  return readLines(store, key)
}

/**
 * Adds a short batch's lines to its target's pool and returns what the pool then holds (this batch's lines
 * included). With an atomic store the read-and-write runs under a short claim, so that batches delivered at once
 * do not overwrite each other's lines; without one, batches come one after another. The caller uploads instead
 * when the result reaches the minimum (another batch's lines may have arrived meanwhile); the pool is then not
 * written. A write that could not run leaves the events held all the same: their retry adds them again.
 */
export async function addToPool(
  store: RuntimeStore,
  key: string,
  lines: ReadonlySet<string>,
  waits: Waits
): Promise<string[]> {
  const claimKey = `${key}:claim`
  const holder = randomUUID()
  if (store.atomic && !(await claimWithin(store, claimKey, holder, waits))) return [...lines]
  try {
    const merged = new Set(lines)
    for (const line of await readPool(store, key)) merged.add(line)
    const all = [...merged]
    if (all.length < MIN_DISTINCT_IDENTIFIERS) await writeLines(store, key, all, POOL_HOURS * 3600, false)
    return all
  } finally {
    if (store.atomic && (await store.get(claimKey)) === holder) await store.delete(claimKey)
  }
}

/** Empties a pool whose lines went out in an upload. */
export async function clearPool(store: RuntimeStore, key: string): Promise<void> {
  await store.delete(key)
}

async function claimWithin(store: RuntimeStore, key: string, holder: string, waits: Waits): Promise<boolean> {
  const deadline = Date.now() + waits.waitMs
  for (;;) {
    if (await store.setIfAbsent(key, holder, POOL_CLAIM_SECONDS)) return true
    if (Date.now() >= deadline) return false
    await sleep(waits.pollMs)
  }
}
