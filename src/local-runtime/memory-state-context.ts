import type { StateContext } from '@segment/actions-core'

export interface StateTtl {
  hour?: number
  minute?: number
  second?: number
}

interface Entry {
  value: string
  expiresAt: number
}

/**
 * An in-process stand-in for the `stateContext` Segment's runtime hands to actions: a value written with
 * `setResponseContext(key, value, ttl)` is what `getRequestContext(key)` returns until its TTL runs out.
 * The destination keeps its sync window and cached segment ids there, so a multi-batch sync run through
 * this context replaces once and adds the rest, as it would in production.
 *
 * Entries are few (one per segment and sync window), but expired ones are dropped on every write so a
 * long-running process never accumulates them.
 */
export class MemoryStateContext implements StateContext {
  private readonly entries = new Map<string, Entry>()

  /** `now` is injectable so tests can move time forward instead of waiting for a TTL. */
  constructor(private readonly now: () => number = Date.now) {}

  getRequestContext(key: string, cb?: (res?: string) => unknown): string | undefined {
    const value = this.read(key)
    // The runtime's signature also accepts a callback; answering both ways keeps either caller style working.
    cb?.(value)
    return value
  }

  setResponseContext(key: string, value: string, ttl: StateTtl): void {
    this.dropExpired()
    const ms = ttlToMs(ttl)
    if (ms <= 0) {
      this.entries.delete(key)
      return
    }
    this.entries.set(key, { value, expiresAt: this.now() + ms })
  }

  /** How many live entries there are: lets tests check what a sync remembered without reading values. */
  get size(): number {
    this.dropExpired()
    return this.entries.size
  }

  private read(key: string): string | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  private dropExpired(): void {
    const now = this.now()
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key)
  }
}

export function ttlToMs(ttl: StateTtl): number {
  const part = (n: number | undefined) => (typeof n === 'number' && Number.isFinite(n) ? n : 0)
  return ((part(ttl.hour) * 60 + part(ttl.minute)) * 60 + part(ttl.second)) * 1000
}
