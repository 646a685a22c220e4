import type { StateContext } from '@segment/actions-core'
import { CoordinationError } from '../../errors'
import { cacheStore, MemoryStore, stateStore, storeFor } from '../store'
import { memoryCache } from '../../__tests__/__helpers__/memory-cache'

/** A stateContext as the runtime hands it to one invocation: what came with the request, and what it sets. */
function invocationState(request: Record<string, string> = {}) {
  const writes: { key: string; value: string; ttl: unknown }[] = []
  const context: StateContext = {
    getRequestContext: (key: string) => request[key],
    setResponseContext: (key: string, value: string, ttl: { hour?: number; minute?: number; second?: number }) =>
      void writes.push({ key, value, ttl })
  }
  return { context, writes }
}

function cacheOver(overrides: Record<string, unknown> = {}) {
  return { ...memoryCache({ maxValueSizeBytes: 32 * 1024 }), ...overrides }
}

describe('the stateContext as a store: request in, response out', () => {
  it('reads what came with the request and never its own writes', async () => {
    const { context, writes } = invocationState({ a: 'from an earlier invocation' })
    const store = stateStore(context)!
    await store.set('a', 'written now', 90)
    await store.set('b', 'written now', 90)
    expect(await store.get('a')).toBe('from an earlier invocation')
    expect(await store.get('b')).toBeUndefined()
    expect(writes).toEqual([
      { key: 'a', value: 'written now', ttl: { second: 90 } },
      { key: 'b', value: 'written now', ttl: { second: 90 } }
    ])
  })

  it('is not atomic: setIfAbsent only says what the request held', async () => {
    const { context, writes } = invocationState({ held: 'x' })
    const store = stateStore(context)!
    expect(store.atomic).toBe(false)
    expect(await store.setIfAbsent('held', 'y', 10)).toBe(false)
    expect(await store.setIfAbsent('free', 'y', 10)).toBe(true)
    // No request value yet: a second setIfAbsent in the same invocation cannot see the first.
    expect(await store.setIfAbsent('free', 'z', 10)).toBe(true)
    expect(writes.map((w) => w.value)).toEqual(['y', 'z'])
  })

  it('deletes by writing an empty value that lives one second, and reads an empty value as absent', async () => {
    const { context, writes } = invocationState({ gone: '' })
    const store = stateStore(context)!
    await store.delete('k')
    expect(writes).toEqual([{ key: 'k', value: '', ttl: { second: 1 } }])
    expect(await store.get('gone')).toBeUndefined()
  })

  it('is none when the runtime hands over no usable stateContext', () => {
    expect(stateStore(undefined)).toBeUndefined()
    expect(stateStore({})).toBeUndefined()
    expect(stateStore({ getRequestContext: 'nope', setResponseContext: () => undefined })).toBeUndefined()
  })
})

describe('the runtime cache as a store', () => {
  it('is atomic, and takes its value size from the cache', async () => {
    const store = cacheStore(cacheOver())!
    expect(store).toMatchObject({ kind: 'cache', atomic: true, maxValueBytes: 32 * 1024 })
    expect(await store.setIfAbsent('k', 'first', 10)).toBe(true)
    expect(await store.setIfAbsent('k', 'second', 10)).toBe(false)
    expect(await store.get('k')).toBe('first')
  })

  it('caps every expiry at the cache’s maxExpirySeconds', async () => {
    const seen: number[] = []
    const cache = cacheOver({
      maxExpirySeconds: 8 * 3600,
      setByKey: async (_k: string, _v: string, seconds?: number) => (seen.push(seconds ?? -1), true)
    })
    await cacheStore(cache)!.set('k', 'v', 24 * 3600)
    expect(seen).toEqual([8 * 3600])
  })

  it.each([
    ['no cache', undefined],
    ['actions-core’s empty stand-in', {}],
    ['a cache without its methods', { getByKey: 'nope' }],
    ['a cache whose expiries cannot hold a 6-hour window', cacheOver({ maxExpirySeconds: 3600 })]
  ])('is not used for %s: the stateContext is', (_label, cache) => {
    const { context } = invocationState()
    expect(cacheStore(cache)).toBeUndefined()
    expect(storeFor({ engageDestinationCache: cache, stateContext: context })?.kind).toBe('state')
  })

  it('is preferred to the stateContext when both are usable', () => {
    expect(storeFor({ engageDestinationCache: cacheOver(), stateContext: invocationState().context })?.kind).toBe(
      'cache'
    )
  })

  it('turns a failing cache call into a coordination error the batch retries', async () => {
    const store = cacheStore(cacheOver({ getByKey: async () => Promise.reject(new Error('down')) }))!
    const error = await store.get('k').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CoordinationError)
    expect(error).toMatchObject({ code: 'STORE_FAILED', status: 503 })
  })
})

describe('the in-memory atomic store', () => {
  it('forgets a value when its time is up', async () => {
    let now = 0
    const store = new MemoryStore(() => now)
    await store.set('k', 'v', 10)
    now = 9_999
    expect(await store.get('k')).toBe('v')
    now = 10_000
    expect(await store.get('k')).toBeUndefined()
    expect(await store.setIfAbsent('k', 'again', 10)).toBe(true)
  })

  it('refuses a value over its size', async () => {
    const store = new MemoryStore(Date.now, 8)
    await expect(store.set('k', '123456789', 10)).rejects.toThrow('exceeds')
  })
})
