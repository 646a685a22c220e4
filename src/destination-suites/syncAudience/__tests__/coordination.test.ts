import { MemoryEngageCache } from '../../../local-runtime/memory-engage-cache'
import { segmentClaimKey, windowKey } from '../../../destinations/the-trade-desk-crm/engine/keys'
import { SEGMENT_CLAIM_SECONDS, SYNC_WINDOW_HOURS } from '../../../destinations/the-trade-desk-crm/constants'
import { enteredBatch } from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/events'
import { FakeTtd, ADV } from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/fake-ttd'
import { freshMachine } from '../../machines'
import { clock, HOUR } from '../../clock'
import type { EventResult } from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/run-batch'

const body = (results: EventResult[]) => results[0].body as { crmDataId: string; mergeMode: string }

/** Three slices of one audience of 4,500, one per machine. */
const slices = [enteredBatch(1500, 0), enteredBatch(1500, 1500), enteredBatch(1500, 3000)]

describe('several machines sharing only the runtime cache', () => {
  it('create a missing segment once and agree on its CrmDataId', async () => {
    const ttd = new FakeTtd()
    ttd.apiDelayMs = 50
    const cache = new MemoryEngageCache()
    const machines = [freshMachine(cache), freshMachine(cache), freshMachine(cache)]

    const results = await Promise.all(machines.map((machine, i) => machine.run(slices[i])))

    expect(ttd.creates).toBe(1)
    expect(ttd.lists).toBe(1)
    expect(results.map((r) => body(r).crmDataId)).toEqual(['crm-1', 'crm-1', 'crm-1'])
    expect(ttd.members.get('crm-1')?.size).toBe(4500)
  })

  it('replace once per sync and add nothing before the Replace is stored, even with a slow first upload', async () => {
    const ttd = new FakeTtd()
    ttd.seedSegment('crm-1', 'High Value')
    ttd.members.get('crm-1')?.add('yesterday-only')
    ttd.onUpload(0, { delayMs: 300 })
    const cache = new MemoryEngageCache()
    const machines = [freshMachine(cache), freshMachine(cache), freshMachine(cache)]

    const results = await Promise.all(machines.map((machine, i) => machine.run(slices[i])))

    expect(ttd.mergeModes()).toEqual(['Replace', 'Add', 'Add'])
    // The Adds were requested only after the Replace's file was stored.
    expect(ttd.log.indexOf('upload 0 200')).toBeLessThan(ttd.log.indexOf('drop 1 Add'))
    expect(results.map((r) => body(r).mergeMode).sort()).toEqual(['Add', 'Add', 'Replace'])
    expect(ttd.members.get('crm-1')?.size).toBe(4500)
    expect(ttd.members.get('crm-1')?.has('yesterday-only')).toBe(false)
  })

  it('hand a failed Replace on to the next batch, which replaces; the failed batch later adds', async () => {
    const ttd = new FakeTtd()
    ttd.seedSegment('crm-1', 'High Value')
    ttd.onUpload(0, { delayMs: 100, status: 500 })
    const cache = new MemoryEngageCache()
    const [a, b] = [freshMachine(cache), freshMachine(cache)]

    const first = a.run(slices[0])
    await new Promise((resolve) => setTimeout(resolve, 20)) // a holds the claim before b arrives
    const [aResults, bResults] = await Promise.all([first, b.run(slices[1])])
    expect(aResults[0]).toMatchObject({ status: 500, body: { code: 'TTD_UNAVAILABLE', stored: 'no' } })
    expect(body(bResults).mergeMode).toBe('Replace')

    const retried = await a.run(slices[0])
    expect(ttd.mergeModes()).toEqual(['Replace', 'Replace', 'Add'])
    expect(body(retried).mergeMode).toBe('Add')
    expect(ttd.members.get('crm-1')?.size).toBe(3000)
  })

  it('count a Replace whose upload got no answer as applied: later batches and its retry add', async () => {
    const ttd = new FakeTtd()
    ttd.seedSegment('crm-1', 'High Value')
    ttd.onUpload(0, { storeThenHang: 1_000 })
    const cache = new MemoryEngageCache()
    const a = freshMachine(cache, { uploadTimeoutBaseMs: 100 })
    const b = freshMachine(cache)

    const unanswered = await a.run(slices[0])
    expect(unanswered[0]).toMatchObject({ status: 504, body: { code: 'TTD_UNREACHABLE', stored: 'maybe' } })
    const bResults = await b.run(slices[1])
    const retried = await a.run(slices[0])

    // A second Replace would have wiped b's people had the first one been stored late.
    expect(ttd.mergeModes()).toEqual(['Replace', 'Add', 'Add'])
    expect(body(bResults).mergeMode).toBe('Add')
    expect(body(retried).mergeMode).toBe('Add')
    expect(ttd.members.get('crm-1')?.size).toBe(3000)
  })

  it('wait a bounded time behind a claim whose holder died, then take over once it expires', async () => {
    const time = clock()
    const ttd = new FakeTtd()
    ttd.seedSegment('crm-1', 'High Value')
    const cache = new MemoryEngageCache({ now: () => time.now })
    // A machine claimed the window (about to Replace) and died without a word.
    await cache.setByKeyNX(windowKey(ADV, 'crm-1'), JSON.stringify({ state: 'claimed', holder: 'dead' }), 60)
    const b = freshMachine(cache, { waits: { waitMs: 50, pollMs: 5 } })

    const waited = await b.run(slices[1])
    expect(waited[0]).toMatchObject({ status: 503, body: { code: 'SEGMENT_BUSY' } })
    expect(waited[0].errormessage).toContain('still running in another batch')
    expect(ttd.drops).toHaveLength(0)

    time.advance(61_000)
    const retried = await b.run(slices[1])
    expect(body(retried).mergeMode).toBe('Replace')
    expect(ttd.members.get('crm-1')?.size).toBe(1500)
  })

  it('wait behind a dead holder of a segment name, then create it once the claim expires', async () => {
    const time = clock()
    const ttd = new FakeTtd()
    const cache = new MemoryEngageCache({ now: () => time.now })
    // The holder's lookup never ends, as if its machine died mid-listing.
    await cache.setByKeyNX(segmentClaimKey(ADV, 'US', 'High Value'), 'dead-holder', SEGMENT_CLAIM_SECONDS)
    const b = freshMachine(cache, { waits: { waitMs: 50, pollMs: 5 } })

    const waited = await b.run(slices[0])
    expect(waited[0]).toMatchObject({ status: 503, body: { code: 'SEGMENT_BUSY' } })
    expect(waited[0].errormessage).toContain('looking up or creating the CRM segment "High Value"')
    expect(ttd.lists).toBe(0)

    time.advance(SEGMENT_CLAIM_SECONDS * 1000 + 1)
    const retried = await b.run(slices[0])
    expect(body(retried)).toMatchObject({ crmDataId: 'crm-1', mergeMode: 'Replace' })
    expect(ttd.creates).toBe(1)
  })

  it("replace again at the next day's sync, once the window has expired, without looking the segment up", async () => {
    const time = clock()
    const ttd = new FakeTtd()
    const cache = new MemoryEngageCache({ now: () => time.now })
    const machines = [freshMachine(cache), freshMachine(cache)]

    await machines[0].run(slices[0])
    await machines[1].run(slices[1])
    time.advance(SYNC_WINDOW_HOURS * HOUR + 1)
    const nextDay = await machines[1].run(slices[2])

    expect(ttd.mergeModes()).toEqual(['Replace', 'Add', 'Replace'])
    expect(body(nextDay).mergeMode).toBe('Replace')
    expect(ttd.members.get('crm-1')?.size).toBe(1500)
    expect(ttd.creates).toBe(1)
    expect(ttd.lists).toBe(1)
  })
})

describe('a cache that fails', () => {
  it('makes the events retryable and uploads nothing, rather than going on uncoordinated', async () => {
    const ttd = new FakeTtd()
    ttd.seedSegment('crm-1', 'High Value')
    const cache = new MemoryEngageCache()
    cache.setByKeyNX = async () => {
      throw new Error('connection lost')
    }
    const machine = freshMachine(cache)

    const results = await machine.run(slices[0])
    expect(results[0]).toMatchObject({ status: 503, body: { code: 'STORE_FAILED' } })
    expect(results[0].errormessage).toContain('The runtime cache that coordinates batches')
    expect(ttd.drops).toHaveLength(0)
  })
})

describe('without a usable cache', () => {
  it.each([
    ['none', {}],
    ['one without its methods', { getByKey: 'nope' }],
    ['one whose expiries cannot hold a sync window', new MemoryEngageCache({ maxExpirySeconds: 60 })]
  ])('uses the stateContext with %s: one machine replaces, then adds', async (_label, cache) => {
    const ttd = new FakeTtd()
    ttd.seedSegment('crm-1', 'High Value')
    const machine = freshMachine(cache)

    await machine.run(slices[0])
    await machine.run(slices[1])

    expect(ttd.mergeModes()).toEqual(['Replace', 'Add'])
    expect(ttd.lists).toBe(1)
    // In the stateContext: the segment id, the window, and the window's top-up reservoir (1,500 hashed lines
    // of 45 bytes in 16 KB values: 5 of them, and their header).
    expect(machine.state.size).toBe(8)
    expect(ttd.members.get('crm-1')?.size).toBe(3000)
  })

  it('cannot coordinate machines: two of them each replace (the limit the README states)', async () => {
    const ttd = new FakeTtd()
    ttd.seedSegment('crm-1', 'High Value')
    const [a, b] = [freshMachine({}), freshMachine({})]
    await Promise.all([a.run(slices[0]), b.run(slices[1])])
    expect(ttd.mergeModes()).toEqual(['Replace', 'Replace'])
  })
})
