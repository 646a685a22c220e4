import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { SYNC_WINDOW_HOURS, type MergeMode } from '../constants'
import { CoordinationError } from '../errors'
import { windowKey } from './keys'
import type { RuntimeStore } from './store'

/** An open sync window: its id scopes what is kept for it (the top-up reservoir); it closes 6 h after openedAt. */
export interface OpenWindow {
  windowId: string
  openedAt: number
}

/**
 * Where one upload stands in its segment's sync window:
 * - `Add`: a window is open (its `Replace` succeeded, or may have been stored);
 * - `Replace`: no window is open; this upload will open one, under the id it already carries (so that what is
 *   kept for the window can be written before the window opens). With an atomic store it holds the window's claim.
 */
export type WindowEntry =
  ({ mergeMode: 'Add' } & OpenWindow) | { mergeMode: 'Replace'; windowId: string; crmDataId: string; holder?: string }

/**
 * The window every upload of an add-only run is in: no `Replace` opens or closes it, and what is kept for it (the
 * reservoir of lines already added) lives for SYNC_WINDOW_HOURS from its first upload, in the runtime's store.
 */
export const ADD_ONLY_WINDOW_ID = 'add-only'

/** How an upload ended, as the window needs it: only a `Replace` that was or may have been stored opens it. */
export type UploadEnd = 'uploaded' | 'maybe-stored' | 'failed'

type WindowValue = { state: 'claimed'; holder: string } | { state: 'open'; id: string; openedAt: number }

export interface Waits {
  /** How long a batch waits for another batch's claim before giving its events back for a retry. */
  waitMs: number
  pollMs: number
}

/**
 * The sync window of each segment, one implementation over whichever store the runtime gives:
 *
 * - The first upload of a sync uses `Replace`; once it was stored (or may have been), the window opens for
 *   SYNC_WINDOW_HOURS from then, and every later upload of the sync uses `Add`. The window is fixed from that
 *   `Replace` (later `Add`s do not extend it), so the next day's sync starts with a `Replace` again and people who
 *   left the audience drop out. A `Replace` that failed (nothing was stored) leaves it closed: its retry replaces.
 * - With an atomic store (the runtime's cache) the `Replace` is claimed, so that batches delivered at once never
 *   both replace, and no `Add` runs before the `Replace` ended (it would wipe the `Add`). Waits are bounded.
 * - With the stateContext, batches are assumed to come one after another: a batch reads the window as the
 *   previous batches left it.
 * - With no store, every upload is a `Replace`.
 *
 * One instance serves one invocation: it remembers the windows this invocation opened, since the stateContext
 * never shows an invocation its own writes.
 */
export class SyncWindow {
  private readonly openedHere = new Map<string, OpenWindow>()

  constructor(
    private readonly store: RuntimeStore | undefined,
    private readonly waits: Waits,
    private readonly now: () => number,
    /** Every upload is an `Add`: the segment is never replaced (a local run's choice). */
    private readonly addOnly = false
  ) {}

  /**
   * The open window of a segment, if any. Waits (bounded) while another batch's `Replace` is in flight. In add-only
   * mode every segment is always in the add-only window.
   */
  async peek(advertiserId: string, crmDataId: string): Promise<OpenWindow | undefined> {
    if (this.addOnly) return this.addOnlyWindow()
    const here = this.openedHere.get(crmDataId)
    if (here || !this.store) return here
    const key = windowKey(advertiserId, crmDataId)
    const deadline = Date.now() + this.waits.waitMs
    for (;;) {
      const current = parse(await this.store.get(key))
      if (!current) return undefined
      if (current.state === 'open') return this.live(current)
      if (Date.now() >= deadline) return undefined
      await sleep(this.waits.pollMs)
    }
  }

  /**
   * Where the next upload to a segment stands. `claimSeconds` must outlast that upload's drop request and PUT, so
   * that a live holder never loses its claim.
   */
  async enter(advertiserId: string, crmDataId: string, claimSeconds: number): Promise<WindowEntry> {
    if (this.addOnly) return { mergeMode: 'Add', ...this.addOnlyWindow() }
    const replace = (holder?: string): WindowEntry => ({
      mergeMode: 'Replace',
      windowId: randomUUID(),
      crmDataId,
      holder
    })
    const here = this.openedHere.get(crmDataId)
    if (here) return { mergeMode: 'Add', ...here }
    const store = this.store
    if (!store) return replace()
    const key = windowKey(advertiserId, crmDataId)
    if (!store.atomic) {
      const current = parse(await store.get(key))
      const open = current?.state === 'open' ? this.live(current) : undefined
      return open ? { mergeMode: 'Add', ...open } : replace()
    }
    const deadline = Date.now() + this.waits.waitMs
    for (;;) {
      const current = parse(await store.get(key))
      const open = current?.state === 'open' ? this.live(current) : undefined
      if (open) return { mergeMode: 'Add', ...open }
      if (!current) {
        const holder = randomUUID()
        const claim: WindowValue = { state: 'claimed', holder }
        if (await store.setIfAbsent(key, JSON.stringify(claim), claimSeconds)) return replace(holder)
        continue // someone claimed or opened it in between: read again
      }
      // Claimed by another batch, or an open window past its time that the store has not dropped yet.
      if (Date.now() >= deadline) {
        throw new CoordinationError(
          'SEGMENT_BUSY',
          'The first upload of this sync (the one that replaces the segment) is still running in another batch; ' +
            'adding before it ends would be wiped by it, so this batch was not uploaded.'
        )
      }
      await sleep(this.waits.pollMs)
    }
  }

  /**
   * Moves the window after an upload ended; only a `Replace` moves it. Uploaded or maybe stored: the window opens
   * (a `Replace` that may have been stored counts as applied: another `Replace` could wipe batches added after it,
   * while an `Add` after one that did not land loses no one, since its events are retried). Failed: nothing was
   * stored, the claim is released and the retry replaces.
   */
  async end(advertiserId: string, entry: WindowEntry, end: UploadEnd): Promise<OpenWindow | undefined> {
    if (entry.mergeMode !== 'Replace') return undefined
    const key = windowKey(advertiserId, entry.crmDataId)
    const store = this.store
    if (end === 'failed') {
      if (store?.atomic && entry.holder) await this.release(store, key, entry.holder)
      return undefined
    }
    const open: OpenWindow = { windowId: entry.windowId, openedAt: this.now() }
    this.openedHere.set(entry.crmDataId, open)
    if (!store) return open
    if (store.atomic && entry.holder) {
      const current = parse(await store.get(key))
      if (current && !(current.state === 'claimed' && current.holder === entry.holder)) {
        // The claim ran out during the upload and another batch holds or opened the window: if it replaces, it
        // wipes this upload. Give this batch back for a retry, which then adds it.
        this.openedHere.delete(entry.crmDataId)
        throw new CoordinationError(
          'SEGMENT_BUSY',
          'The upload took longer than its claim on the sync window and another batch started replacing the ' +
            'segment, which may wipe this upload.'
        )
      }
    }
    const value: WindowValue = { state: 'open', id: open.windowId, openedAt: open.openedAt }
    await store.set(key, JSON.stringify(value), SYNC_WINDOW_HOURS * 3600)
    return open
  }

  /** Seconds a window opened at `openedAt` has left. */
  secondsLeft(window: OpenWindow): number {
    return (window.openedAt + SYNC_WINDOW_HOURS * 3_600_000 - this.now()) / 1000
  }

  private addOnlyWindow(): OpenWindow {
    return { windowId: ADD_ONLY_WINDOW_ID, openedAt: this.now() }
  }

  /** A value whose time is up reads as closed even if its store has not dropped it yet (clocks differ). */
  private live(value: { id: string; openedAt: number }): OpenWindow | undefined {
    const window = { windowId: value.id, openedAt: value.openedAt }
    return this.secondsLeft(window) > 0 ? window : undefined
  }

  private async release(store: RuntimeStore, key: string, holder: string): Promise<void> {
    // The cache has no compare-and-delete: a check then a delete. The gap only matters if the claim expired in
    // between and someone claimed again, which the claim's margin makes unlikely.
    const current = parse(await store.get(key))
    if (current?.state === 'claimed' && current.holder === holder) await store.delete(key)
  }
}

export type { MergeMode }

function parse(value: string | undefined): WindowValue | undefined {
  if (value === undefined || value === '') return undefined
  try {
    const parsed = JSON.parse(value) as Partial<WindowValue>
    if (parsed.state === 'open' && typeof parsed.id === 'string' && typeof parsed.openedAt === 'number') {
      return parsed as WindowValue
    }
    if (parsed.state === 'claimed' && typeof parsed.holder === 'string') return parsed as WindowValue
  } catch {
    // An unreadable value is treated as a claim nobody can release: it expires by itself.
  }
  return { state: 'claimed', holder: '' }
}
