import type { StateContext } from '@segment/actions-core'
import type { OpenWindow, RuntimeStore, UploadEnd, WindowEntry } from './coordination'
import { SEGMENT_ID_CACHE_HOURS, SYNC_WINDOW_HOURS, type Region } from './constants'

/**
 * What this destination remembers between batches, through the runtime's `stateContext` only: the
 * definition runs on many machines, so nothing may live in process memory across invocations.
 * Without a usable `stateContext` every method degrades to "nothing remembered", which is always safe:
 * each batch then replaces and looks its segment up again.
 */
export class SyncState {
  private constructor(private readonly context: StateContext | undefined) {}

  static from(context: StateContext | undefined): SyncState {
    const usable =
      !!context && typeof context.getRequestContext === 'function' && typeof context.setResponseContext === 'function'
    return new SyncState(usable ? context : undefined)
  }

  /**
   * The sync window as `SharedCoordination` sees it, for runtimes without a usable cache: no claim (batches
   * are assumed to arrive one after another), the window's opening time as its id.
   */
  async enterWindow(advertiserId: string, crmDataId: string): Promise<WindowEntry> {
    const open = await this.peekWindow(advertiserId, crmDataId)
    return open ? { mergeMode: 'Add', ...open } : { mergeMode: 'Replace', holder: '', crmDataId, advertiserId }
  }

  /** The open window of a segment, if any. */
  async peekWindow(advertiserId: string, crmDataId: string): Promise<OpenWindow | undefined> {
    const openedAt = await this.read(windowKey(advertiserId, crmDataId))
    const time = openedAt ? Date.parse(openedAt) : NaN
    return Number.isFinite(time) ? { windowId: openedAt as string, openedAt: time } : undefined
  }

  /**
   * Opens the window after a `Replace` that succeeded, never before: a failed first batch must stay a
   * `Replace` on retry. The window is fixed from that first upload; later `Add`s do not extend it, so the
   * next day's sync always starts by replacing. A failed one, or one whose outcome is unknown, leaves
   * it closed, so the retry replaces again: with batches one after another, nothing was added in between.
   */
  async endUpload(entry: WindowEntry, end: UploadEnd, now = Date.now()): Promise<OpenWindow | undefined> {
    if (entry.mergeMode !== 'Replace' || end !== 'uploaded') return undefined
    const windowId = new Date(now).toISOString()
    this.write(windowKey(entry.advertiserId, entry.crmDataId), windowId, { hour: SYNC_WINDOW_HOURS })
    return { windowId, openedAt: now }
  }

  /** The stateContext as a plain store; none without a usable stateContext. */
  get store(): RuntimeStore | undefined {
    if (!this.context) return undefined
    return {
      // The runtime states no limit for stateContext values: keep each one modest.
      maxValueBytes: 16 * 1024,
      get: (key) => this.read(key),
      set: async (key, value, seconds) => this.write(key, value, { second: Math.max(1, Math.ceil(seconds)) }),
      setIfAbsent: async (key, value, seconds) => {
        if ((await this.read(key)) !== undefined) return false
        this.write(key, value, { second: Math.max(1, Math.ceil(seconds)) })
        return true
      }
    }
  }

  async cachedSegmentId(advertiserId: string, region: Region, name: string): Promise<string | undefined> {
    return this.read(segmentKey(advertiserId, region, name))
  }

  rememberSegmentId(advertiserId: string, region: Region, name: string, crmDataId: string): void {
    this.write(segmentKey(advertiserId, region, name), crmDataId, { hour: SEGMENT_ID_CACHE_HOURS })
  }

  /** The runtime has no delete: an empty value with a short life reads as "not cached". */
  forgetSegmentId(advertiserId: string, region: Region, name: string): void {
    this.write(segmentKey(advertiserId, region, name), '', { second: 1 })
  }

  private async read(key: string): Promise<string | undefined> {
    if (!this.context) return undefined
    // The runtime answers synchronously today; awaiting also accepts a promise-returning implementation.
    const value: unknown = await this.context.getRequestContext(key)
    return typeof value === 'string' && value !== '' ? value : undefined
  }

  private write(key: string, value: string, ttl: { hour?: number; second?: number }): void {
    this.context?.setResponseContext(key, value, ttl)
  }
}

function windowKey(advertiserId: string, crmDataId: string): string {
  return `ttd-crm:sync-window:${advertiserId}:${crmDataId}`
}

function segmentKey(advertiserId: string, region: Region, name: string): string {
  return `ttd-crm:segment-id:${advertiserId}:${region}:${encodeURIComponent(name)}`
}
