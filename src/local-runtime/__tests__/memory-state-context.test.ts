import { MemoryStateContext, ttlToMs } from '../memory-state-context'

describe('MemoryStateContext', () => {
  function clock(start = 1_000_000) {
    let now = start
    return { now: () => now, advance: (ms: number) => (now += ms) }
  }

  it('returns what was set until the TTL runs out, then nothing', () => {
    const time = clock()
    const state = new MemoryStateContext(time.now)
    state.setResponseContext('window', 'open', { minute: 2 })

    expect(state.getRequestContext('window')).toBe('open')
    time.advance(119_999)
    expect(state.getRequestContext('window')).toBe('open')
    time.advance(1)
    expect(state.getRequestContext('window')).toBeUndefined()
  })

  it('answers through the callback too, as the runtime allows', () => {
    const state = new MemoryStateContext()
    state.setResponseContext('k', 'v', { second: 30 })
    const seen: (string | undefined)[] = []
    state.getRequestContext('k', (value) => seen.push(value))
    state.getRequestContext('missing', (value) => seen.push(value))
    expect(seen).toEqual(['v', undefined])
  })

  it('overwrites a key with the new value and TTL', () => {
    const time = clock()
    const state = new MemoryStateContext(time.now)
    state.setResponseContext('k', 'first', { hour: 1 })
    state.setResponseContext('k', 'second', { second: 1 })
    expect(state.getRequestContext('k')).toBe('second')
    time.advance(1_000)
    expect(state.getRequestContext('k')).toBeUndefined()
  })

  it('treats a zero TTL as a delete and drops expired entries from its count', () => {
    const time = clock()
    const state = new MemoryStateContext(time.now)
    state.setResponseContext('a', '1', { second: 5 })
    state.setResponseContext('b', '2', { hour: 1 })
    state.setResponseContext('b', '3', {})
    expect(state.getRequestContext('b')).toBeUndefined()
    expect(state.size).toBe(1)
    time.advance(5_000)
    expect(state.size).toBe(0)
  })

  it('adds up hours, minutes and seconds', () => {
    expect(ttlToMs({ hour: 1, minute: 2, second: 3 })).toBe(3_723_000)
    expect(ttlToMs({})).toBe(0)
  })
})
