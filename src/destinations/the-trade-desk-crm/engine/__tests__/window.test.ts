import type { StateContext } from '@segment/actions-core'
import { SYNC_WINDOW_HOURS } from '../../constants'
import { CoordinationError } from '../../errors'
import { windowKey } from '../keys'
import { MemoryStore, stateStore } from '../store'
import { SyncWindow } from '../window'

const ADV = 'adv1'
const HOUR = 3_600_000
const quick = { waitMs: 50, pollMs: 5 }

/** One invocation's stateContext: the request's values, and the writes it sends back. */
function invocation(request: Record<string, string> = {}) {
  const writes = new Map<string, string>()
  const context: StateContext = {
    getRequestContext: (key: string) => request[key],
    setResponseContext: (key: string, value: string) => void writes.set(key, value)
  }
  return { store: stateStore(context)!, writes }
}

describe('the sync window over the stateContext (batches one after another)', () => {
  it('replaces when no window came with the request, and opens one for the next invocations once stored', async () => {
    const now = 1_000
    const first = invocation()
    const window = new SyncWindow(first.store, quick, () => now)
    const entry = await window.enter(ADV, 'crm-1', 60)
    expect(entry.mergeMode).toBe('Replace')
    const opened = await window.end(ADV, entry, 'uploaded')

    expect(opened).toEqual({ windowId: entry.windowId, openedAt: 1_000 })
    const next = invocation(Object.fromEntries(first.writes))
    expect(await new SyncWindow(next.store, quick, () => now + HOUR).enter(ADV, 'crm-1', 60)).toEqual({
      mergeMode: 'Add',
      windowId: entry.windowId,
      openedAt: 1_000
    })
  })

  it('adds for a second upload of the same invocation, which cannot read its own write', async () => {
    const { store, writes } = invocation()
    const window = new SyncWindow(store, quick, () => 0)
    const replace = await window.enter(ADV, 'crm-1', 60)
    await window.end(ADV, replace, 'uploaded')
    expect(writes.has(windowKey(ADV, 'crm-1'))).toBe(true)
    expect((await window.enter(ADV, 'crm-1', 60)).mergeMode).toBe('Add')
  })

  it('stays closed after a Replace that failed, so that its retry replaces', async () => {
    const { store, writes } = invocation()
    const window = new SyncWindow(store, quick, () => 0)
    const entry = await window.enter(ADV, 'crm-1', 60)
    expect(await window.end(ADV, entry, 'failed')).toBeUndefined()
    expect(writes.size).toBe(0)
    expect((await window.enter(ADV, 'crm-1', 60)).mergeMode).toBe('Replace')
  })

  it('opens after a Replace that may have been stored (no answer): later uploads add', async () => {
    const { store, writes } = invocation()
    const window = new SyncWindow(store, quick, () => 0)
    const entry = await window.enter(ADV, 'crm-1', 60)
    expect(await window.end(ADV, entry, 'maybe-stored')).toMatchObject({ windowId: entry.windowId })
    expect(JSON.parse(writes.get(windowKey(ADV, 'crm-1')) ?? '{}')).toMatchObject({ state: 'open' })
  })

  it(`reads a window past its ${SYNC_WINDOW_HOURS} hours as closed, even if the store still returns it`, async () => {
    const stale = JSON.stringify({ state: 'open', id: 'w', openedAt: 0 })
    const { store } = invocation({ [windowKey(ADV, 'crm-1')]: stale })
    const at = (ms: number) => new SyncWindow(store, quick, () => ms).enter(ADV, 'crm-1', 60)
    expect((await at(SYNC_WINDOW_HOURS * HOUR - 1)).mergeMode).toBe('Add')
    expect((await at(SYNC_WINDOW_HOURS * HOUR)).mergeMode).toBe('Replace')
  })

  it('replaces every time without a store, and never adds in add-only mode', async () => {
    const stateless = new SyncWindow(undefined, quick, () => 0)
    const entry = await stateless.enter(ADV, 'crm-1', 60)
    await stateless.end(ADV, entry, 'uploaded')
    expect(entry.mergeMode).toBe('Replace')
    // It did open for this invocation: a second group of the same batch adds to what the first replaced.
    expect((await stateless.enter(ADV, 'crm-1', 60)).mergeMode).toBe('Add')
    const addOnly = new SyncWindow(invocation().store, quick, () => 0, true)
    expect((await addOnly.enter(ADV, 'crm-2', 60)).mergeMode).toBe('Add')
  })
})

describe('the sync window over an atomic store (batches at once, across machines)', () => {
  it('lets one batch replace while the other waits, then adds', async () => {
    const store = new MemoryStore()
    const [a, b] = [new SyncWindow(store, quick, () => 0), new SyncWindow(store, { waitMs: 2_000, pollMs: 5 }, () => 0)]
    const replace = await a.enter(ADV, 'crm-1', 60)
    expect(replace.mergeMode).toBe('Replace')
    const waiting = b.enter(ADV, 'crm-1', 60)
    await new Promise((resolve) => setTimeout(resolve, 20))
    await a.end(ADV, replace, 'uploaded')
    expect(await waiting).toMatchObject({ mergeMode: 'Add', windowId: replace.windowId })
  })

  it('gives up after its bounded wait with a retryable coordination error', async () => {
    const store = new MemoryStore()
    await new SyncWindow(store, quick, () => 0).enter(ADV, 'crm-1', 60)
    const error = await new SyncWindow(store, quick, () => 0).enter(ADV, 'crm-1', 60).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CoordinationError)
    expect(error).toMatchObject({ code: 'SEGMENT_BUSY' })
  })

  it('releases the claim of a failed Replace, so that the next batch replaces', async () => {
    const store = new MemoryStore()
    const a = new SyncWindow(store, quick, () => 0)
    const entry = await a.enter(ADV, 'crm-1', 60)
    await a.end(ADV, entry, 'failed')
    expect((await new SyncWindow(store, quick, () => 0).enter(ADV, 'crm-1', 60)).mergeMode).toBe('Replace')
  })

  it('hands the batch back when its claim ran out mid-upload and another batch took the window', async () => {
    let now = 0
    const store = new MemoryStore(() => now)
    const a = new SyncWindow(store, quick, () => now)
    const entry = await a.enter(ADV, 'crm-1', 1)
    now = 2_000
    await new SyncWindow(store, quick, () => now).enter(ADV, 'crm-1', 60)
    const error = await a.end(ADV, entry, 'uploaded').catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'SEGMENT_BUSY' })
  })

  it('shows a short batch the window another batch is replacing, once that Replace is stored', async () => {
    const store = new MemoryStore()
    const a = new SyncWindow(store, quick, () => 0)
    const entry = await a.enter(ADV, 'crm-1', 60)
    const peeking = new SyncWindow(store, { waitMs: 2_000, pollMs: 5 }, () => 0).peek(ADV, 'crm-1')
    await a.end(ADV, entry, 'uploaded')
    expect(await peeking).toEqual({ windowId: entry.windowId, openedAt: 0 })
  })
})
