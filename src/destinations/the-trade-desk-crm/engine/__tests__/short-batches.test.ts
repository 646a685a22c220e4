import { MIN_DISTINCT_IDENTIFIERS, RESERVOIR_LINES } from '../../constants'
import { sha256Base64 } from '../../pii'
import { addToPool, clearPool, keepReservoir, MAX_CHUNKS, readPool, readReservoir, topUpLines } from '../short-batches'
import { MemoryStore } from '../store'

const lines = (count: number, from = 0) => Array.from({ length: count }, (_, i) => sha256Base64(`p${from + i}`))
const quick = { waitMs: 50, pollMs: 5 }

describe('the pool of a target', () => {
  it('gathers short batches’ distinct lines and says when together they reach the minimum', async () => {
    const store = new MemoryStore()
    expect(await addToPool(store, 'pool', new Set(lines(1000)), quick)).toHaveLength(1000)
    // The same people again add nothing.
    expect(await addToPool(store, 'pool', new Set(lines(600, 500)), quick)).toHaveLength(1100)
    const reached = await addToPool(store, 'pool', new Set(lines(400, 1100)), quick)
    expect(reached).toHaveLength(MIN_DISTINCT_IDENTIFIERS)
    // Reaching the minimum is the caller's upload: the pool keeps what it held before.
    expect(await readPool(store, 'pool')).toHaveLength(1100)
    await clearPool(store, 'pool')
    expect(await readPool(store, 'pool')).toEqual([])
  })

  it('keeps lines apart across values the store can take, and reads them back whole', async () => {
    const store = new MemoryStore(Date.now, 2_000)
    await addToPool(store, 'pool', new Set(lines(1400)), quick)
    expect(new Set(await readPool(store, 'pool'))).toEqual(new Set(lines(1400)))
  })

  it('holds the events all the same when another batch’s pool write does not end in time', async () => {
    const store = new MemoryStore()
    await store.setIfAbsent('pool:claim', 'someone', 30)
    expect(await addToPool(store, 'pool', new Set(lines(10)), quick)).toHaveLength(10)
    expect(await readPool(store, 'pool')).toEqual([])
  })
})

describe('the reservoir of a window', () => {
  it(`keeps ${RESERVOIR_LINES} lines of an upload, once per window`, async () => {
    const store = new MemoryStore()
    await keepReservoir(store, 'r', lines(3000), 60)
    await keepReservoir(store, 'r', lines(3000, 5000), 60)
    expect(await readReservoir(store, 'r')).toEqual(lines(RESERVOIR_LINES))
  })

  it(`takes at most ${MAX_CHUNKS} values, whatever the store’s value size`, async () => {
    const store = new MemoryStore(Date.now, 200)
    await keepReservoir(store, 'r', lines(3000), 60)
    const kept = await readReservoir(store, 'r')
    expect(kept.length).toBeLessThan(RESERVOIR_LINES)
    expect(store.keys().filter((key) => key.startsWith('r:'))).toHaveLength(MAX_CHUNKS)
  })

  it('keeps nothing for an upload under the minimum or a window about to close', async () => {
    const store = new MemoryStore()
    await keepReservoir(store, 'short', lines(1499), 60)
    await keepReservoir(store, 'closing', lines(3000), 0.5)
    expect(store.keys()).toEqual([])
  })

  it('tops a batch up with lines it does not hold, as many as the minimum needs', () => {
    const batch = new Set(lines(1000, 900))
    const extra = topUpLines(batch, lines(RESERVOIR_LINES))
    expect(extra).toHaveLength(MIN_DISTINCT_IDENTIFIERS - 1000)
    expect(extra.some((line) => batch.has(line))).toBe(false)
    expect(topUpLines(new Set(lines(1500)), lines(10))).toEqual([])
  })
})
