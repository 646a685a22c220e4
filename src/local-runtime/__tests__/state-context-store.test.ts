import { StateContextStore, ttlToMs, type StateContextStoreError, type StateTtl } from '../state-context-store'

function clock(start = 1_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

/** Writes `value` under `key` in one invocation that returns. */
async function written(store: StateContextStore, key: string, value: string, ttl: StateTtl = { hour: 1 }) {
  await store.run((context) => context.setResponseContext(key, value, ttl))
}

const read = (store: StateContextStore, key: string) => store.run((context) => context.getRequestContext(key))

describe('StateContextStore: request in, response out', () => {
  it('does not let an invocation read its own writes', () => {
    const store = new StateContextStore()
    const { context, settle } = store.begin()
    context.setResponseContext('window', 'open', { hour: 1 })
    expect(context.getRequestContext('window')).toBeUndefined()
    settle('returned')
  })

  it('shows a returned invocation’s writes to invocations that begin after it settled, not before', async () => {
    const store = new StateContextStore()
    const writer = store.begin()
    const before = store.begin()
    writer.context.setResponseContext('window', 'open', { hour: 1 })
    const during = store.begin()
    writer.settle('returned')
    const after = store.begin()

    expect(before.context.getRequestContext('window')).toBeUndefined()
    expect(during.context.getRequestContext('window')).toBeUndefined()
    expect(after.context.getRequestContext('window')).toBe('open')
  })

  it('keeps two invocations in flight apart; the one that settles last wins a key both wrote', async () => {
    const store = new StateContextStore()
    const a = store.begin()
    const b = store.begin()
    a.context.setResponseContext('k', 'from a', { hour: 1 })
    b.context.setResponseContext('k', 'from b', { hour: 1 })
    b.context.setResponseContext('only-b', 'b', { hour: 1 })
    expect(a.context.getRequestContext('only-b')).toBeUndefined()

    b.settle('returned')
    expect(await read(store, 'k')).toBe('from b')
    a.settle('returned')
    expect(await read(store, 'k')).toBe('from a')
    expect(await read(store, 'only-b')).toBe('b')
  })

  it('keeps the last of several writes to one key within an invocation', async () => {
    const store = new StateContextStore()
    await store.run((context) => {
      context.setResponseContext('k', 'first', { hour: 1 })
      context.setResponseContext('k', 'second', { hour: 1 })
    })
    expect(await read(store, 'k')).toBe('second')
  })
})

describe('StateContextStore: invocations that throw', () => {
  it('loses their writes by default, run() settling by how the function ended', async () => {
    const store = new StateContextStore()
    await expect(
      store.run((context) => {
        context.setResponseContext('deferred-since', '123', { hour: 6 })
        throw new Error('retry me')
      })
    ).rejects.toThrow('retry me')
    expect(await read(store, 'deferred-since')).toBeUndefined()
    expect(store.size).toBe(0)
  })

  it('loses the writes of an async function that rejects after writing', async () => {
    const store = new StateContextStore()
    await expect(
      store.run(async (context) => {
        context.setResponseContext('k', 'v', { hour: 1 })
        await Promise.resolve()
        throw new Error('late failure')
      })
    ).rejects.toThrow('late failure')
    expect(store.size).toBe(0)
  })

  it('keeps them when built with thrownWrites: kept', async () => {
    const store = new StateContextStore({ thrownWrites: 'kept' })
    const invocation = store.begin()
    invocation.context.setResponseContext('deferred-since', '123', { hour: 6 })
    invocation.settle('threw')
    expect(await read(store, 'deferred-since')).toBe('123')
  })

  it('returns what the function returned and keeps its writes when it returns', async () => {
    const store = new StateContextStore()
    const result = await store.run(async (context) => {
      context.setResponseContext('k', 'v', { second: 30 })
      return 42
    })
    expect(result).toBe(42)
    expect(await read(store, 'k')).toBe('v')
  })
})

describe('StateContextStore: TTLs on the injected clock', () => {
  it('counts a TTL from when the invocation settled', async () => {
    const time = clock()
    const store = new StateContextStore({ now: time.now })
    const invocation = store.begin()
    invocation.context.setResponseContext('window', 'open', { minute: 2 })
    time.advance(30_000)
    invocation.settle('returned')

    time.advance(119_999)
    expect(await read(store, 'window')).toBe('open')
    time.advance(1)
    expect(await read(store, 'window')).toBeUndefined()
  })

  it('lets an invocation read, until it ends, a value that expires while it runs: it came with the request', () => {
    const time = clock()
    const store = new StateContextStore({ now: time.now })
    const seed = store.begin()
    seed.context.setResponseContext('id', 'crm-1', { second: 10 })
    seed.settle('returned')

    const { context, settle } = store.begin()
    time.advance(60_000)
    expect(context.getRequestContext('id')).toBe('crm-1')
    settle('returned')
    expect(store.begin().context.getRequestContext('id')).toBeUndefined()
  })

  it('removes a key written with a zero TTL and drops expired entries from its count', async () => {
    const time = clock()
    const store = new StateContextStore({ now: time.now })
    await written(store, 'a', '1', { second: 5 })
    await written(store, 'b', '2')
    await written(store, 'b', '3', {})
    expect(await read(store, 'b')).toBeUndefined()
    expect(store.size).toBe(1)
    time.advance(5_000)
    expect(store.size).toBe(0)
  })

  it('adds up hours, minutes and seconds', () => {
    expect(ttlToMs({ hour: 1, minute: 2, second: 3 })).toBe(3_723_000)
    expect(ttlToMs({})).toBe(0)
  })
})

describe('StateContextStore: the context’s shape and misuse', () => {
  it('answers through the callback too, as the runtime allows', async () => {
    const store = new StateContextStore()
    await written(store, 'k', 'v')
    const seen: (string | undefined)[] = []
    await store.run((context) => {
      context.getRequestContext('k', (value) => seen.push(value))
      context.getRequestContext('missing', (value) => seen.push(value))
    })
    expect(seen).toEqual(['v', undefined])
  })

  it('refuses to settle an invocation twice, with a code', () => {
    const invocation = new StateContextStore().begin()
    invocation.settle('returned')
    let caught: unknown
    try {
      invocation.settle('threw')
    } catch (error) {
      caught = error
    }
    expect((caught as StateContextStoreError).code).toBe('ALREADY_SETTLED')
  })

  it('drops writes made after the invocation settled: the response has gone', async () => {
    const store = new StateContextStore()
    const invocation = store.begin()
    invocation.settle('returned')
    invocation.context.setResponseContext('late', 'v', { hour: 1 })
    expect(await read(store, 'late')).toBeUndefined()
  })

  it('refuses a value that is not text, with a code', () => {
    const { context } = new StateContextStore().begin()
    expect(() => context.setResponseContext('k', 42 as never, { hour: 1 })).toThrow(
      expect.objectContaining({ code: 'VALUE_NOT_TEXT' })
    )
  })
})
