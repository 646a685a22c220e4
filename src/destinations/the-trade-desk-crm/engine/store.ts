import type { ExecuteInput, StateContext } from '@segment/actions-core'
import { SYNC_WINDOW_HOURS } from '../constants'
import { CoordinationError } from '../errors'

/**
 * Small values the runtime keeps between invocations, behind one interface, in one of two runtimes' stores:
 *
 * - `stateContext` (`'state'`): request in, response out. An invocation reads what came with its request (what
 *   invocations that settled before it wrote) and never its own writes; concurrent invocations do not see each
 *   other's; an invocation that throws has no normal response, so its writes are assumed lost. `setIfAbsent` is
 *   therefore not atomic: it only says whether the key was absent in what this invocation was handed.
 * - `engageDestinationCache` (`'cache'`): Engage-internal, present or not. Immediate and shared: `setIfAbsent` is
 *   atomic (`setByKeyNX`), so it can hold claims across machines.
 *
 * The engine never decides on a value it wrote itself in the same invocation: what it did, it remembers in the
 * invocation (see window.ts).
 */
export interface RuntimeStore {
  readonly kind: 'state' | 'cache' | 'local'
  /** Whether `setIfAbsent` is a claim every other invocation sees at once. */
  readonly atomic: boolean
  /** The largest value one key takes. */
  readonly maxValueBytes: number
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, seconds: number): Promise<void>
  /** Writes only when the key is absent; true when it wrote. */
  setIfAbsent(key: string, value: string, seconds: number): Promise<boolean>
  delete(key: string): Promise<void>
}

/** actions-core's cache interface, which its root module does not export by name. */
export type EngageDestinationCache = NonNullable<ExecuteInput<unknown, unknown>['engageDestinationCache']>

/** The runtime states no limit for stateContext values: keep each one modest. */
export const STATE_VALUE_BYTES = 16 * 1024
/** Value size assumed when the cache does not state one. */
const DEFAULT_CACHE_VALUE_BYTES = 16 * 1024

/**
 * The store a batch keeps its state in: the cache when the runtime hands over a usable one (all methods, and
 * expiries long enough for a sync window), else the stateContext when usable, else none (every upload then
 * replaces, and a batch below TTD's minimum fails at once: there is nowhere to hold it).
 */
export function storeFor(data: { engageDestinationCache?: unknown; stateContext?: unknown }): RuntimeStore | undefined {
  return cacheStore(data.engageDestinationCache) ?? stateStore(data.stateContext)
}

/** actions-core's test harness passes `{}` when a test gives no cache or stateContext: both read as absent. */
export function cacheStore(candidate: unknown): RuntimeStore | undefined {
  if (!candidate || typeof candidate !== 'object') return undefined
  const cache = candidate as Partial<EngageDestinationCache>
  const methods = [cache.getByKey, cache.setByKey, cache.setByKeyNX, cache.delByKey]
  if (!methods.every((method) => typeof method === 'function')) return undefined
  const maxExpiry = cache.maxExpirySeconds
  // A window cut short would let a later batch of the same sync `Replace` again.
  if (typeof maxExpiry === 'number' && maxExpiry < SYNC_WINDOW_HOURS * 3600) return undefined
  return new CacheStore(cache as EngageDestinationCache)
}

export function stateStore(candidate: unknown): RuntimeStore | undefined {
  const context = candidate as Partial<StateContext> | undefined
  if (!context || typeof context.getRequestContext !== 'function' || typeof context.setResponseContext !== 'function')
    return undefined
  return new StateStore(context as StateContext)
}

class StateStore implements RuntimeStore {
  readonly kind = 'state'
  readonly atomic = false
  readonly maxValueBytes = STATE_VALUE_BYTES

  constructor(private readonly context: StateContext) {}

  async get(key: string): Promise<string | undefined> {
    // The runtime answers synchronously today; awaiting also accepts a promise-returning implementation.
    const value: unknown = await this.context.getRequestContext(key)
    return typeof value === 'string' && value !== '' ? value : undefined
  }

  async set(key: string, value: string, seconds: number): Promise<void> {
    this.context.setResponseContext(key, value, { second: wholeSeconds(seconds) })
  }

  async setIfAbsent(key: string, value: string, seconds: number): Promise<boolean> {
    if ((await this.get(key)) !== undefined) return false
    await this.set(key, value, seconds)
    return true
  }

  /** The stateContext has no delete: an empty value with a short life reads as absent. */
  async delete(key: string): Promise<void> {
    this.context.setResponseContext(key, '', { second: 1 })
  }
}

class CacheStore implements RuntimeStore {
  readonly kind = 'cache'
  readonly atomic = true
  readonly maxValueBytes: number

  constructor(private readonly cache: EngageDestinationCache) {
    const size = cache.maxValueSizeBytes
    this.maxValueBytes = typeof size === 'number' && size > 0 ? size : DEFAULT_CACHE_VALUE_BYTES
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.call(() => this.cache.getByKey(key))
    return typeof value === 'string' && value !== '' ? value : undefined
  }

  async set(key: string, value: string, seconds: number): Promise<void> {
    await this.call(() => this.cache.setByKey(key, value, this.expiry(seconds)))
  }

  setIfAbsent(key: string, value: string, seconds: number): Promise<boolean> {
    return this.call(() => this.cache.setByKeyNX(key, value, this.expiry(seconds)))
  }

  async delete(key: string): Promise<void> {
    await this.call(() => this.cache.delByKey(key))
  }

  private expiry(seconds: number): number {
    const max = this.cache.maxExpirySeconds
    const wanted = wholeSeconds(seconds)
    return typeof max === 'number' && max > 0 ? Math.min(wanted, max) : wanted
  }

  /** A failing cache stops the group retryably: going on uncoordinated could duplicate or wipe. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch {
      throw new CoordinationError(
        'STORE_FAILED',
        'The runtime cache that coordinates batches across machines failed, so this batch was not uploaded.'
      )
    }
  }
}

interface Entry {
  value: string
  expiresAt: number
}

/**
 * An atomic store in this process's memory. It holds the claims of one process when the runtime gives no cache
 * (so that concurrent batches in one process look a missing segment up, and create it, once), and is what
 * in-memory stand-ins of the runtime's cache build on. Expired entries read as absent and are dropped on writes.
 */
export class MemoryStore implements RuntimeStore {
  readonly kind = 'local'
  readonly atomic = true
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly now: () => number = Date.now,
    readonly maxValueBytes = 64 * 1024
  ) {}

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value
  }

  async set(key: string, value: string, seconds: number): Promise<void> {
    this.write(key, value, seconds)
  }

  async setIfAbsent(key: string, value: string, seconds: number): Promise<boolean> {
    if (this.live(key)) return false
    this.write(key, value, seconds)
    return true
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key)
  }

  /** Live keys, for tests that check what was left behind (never the values). */
  keys(): string[] {
    return [...this.entries.keys()].filter((key) => this.live(key))
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key)
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry
  }

  private write(key: string, value: string, seconds: number): void {
    if (Buffer.byteLength(value) > this.maxValueBytes) {
      const size = Buffer.byteLength(value)
      throw new Error(
        `A value of ${size} bytes exceeds the largest this store takes (maxValueSizeBytes ${this.maxValueBytes}).`
      )
    }
    const now = this.now()
    for (const [k, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(k)
    this.entries.set(key, { value, expiresAt: now + seconds * 1000 })
  }
}

function wholeSeconds(seconds: number): number {
  return Math.max(1, Math.ceil(seconds))
}
