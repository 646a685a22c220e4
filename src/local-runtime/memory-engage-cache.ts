import { MemoryStore, type EngageDestinationCache } from '../destinations/the-trade-desk-crm/engine/store'

export interface MemoryEngageCacheOptions {
  /** Injectable so tests can let claims and windows expire without waiting. */
  now?: () => number
  maxExpirySeconds?: number
  maxValueSizeBytes?: number
}

/** Generous defaults: a day of segment ids fits, and a reservoir of 1,500 plain emails fits in a few values. */
export const DEFAULT_MAX_EXPIRY_SECONDS = 7 * 24 * 3600
export const DEFAULT_MAX_VALUE_SIZE_BYTES = 64 * 1024

/**
 * An in-process stand-in for the runtime's `engageDestinationCache`: the destination's own in-memory atomic store
 * (string values with an expiry, a set-if-absent that is atomic because the process is single-threaded) behind the
 * cache's four methods and limits. Several destination module instances handed the same object share nothing else,
 * which is how tests model several machines.
 */
export class MemoryEngageCache implements EngageDestinationCache {
  readonly maxExpirySeconds: number
  readonly maxValueSizeBytes: number
  private readonly store: MemoryStore

  constructor(options: MemoryEngageCacheOptions = {}) {
    this.maxExpirySeconds = options.maxExpirySeconds ?? DEFAULT_MAX_EXPIRY_SECONDS
    this.maxValueSizeBytes = options.maxValueSizeBytes ?? DEFAULT_MAX_VALUE_SIZE_BYTES
    this.store = new MemoryStore(options.now ?? Date.now, this.maxValueSizeBytes)
  }

  getByKey = async (key: string): Promise<string | null> => (await this.store.get(key)) ?? null

  setByKey = async (key: string, value: string, expiryInSeconds?: number): Promise<boolean> => {
    await this.store.set(key, value, this.seconds(expiryInSeconds))
    return true
  }

  setByKeyNX = (key: string, value: string, expiryInSeconds?: number): Promise<boolean> =>
    this.store.setIfAbsent(key, value, this.seconds(expiryInSeconds))

  delByKey = async (key: string): Promise<number> => {
    const existed = (await this.store.get(key)) !== undefined
    await this.store.delete(key)
    return existed ? 1 : 0
  }

  /** Live keys, for tests that check what a sync left behind (never the values). */
  keys(): string[] {
    return this.store.keys()
  }

  private seconds(expiryInSeconds: number | undefined): number {
    return Math.min(expiryInSeconds ?? this.maxExpirySeconds, this.maxExpirySeconds)
  }
}
