import Redis from 'ioredis'
import { MemoryEngageCache } from '../memory-engage-cache'
import { CoordinationUnavailableError, RedisEngageCache } from '../redis-engage-cache'
import { startRedis, type RedisProcess } from './helpers/redis-server'
import { freePort } from '../../testing/spawn-cli'

describe('MemoryEngageCache', () => {
  it('sets a key only when absent, and again once it expired', async () => {
    let now = 0
    const cache = new MemoryEngageCache({ now: () => now })
    expect(await cache.setByKeyNX('k', 'first', 10)).toBe(true)
    expect(await cache.setByKeyNX('k', 'second', 10)).toBe(false)
    expect(await cache.getByKey('k')).toBe('first')
    now += 10_000
    expect(await cache.getByKey('k')).toBeNull()
    expect(await cache.setByKeyNX('k', 'third', 10)).toBe(true)
    expect(await cache.getByKey('k')).toBe('third')
  })

  it('caps expiries at maxExpirySeconds, counts deletions, refuses values over maxValueSizeBytes', async () => {
    let now = 0
    const cache = new MemoryEngageCache({ now: () => now, maxExpirySeconds: 5, maxValueSizeBytes: 8 })
    await cache.setByKey('k', 'v', 3600)
    now += 5_000
    expect(await cache.getByKey('k')).toBeNull()
    await cache.setByKey('k', 'v')
    expect(await cache.delByKey('k')).toBe(1)
    expect(await cache.delByKey('k')).toBe(0)
    await expect(cache.setByKey('big', '123456789')).rejects.toThrow('maxValueSizeBytes')
  })
})

describe('RedisEngageCache on a real redis-server', () => {
  let redis: RedisProcess
  let cache: RedisEngageCache
  let probe: Redis

  beforeAll(async () => {
    redis = await startRedis()
    cache = await RedisEngageCache.connect(redis.url)
    probe = new Redis(redis.url)
  })
  afterAll(async () => {
    await cache?.close()
    await probe?.quit()
    await redis?.stop()
  })

  it('says clearly when nothing listens at the URL', async () => {
    const port = await freePort()
    await expect(RedisEngageCache.connect(`redis://127.0.0.1:${port}`, { timeoutMs: 500 })).rejects.toThrow(
      CoordinationUnavailableError
    )
  })

  it('implements setByKeyNX as SET NX EX: one winner among concurrent callers, with the expiry set', async () => {
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => cache.setByKeyNX('claim', `holder-${i}`, 30)))
    expect(wins.filter(Boolean)).toHaveLength(1)
    const winner = wins.indexOf(true)
    expect(await cache.getByKey('claim')).toBe(`holder-${winner}`)
    const ttl = await probe.ttl('claim')
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(30)
  })

  it('overwrites with setByKey, deletes with delByKey, and reads a missing key as null', async () => {
    expect(await cache.setByKey('window', 'open', 60)).toBe(true)
    expect(await cache.getByKey('window')).toBe('open')
    expect(await cache.delByKey('window')).toBe(1)
    expect(await cache.getByKey('window')).toBeNull()
  })

  it('caps expiries at maxExpirySeconds', async () => {
    const capped = await RedisEngageCache.connect(redis.url, { maxExpirySeconds: 100 })
    try {
      await capped.setByKey('long', 'v', 1_000_000)
      expect(await probe.ttl('long')).toBeLessThanOrEqual(100)
    } finally {
      await capped.close()
    }
  })
})
