import type { EngageDestinationCache } from '../destinations/the-trade-desk-crm/engine/store'

export interface MemoryEngageCacheOptions {
  /** Injectable so tests can let claims and windows expire without waiting. */
  now?: () => number
  maxExpirySeconds?: number
  maxValueSizeBytes?: number
}

interface Entry {
  value: string
  expiresAt: number
}

/** Generous defaults: a day of segment ids fits, and a reservoir of 1,500 plain emails fits in a few values. */
export const DEFAULT_MAX_EXPIRY_SECONDS = 7 * 24 * 3600
export const DEFAULT_MAX_VALUE_SIZE_BYTES = 64 * 1024

/**
 * An in-process stand-in for the runtime's `engageDestinationCache`: string values with an expiry, and a
 * set-if-absent that is atomic because the process is single-threaded. Several destination module instances
 * handed the same object share nothing else, which is how tests model several machines. An expired entry
 * reads as absent and is dropped on the next write, so a long run does not accumulate them.
 */
export class MemoryEngageCache implements EngageDestinationCache {
  readonly maxExpirySeconds: number
  readonly maxValueSizeBytes: number
  private readonly entries = new Map<string, Entry>()
  private readonly now: () => number

  constructor(options: MemoryEngageCacheOptions = {}) {
    this.now = options.now ?? Date.now
    this.maxExpirySeconds = options.maxExpirySeconds ?? DEFAULT_MAX_EXPIRY_SECONDS
    this.maxValueSizeBytes = options.maxValueSizeBytes ?? DEFAULT_MAX_VALUE_SIZE_BYTES
  }

  getByKey = async (key: string): Promise<string | null> => this.live(key)?.value ?? null

  setByKey = async (key: string, value: string, expiryInSeconds?: number): Promise<boolean> => {
    this.write(key, value, expiryInSeconds)
    return true
  }

  setByKeyNX = async (key: string, value: string, expiryInSeconds?: number): Promise<boolean> => {
    if (this.live(key)) return false
    this.write(key, value, expiryInSeconds)
    return true
  }

  delByKey = async (key: string): Promise<number> => {
    const existed = this.live(key) !== undefined
    this.entries.delete(key)
    return existed ? 1 : 0
  }

  /** Live keys, for tests that check what a sync left behind (never the values). */
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

  private write(key: string, value: string, expiryInSeconds: number | undefined): void {
    if (Buffer.byteLength(value) > this.maxValueSizeBytes) {
      throw new Error(`Value for ${key} exceeds maxValueSizeBytes (${this.maxValueSizeBytes}).`)
    }
    const seconds = Math.min(expiryInSeconds ?? this.maxExpirySeconds, this.maxExpirySeconds)
    const now = this.now()
    for (const [k, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(k)
    this.entries.set(key, { value, expiresAt: now + seconds * 1000 })
  }
}
