import type { Logger, StatsContext } from '@segment/actions-core'
import type { TtdCrmClient } from '../api'
import { COORDINATION_POLL_MS, COORDINATION_WAIT_MS } from '../constants'
import { SyncObserver } from './observe'
import { MemoryStore, storeFor, type RuntimeStore } from './store'
import { SyncWindow, type Waits } from './window'

/** Knobs of the factory for tests and local runs; production uses the constants. */
export interface EngineOptions {
  /** Bounded waits on another batch's claim, shortened by tests and local runs. */
  waits?: Partial<Waits>
  /** The clock of sync windows, for tests. */
  now?: () => number
  /** Upload with `Add` only, never `Replace` (the runner's --add). */
  addOnly?: boolean
}

/** What every step of one batch shares. */
export interface EngineContext {
  client: TtdCrmClient
  /** Where the batch's state lives between invocations: the runtime's cache, else its stateContext, else none. */
  store?: RuntimeStore
  /** Where claims are taken: the cache when it is the store (shared across machines), else this process's memory. */
  claims: RuntimeStore
  waits: Waits
  now: () => number
  window: SyncWindow
  observe: SyncObserver
  addOnly: boolean
}

/**
 * Claims of this process, for runtimes without a cache: one in-memory atomic store, keys scoped by who calls (API
 * host, advertiser and a token fingerprint) so that one caller's claim never holds up another's.
 */
const processClaims = new MemoryStore()

export function engineContext(
  client: TtdCrmClient,
  data: { engageDestinationCache?: unknown; stateContext?: unknown; statsContext?: StatsContext; logger?: Logger },
  options: EngineOptions = {}
): EngineContext {
  const store = storeFor(data)
  const waits: Waits = {
    waitMs: options.waits?.waitMs ?? COORDINATION_WAIT_MS,
    pollMs: options.waits?.pollMs ?? COORDINATION_POLL_MS
  }
  const now = options.now ?? Date.now
  const addOnly = options.addOnly === true
  return {
    client,
    store,
    claims: store?.atomic ? store : scoped(processClaims, client.callerKey),
    waits,
    now,
    window: new SyncWindow(store, waits, now, addOnly),
    observe: new SyncObserver(data.statsContext, data.logger),
    addOnly
  }
}

function scoped(store: RuntimeStore, scope: string): RuntimeStore {
  const key = (k: string) => `${scope}|${k}`
  return {
    kind: store.kind,
    atomic: store.atomic,
    maxValueBytes: store.maxValueBytes,
    get: (k) => store.get(key(k)),
    set: (k, value, seconds) => store.set(key(k), value, seconds),
    setIfAbsent: (k, value, seconds) => store.setIfAbsent(key(k), value, seconds),
    delete: (k) => store.delete(key(k))
  }
}
