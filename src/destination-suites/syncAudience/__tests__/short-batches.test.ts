import { StateContextStore } from '../../../local-runtime/state-context-store'
import { MemoryEngageCache } from '../../../local-runtime/memory-engage-cache'
import { MIN_DISTINCT_IDENTIFIERS, SYNC_WINDOW_HOURS } from '../../../destinations/the-trade-desk-crm/constants'
import { emailOf, enteredBatch, mapping } from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/events'
import { FakeTtd } from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/fake-ttd'
import { freshMachine } from '../../machines'
import { clock, HOUR } from '../../clock'
import { memberKeyOfEmail } from '../../../testing/audience-fixtures'
import {
  expectEachResult,
  runBatch,
  type EventResult
} from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/run-batch'

type Body = { mergeMode: string; distinctIdentifiers: number; topUpIdentifiers: number; pooledIdentifiers: number }
const body = (results: EventResult[]) => results[0].body as Body

/** One machine on the stateContext path (no cache), with a clock the test moves. */
function stateMachine(time = clock(), options = {}) {
  const state = new StateContextStore({ now: () => time.now })
  return freshMachine({}, { now: () => time.now, ...options }, state)
}

describe('a short batch inside an open window', () => {
  it('is topped up with hashed lines of this window and added: 3,000 + 1,000 end with all 4,000', async () => {
    const ttd = new FakeTtd()
    const machine = stateMachine()

    const first = await machine.run(enteredBatch(3000, 0))
    const short = await machine.run(enteredBatch(1000, 3000))

    expect(ttd.mergeModes()).toEqual(['Replace', 'Add'])
    expect(body(first)).toMatchObject({ mergeMode: 'Replace', distinctIdentifiers: 3000, topUpIdentifiers: 0 })
    expect(body(short)).toMatchObject({ mergeMode: 'Add', distinctIdentifiers: 1000, topUpIdentifiers: 500 })
    expect(short.every((result) => result.status === 200)).toBe(true)
    expect(short[0].sent).toBe(memberKeyOfEmail(emailOf(3000)))

    const upload = ttd.uploads.get(1) as string[]
    expect(new Set(upload).size).toBe(MIN_DISTINCT_IDENTIFIERS)
    const replaced = new Set(ttd.uploads.get(0))
    const own = new Set(Array.from({ length: 1000 }, (_, i) => memberKeyOfEmail(emailOf(3000 + i))))
    const extra = upload.filter((line) => !own.has(line))
    expect(extra).toHaveLength(500)
    expect(extra.every((line) => replaced.has(line))).toBe(true)
    expect(ttd.members.get('crm-1')?.size).toBe(4000)
  })

  it('is topped up with plain lines for a plain type, and no top-up line appears in any result', async () => {
    const ttd = new FakeTtd()
    const machine = stateMachine()
    const plain = { mapping: mapping({ pii_type: 'Email' }) }

    await machine.run(enteredBatch(3000, 0), plain)
    const short = await machine.run(enteredBatch(1000, 3000), plain)

    expect(body(short)).toMatchObject({ mergeMode: 'Add', topUpIdentifiers: 500 })
    const upload = ttd.uploads.get(1) as string[]
    const extra = upload.filter((line) => !/^person(3\d{3})@example\.com$/.test(line))
    expect(extra).toHaveLength(500)
    expect(extra.every((line) => /^person([0-2]?\d{1,3})@example\.com$/.test(line))).toBe(true)
    const reported = JSON.stringify(short)
    expect(extra.filter((line) => reported.includes(line))).toEqual([])
    expect(ttd.members.get('crm-1')?.size).toBe(4000)
  })

  it('is topped up across machines from the runtime cache, kept in values within maxValueSizeBytes', async () => {
    const ttd = new FakeTtd()
    const cache = new MemoryEngageCache({ maxValueSizeBytes: 4096 })
    const [a, b] = [freshMachine(cache), freshMachine(cache)]

    await a.run(enteredBatch(3000, 0))
    const short = await b.run(enteredBatch(1000, 3000))

    expect(body(short)).toMatchObject({ mergeMode: 'Add', topUpIdentifiers: 500 })
    expect(ttd.members.get('crm-1')?.size).toBe(4000)
    expect(cache.keys().filter((key) => key.includes(':reservoir:')).length).toBeGreaterThan(10)
  })

  it('is held when the reservoir the store could keep is too small to fill it, and goes out with the next one', async () => {
    const ttd = new FakeTtd()
    // 600-byte values: 64 of them hold about 700 hashed lines, not the 1,000 a batch of 500 needs.
    const cache = new MemoryEngageCache({ maxValueSizeBytes: 600 })
    const machine = freshMachine(cache)

    await machine.run(enteredBatch(3000, 0))
    const held = await machine.run(enteredBatch(500, 3000))
    expect(held[0]).toMatchObject({ status: 503, body: { code: 'HELD_FOR_MINIMUM', heldIdentifiers: 500 } })
    const next = await machine.run(enteredBatch(1000, 3500))

    expect(ttd.mergeModes()).toEqual(['Replace', 'Add'])
    expect(body(next)).toMatchObject({ mergeMode: 'Add', distinctIdentifiers: 1000, pooledIdentifiers: 500 })
    expect(ttd.members.get('crm-1')?.size).toBe(4500)
  })

  it('is not topped up from an expired window: it would be a Replace, so it is held and nothing is sent', async () => {
    const time = clock()
    const ttd = new FakeTtd()
    const machine = stateMachine(time)

    await machine.run(enteredBatch(3000, 0))
    time.advance(SYNC_WINDOW_HOURS * HOUR + 1)
    const held = await machine.run(enteredBatch(1000, 3000))

    expect(held[0]).toMatchObject({ status: 503, body: { code: 'HELD_FOR_MINIMUM' } })
    expect(ttd.mergeModes()).toEqual(['Replace'])
    expect(ttd.members.get('crm-1')?.size).toBe(3000)
  })
})

describe('a short batch that would start the sync', () => {
  it('is held; the bigger batch after it takes its people along in the Replace; its retry is topped up', async () => {
    const time = clock()
    const ttd = new FakeTtd()
    const machine = stateMachine(time)
    const short = enteredBatch(1000, 3000)

    const held = await machine.run(short)
    expect(held).toHaveLength(1000)
    expect(held[0]).toMatchObject({ status: 503, body: { code: 'HELD_FOR_MINIMUM', distinctIdentifiers: 1000 } })
    expect(ttd.creates + ttd.drops.length).toBe(0) // a held batch never creates a segment
    time.advance(5 * 60_000)
    const big = await machine.run(enteredBatch(3000, 0))
    expect(body(big)).toMatchObject({ mergeMode: 'Replace', distinctIdentifiers: 3000, pooledIdentifiers: 1000 })
    expect(ttd.members.get('crm-1')?.size).toBe(4000)
    time.advance(5 * 60_000)
    const retried = await machine.run(short)

    expect(ttd.mergeModes()).toEqual(['Replace', 'Add'])
    expect(body(retried)).toMatchObject({ mergeMode: 'Add', distinctIdentifiers: 1000, topUpIdentifiers: 500 })
    expect(retried.every((result) => result.status === 200)).toBe(true)
    expect(ttd.members.get('crm-1')?.size).toBe(4000)
  })

  it('are pooled when every batch is short, until together they reach the minimum: 1,000 + 800', async () => {
    const ttd = new FakeTtd()
    const machine = stateMachine()
    const first = enteredBatch(1000, 0)

    const held = await machine.run(first)
    const second = await machine.run(enteredBatch(800, 1000))
    expect(body(second)).toMatchObject({ mergeMode: 'Replace', distinctIdentifiers: 800, pooledIdentifiers: 1000 })
    const retried = await machine.run(first)

    expect(held[0].body).toMatchObject({ code: 'HELD_FOR_MINIMUM' })
    expect(body(retried)).toMatchObject({ mergeMode: 'Add', topUpIdentifiers: 500 })
    expect(ttd.mergeModes()).toEqual(['Replace', 'Add'])
    expect(ttd.drops.map((drop) => new Set(ttd.uploads.get(drop.n)).size)).toEqual([1800, 1500])
    expect(ttd.members.get('crm-1')?.size).toBe(1800)
  })

  it('of an audience below the minimum is never uploaded, and every answer explains the minimum', async () => {
    const time = clock()
    const ttd = new FakeTtd()
    const machine = stateMachine(time)
    const alone = enteredBatch(1000)

    for (let attempt = 0; attempt < 4; attempt++) {
      const results = await machine.run(alone)
      expect(results).toHaveLength(1000)
      expectEachResult(results, {
        status: 503,
        body: { code: 'HELD_FOR_MINIMUM', heldIdentifiers: 1000 },
        errormessage: expect.stringMatching(/minimum: an upload must hold at least 1,500 distinct people/)
      })
      expect(JSON.stringify(results)).not.toMatch(/Segment will retry/)
      time.advance(HOUR)
    }
    expect(ttd.creates + ttd.drops.length).toBe(0)
  })

  it('fails at once with the "too few" reason when the runtime gives no store to hold it in', async () => {
    const ttd = new FakeTtd()
    const results = await runBatch(enteredBatch(1000))
    expect(results[0]).toMatchObject({ status: 400, body: { code: 'BELOW_MINIMUM' } })
    expect(results[0].errormessage).toMatch(/^Too few distinct identifiers to upload: 1,000 found/)
    expect(ttd.drops).toHaveLength(0)
  })
})
