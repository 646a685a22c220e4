import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { RetryableError, type ExecuteInput } from '@segment/actions-core'
import {
  COORDINATION_POLL_MS,
  COORDINATION_WAIT_MS,
  SEGMENT_CLAIM_SECONDS,
  SEGMENT_ID_CACHE_HOURS,
  SYNC_WINDOW_HOURS,
  type Region
} from './constants'
import { sha256Base64 } from './pii'
import type { ResolvedSegment } from './segment-resolver'

/** actions-core's cache interface, which its root module does not export by name. */
export type EngageDestinationCache = NonNullable<ExecuteInput<unknown, unknown>['engageDestinationCache']>

/** Test and local-run knobs of the factory; production uses the constants. */
export interface CoordinationOptions {
  waitMs?: number
  pollMs?: number
}

/**
 * Where one upload stands in its segment's sync window:
 * - `Add`: a window is open (its `Replace` succeeded, or its outcome is unknown and was counted as applied);
 * - `Replace`: this batch holds the window's claim and must report how its upload ended.
 */
export type WindowEntry =
  | ({ mergeMode: 'Add' } & OpenWindow)
  | { mergeMode: 'Replace'; holder: string; crmDataId: string; advertiserId: string }

/** An open sync window: its id scopes what is kept for it (the top-up reservoir); it closes 6 h after openedAt. */
export interface OpenWindow {
  windowId: string
  openedAt: number
}

/**
 * Small values kept by the runtime for a while: the cache here, the stateContext in `SyncState`. Used for
 * what lives as long as a window (the reservoir) or a day's sync (a short batch's deferral).
 */
export interface RuntimeStore {
  /** The largest value one key takes. */
  readonly maxValueBytes: number
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, seconds: number): Promise<void>
  /** Writes only when the key is absent; true when it wrote. */
  setIfAbsent(key: string, value: string, seconds: number): Promise<boolean>
}

/** What an upload's end means for the window: only the claim holder's `Replace` moves it. */
export type UploadEnd = 'uploaded' | 'failed' | 'unknown'

/**
 * A claim's or a window's value in the cache. A claim expires by itself; an open window lasts
 * SYNC_WINDOW_HOURS. A segment name's claim uses the `claimed` shape too.
 */
type WindowValue = { state: 'claimed'; holder: string } | ({ state: 'open'; id: string } & Pick<OpenWindow, 'openedAt'>)

export const KEY_PREFIX = 'ttd-crm:v1'

/** Value size assumed when the cache does not state one. */
const DEFAULT_STORE_VALUE_BYTES = 16 * 1024

/**
 * Coordinates the batches of one full sync across machines through the runtime's `engageDestinationCache`:
 * - one lookup-or-create per segment name (a short-lived claim taken with `setByKeyNX`; the others wait for
 *   the CrmDataId it publishes);
 * - one `Replace` per sync window: the batch that takes the window's claim replaces; the others wait until
 *   the claim turns into an open window and then add, so nothing is added before the `Replace`.
 * Every wait is bounded: past it, the batch is handed back to Segment with a RetryableError. A cache call
 * that fails is retryable too: carrying on uncoordinated could create a duplicate segment or a second
 * `Replace`.
 */
export class SharedCoordination {
  private readonly waitMs: number
  private readonly pollMs: number

  private constructor(
    private readonly cache: EngageDestinationCache,
    options: CoordinationOptions
  ) {
    this.waitMs = options.waitMs ?? COORDINATION_WAIT_MS
    this.pollMs = options.pollMs ?? COORDINATION_POLL_MS
  }

  /**
   * The cache when the runtime gives a usable one: all methods present, and expiries long enough to hold a
   * sync window (a window cut short would let a later batch `Replace` again). actions-core's test harness
   * passes `{}` when a test gives no cache.
   */
  static from(candidate: unknown, options: CoordinationOptions = {}): SharedCoordination | undefined {
    if (!candidate || typeof candidate !== 'object') return undefined
    const cache = candidate as Partial<EngageDestinationCache>
    const methods = [cache.getByKey, cache.setByKey, cache.setByKeyNX, cache.delByKey]
    if (!methods.every((method) => typeof method === 'function')) return undefined
    const maxExpiry = cache.maxExpirySeconds
    if (typeof maxExpiry === 'number' && maxExpiry < SYNC_WINDOW_HOURS * 3600) return undefined
    return new SharedCoordination(cache as EngageDestinationCache, options)
  }

  /** The largest value the cache takes, when it says. */
  get maxValueSizeBytes(): number | undefined {
    const size = this.cache.maxValueSizeBytes
    return typeof size === 'number' && size > 0 ? size : undefined
  }

  /**
   * The CrmDataId for a name: the one published by whoever looked it up last, else `lookup()` run under
   * the name's claim, so that across machines one caller lists and creates while the others wait.
   */
  async resolveSegment(
    advertiserId: string,
    region: Region,
    name: string,
    lookup: () => Promise<ResolvedSegment>
  ): Promise<ResolvedSegment> {
    const idKey = segmentIdKey(advertiserId, region, name)
    const claimKey = `${KEY_PREFIX}:${advertiserId}:segment-claim:${region}:${nameDigest(name)}`
    const deadline = Date.now() + this.waitMs
    for (;;) {
      const published = await this.get(idKey)
      if (published) return { crmDataId: published, source: 'cache' }
      const holder = randomUUID()
      const claim: WindowValue = { state: 'claimed', holder }
      if (await this.setNX(claimKey, JSON.stringify(claim), SEGMENT_CLAIM_SECONDS)) {
        try {
          // Someone may have published between the read above and the claim.
          const late = await this.get(idKey)
          if (late) return { crmDataId: late, source: 'cache' }
          const resolved = await lookup()
          await this.set(idKey, resolved.crmDataId, SEGMENT_ID_CACHE_HOURS * 3600)
          return resolved
        } finally {
          // Released on failure too, so a retry (here or elsewhere) can look the name up again.
          await this.releaseIfHeld(claimKey, holder)
        }
      }
      if (Date.now() >= deadline) {
        throw new RetryableError(
          `Another batch is looking up or creating the CRM segment "${name}". Segment will retry this batch.`,
          503
        )
      }
      await sleep(this.pollMs)
    }
  }

  /** Forgets a published CrmDataId that TTD no longer knows, unless someone already replaced it. */
  async forgetSegmentId(advertiserId: string, region: Region, name: string, staleId: string): Promise<void> {
    const key = segmentIdKey(advertiserId, region, name)
    if ((await this.get(key)) === staleId) await this.call(() => this.cache.delByKey(key))
  }

  /**
   * Where the next upload to a segment stands: `Add` in an open window; `Replace` with the window's claim
   * when none is open or claimed; waits (bounded) while another batch holds the claim.
   * `claimSeconds` must outlast this batch's drop request and upload, so a live holder never loses it.
   */
  async enterWindow(advertiserId: string, crmDataId: string, claimSeconds: number): Promise<WindowEntry> {
    const key = windowKey(advertiserId, crmDataId)
    const deadline = Date.now() + this.waitMs
    for (;;) {
      const current = parseWindow(await this.get(key))
      if (current?.state === 'open') return { mergeMode: 'Add', windowId: current.id, openedAt: current.openedAt }
      if (!current) {
        const holder = randomUUID()
        const claim: WindowValue = { state: 'claimed', holder }
        if (await this.setNX(key, JSON.stringify(claim), claimSeconds)) {
          return { mergeMode: 'Replace', holder, crmDataId, advertiserId }
        }
        continue // someone claimed or opened it in between: read again
      }
      if (Date.now() >= deadline) {
        throw new RetryableError(
          'The first upload of this full sync (the one that replaces the segment) is still running in another ' +
            'batch; adding before it ends would be wiped by it. Segment will retry this batch.',
          503
        )
      }
      await sleep(this.pollMs)
    }
  }

  /**
   * Moves the window after an upload ended. Only a `Replace` moves it:
   * - uploaded: the window opens for SYNC_WINDOW_HOURS from now;
   * - failed (nothing was stored: the drop request failed, or the storage answered with an error): the claim
   *   is released, so the retry, here or on another machine, replaces;
   * - unknown (no answer after the file was sent): counted as applied, the window opens. Another `Replace`
   *   could wipe batches added after this one if it did apply; an `Add` after it never loses anyone. The
   *   batch is retried (the caller rethrows) and its retry adds the same people.
   * Returns the id of the window opened, if any.
   */
  async endUpload(entry: WindowEntry, end: UploadEnd, now = Date.now()): Promise<OpenWindow | undefined> {
    if (entry.mergeMode !== 'Replace') return undefined
    const key = windowKey(entry.advertiserId, entry.crmDataId)
    if (end === 'failed') {
      await this.releaseIfHeld(key, entry.holder)
      return undefined
    }
    const current = parseWindow(await this.get(key))
    if (current && !(current.state === 'claimed' && current.holder === entry.holder)) {
      // The claim ran out during the upload and another batch now holds or opened the window. If it is
      // replacing, it will wipe this upload: hand the batch back so that its retry adds it.
      throw new RetryableError(
        'The upload took longer than its claim on the sync window, and another batch started replacing the ' +
          'segment. Segment will retry this batch.',
        503
      )
    }
    const id = randomUUID()
    const open: WindowValue = { state: 'open', id, openedAt: now }
    await this.set(key, JSON.stringify(open), SYNC_WINDOW_HOURS * 3600)
    return { windowId: id, openedAt: now }
  }

  /**
   * The open window of a segment, without claiming one: for a batch too short to be a `Replace`. Waits
   * (bounded) while another batch's `Replace` is in flight, since it will usually open the window.
   */
  async peekWindow(advertiserId: string, crmDataId: string): Promise<OpenWindow | undefined> {
    const key = windowKey(advertiserId, crmDataId)
    const deadline = Date.now() + this.waitMs
    for (;;) {
      const current = parseWindow(await this.get(key))
      if (!current) return undefined
      if (current.state === 'open') return { windowId: current.id, openedAt: current.openedAt }
      if (Date.now() >= deadline) return undefined
      await sleep(this.pollMs)
    }
  }

  /** The CrmDataId some machine published for a name, without looking it up. */
  async publishedSegmentId(advertiserId: string, region: Region, name: string): Promise<string | undefined> {
    return (await this.get(segmentIdKey(advertiserId, region, name))) ?? undefined
  }

  /** The cache as a plain store, values capped below its maxValueSizeBytes. */
  get store(): RuntimeStore {
    return {
      maxValueBytes: this.maxValueSizeBytes ?? DEFAULT_STORE_VALUE_BYTES,
      get: async (key) => (await this.get(key)) ?? undefined,
      set: async (key, value, seconds) => {
        await this.set(key, value, seconds)
      },
      setIfAbsent: (key, value, seconds) => this.setNX(key, value, seconds)
    }
  }

  private async releaseIfHeld(key: string, holder: string): Promise<void> {
    // The cache has no compare-and-delete: a check then a delete. The gap only matters if the claim
    // expired in between and someone claimed again, which the claim's margin makes unlikely.
    const current = parseWindow(await this.get(key))
    if (current?.state === 'claimed' && current.holder === holder) await this.call(() => this.cache.delByKey(key))
  }

  private get(key: string): Promise<string | null> {
    return this.call(() => this.cache.getByKey(key))
  }

  private set(key: string, value: string, seconds: number): Promise<boolean> {
    return this.call(() => this.cache.setByKey(key, value, this.expiry(seconds)))
  }

  private setNX(key: string, value: string, seconds: number): Promise<boolean> {
    return this.call(() => this.cache.setByKeyNX(key, value, this.expiry(seconds)))
  }

  private expiry(seconds: number): number {
    const max = this.cache.maxExpirySeconds
    const wanted = Math.max(1, Math.ceil(seconds))
    return typeof max === 'number' && max > 0 ? Math.min(wanted, max) : wanted
  }

  /** A failing cache stops the batch retryably: going on uncoordinated could duplicate or wipe. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      if (error instanceof RetryableError) throw error
      throw new RetryableError(
        'The runtime cache that coordinates batches across machines failed. Segment will retry this batch.',
        503
      )
    }
  }
}

function segmentIdKey(advertiserId: string, region: Region, name: string): string {
  return `${KEY_PREFIX}:${advertiserId}:segment-id:${region}:${nameDigest(name)}`
}

function windowKey(advertiserId: string, crmDataId: string): string {
  return `${KEY_PREFIX}:${advertiserId}:window:${encodeURIComponent(crmDataId)}`
}

/** Names can be long and hold anything: keys carry a digest, fixed in length. */
function nameDigest(name: string): string {
  return sha256Base64(name).slice(0, 32)
}

function parseWindow(value: string | null): WindowValue | undefined {
  if (value === null || value === '') return undefined
  try {
    const parsed = JSON.parse(value) as Partial<WindowValue>
    if (parsed.state === 'open' && typeof parsed.id === 'string') return parsed as WindowValue
    if (parsed.state === 'claimed' && typeof parsed.holder === 'string') return parsed as WindowValue
  } catch {
    // An unreadable value is treated as a claim nobody can release: it expires by itself.
  }
  return { state: 'claimed', holder: '' }
}
