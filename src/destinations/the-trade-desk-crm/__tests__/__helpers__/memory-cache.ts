import type { EngageDestinationCache } from '../../engine/store'
import { MemoryStore } from '../../engine/store'

/**
 * The runtime's engageDestinationCache, for tests inside this folder: the destination's own in-memory atomic store
 * behind the cache's four methods. Several destination instances handed the same object share it, as machines do.
 */
export function memoryCache(limits: { maxValueSizeBytes?: number } = {}): EngageDestinationCache {
  const store = new MemoryStore()
  return {
    maxExpirySeconds: 7 * 24 * 3600,
    maxValueSizeBytes: limits.maxValueSizeBytes ?? 64 * 1024,
    getByKey: async (key) => (await store.get(key)) ?? null,
    setByKey: async (key, value, seconds) => {
      await store.set(key, value, seconds ?? 60)
      return true
    },
    setByKeyNX: (key, value, seconds) => store.setIfAbsent(key, value, seconds ?? 60),
    delByKey: async (key) => {
      await store.delete(key)
      return 1
    }
  }
}
