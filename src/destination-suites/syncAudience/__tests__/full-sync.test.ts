import nock from 'nock'
import { StateContextStore } from '../../../local-runtime/state-context-store'
import { SYNC_WINDOW_HOURS } from '../../../destinations/the-trade-desk-crm/constants'
import { segmentIdKey } from '../../../destinations/the-trade-desk-crm/engine/keys'
import {
  FakeTtd,
  API,
  ADV,
  newCapture,
  nockCreate,
  nockDrop,
  nockSegments,
  nockUpload,
  uploadedLines,
  type Captured
} from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/fake-ttd'
import { enteredBatch } from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/events'
import { runBatch } from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/run-batch'
import { clock, HOUR } from '../../clock'

function nockDropAndUpload(crmDataId: string, capture: Captured, n: number, status = 200): void {
  nockDrop(crmDataId, capture, `/upload/${crmDataId}/${n}`)
  nockUpload(capture, `/upload/${crmDataId}/${n}`, status)
}

const mergeModes = (capture: Captured) => capture.dropBodies.map((b) => (b as { MergeMode: string }).MergeMode)

describe('a full sync delivered in several batches', () => {
  it('replaces with the first batch and adds the others, resolving the segment only once', async () => {
    const time = clock()
    const state = new StateContextStore({ now: () => time.now })
    const capture = newCapture()
    nockSegments([])
    nockCreate('crm-1', capture)
    for (let n = 0; n < 3; n++) nockDropAndUpload('crm-1', capture, n)

    const batches = [enteredBatch(1500, 0), enteredBatch(1500, 1500), enteredBatch(1500, 3000)]
    const results = []
    for (const batch of batches) {
      results.push(await runBatch(batch, { state }))
      time.advance(10 * 60_000)
    }

    expect(mergeModes(capture)).toEqual(['Replace', 'Add', 'Add'])
    expect(capture.createBodies).toHaveLength(1)
    expect(capture.uploads.map((_, i) => uploadedLines(capture, i).length)).toEqual([1500, 1500, 1500])
    const everyone = new Set(capture.uploads.flatMap((_, i) => uploadedLines(capture, i)))
    expect(everyone.size).toBe(4500)
    expect(results.map((r) => (r[0].body as { mergeMode: string }).mergeMode)).toEqual(['Replace', 'Add', 'Add'])
    // Listing and creation happened for the first batch only: nock would have thrown on any other call.
    expect(nock.isDone()).toBe(true)
  })

  it('keeps the window closed when the first upload fails, so the retry still replaces', async () => {
    const state = new StateContextStore()
    const capture = newCapture()
    nockSegments([{ CrmDataId: 'crm-1', SegmentName: 'High Value', Region: 'US' }])
    nockDropAndUpload('crm-1', capture, 0, 503)
    nockDropAndUpload('crm-1', capture, 1)

    const batch = enteredBatch(1500)
    const failed = await runBatch(batch, { state })
    expect(failed[0]).toMatchObject({ status: 503, body: { code: 'TTD_UNAVAILABLE', stored: 'no' } })
    const retried = await runBatch(batch, { state })

    expect(mergeModes(capture)).toEqual(['Replace', 'Replace'])
    expect(retried[0]).toMatchObject({ status: 200, body: { mergeMode: 'Replace' } })
  })

  it('starts with Replace again once the window has expired', async () => {
    const time = clock()
    const state = new StateContextStore({ now: () => time.now })
    const capture = newCapture()
    nockSegments([{ CrmDataId: 'crm-1', SegmentName: 'High Value', Region: 'US' }])
    for (let n = 0; n < 3; n++) nockDropAndUpload('crm-1', capture, n)

    await runBatch(enteredBatch(1500), { state })
    time.advance(SYNC_WINDOW_HOURS * HOUR - 60_000)
    await runBatch(enteredBatch(1500, 1500), { state })
    time.advance(2 * 60_000) // the window is fixed from the first upload: the Add above did not extend it
    await runBatch(enteredBatch(1500), { state })

    expect(mergeModes(capture)).toEqual(['Replace', 'Add', 'Replace'])
  })

  it('replaces every time and looks the segment up every time without a stateContext', async () => {
    const capture = newCapture()
    for (let n = 0; n < 2; n++) {
      nockSegments([{ CrmDataId: 'crm-1', SegmentName: 'High Value', Region: 'US' }])
      nockDropAndUpload('crm-1', capture, n)
    }
    await runBatch(enteredBatch(1500))
    await runBatch(enteredBatch(1500, 1500))
    expect(mergeModes(capture)).toEqual(['Replace', 'Replace'])
    expect(nock.isDone()).toBe(true)
  })

  it('treats a stateContext without its methods as none', async () => {
    const capture = newCapture()
    for (let n = 0; n < 2; n++) {
      nockSegments([{ CrmDataId: 'crm-1', SegmentName: 'High Value', Region: 'US' }])
      nockDropAndUpload('crm-1', capture, n)
    }
    const broken = { getRequestContext: 'nope' } as never
    await runBatch(enteredBatch(1500), { stateContext: broken })
    await runBatch(enteredBatch(1500, 1500), { stateContext: broken })
    expect(mergeModes(capture)).toEqual(['Replace', 'Replace'])
  })
})

describe('the segment id cache', () => {
  it('forgets an id TTD no longer knows and looks the name up again in the same batch', async () => {
    const state = new StateContextStore()
    const capture = newCapture()
    nockSegments([{ CrmDataId: 'crm-old', SegmentName: 'High Value', Region: 'US' }])
    nockDropAndUpload('crm-old', capture, 0)
    await runBatch(enteredBatch(1500), { state })

    // The segment was deleted in TTD and recreated under the same name.
    nock(API).post(`/v3/crmdata/segment/${ADV}/crm-old`).reply(404, { Message: 'CRM data segment not found' })
    nockSegments([{ CrmDataId: 'crm-new', SegmentName: 'High Value', Region: 'US' }])
    nockDropAndUpload('crm-new', capture, 1)
    const results = await runBatch(enteredBatch(1500, 1500), { state })

    expect(results[0]).toMatchObject({ status: 200, body: { crmDataId: 'crm-new', mergeMode: 'Replace' } })
    expect(nock.isDone()).toBe(true)

    // The new id is remembered: the next batch neither lists nor creates, and adds.
    nockDropAndUpload('crm-new', capture, 2)
    const next = await runBatch(enteredBatch(1500, 3000), { state })
    expect(next[0]).toMatchObject({ body: { crmDataId: 'crm-new', mergeMode: 'Add' } })
  })

  it('fails the events, and does not loop, when the id found again is also unknown', async () => {
    const state = new StateContextStore()
    await state.run((context) =>
      context.setResponseContext(segmentIdKey(ADV, 'US', 'High Value'), 'crm-gone', { hour: 1 })
    )
    nock(API).post(`/v3/crmdata/segment/${ADV}/crm-gone`).reply(404, { Message: 'not found' })
    nockSegments([{ CrmDataId: 'crm-gone2', SegmentName: 'High Value', Region: 'US' }])
    nock(API).post(`/v3/crmdata/segment/${ADV}/crm-gone2`).reply(404, { Message: 'not found' })

    const results = await runBatch(enteredBatch(1500), { state })
    expect(results[0]).toMatchObject({
      status: 404,
      errormessage: expect.stringContaining('does not know this CRM segment'),
      body: { code: 'TTD_SEGMENT_NOT_FOUND' }
    })
    expect(nock.isDone()).toBe(true)
  })

  it('creates a missing segment once when two batches of one process need it at the same time', async () => {
    const ttd = new FakeTtd()
    ttd.apiDelayMs = 50
    const state = new StateContextStore()

    const [a, b] = await Promise.all([
      runBatch(enteredBatch(1500, 0), { state }),
      runBatch(enteredBatch(1500, 1500), { state })
    ])

    // One lists and creates under the process's claim; the other waits for the claim, then finds it.
    expect(ttd.creates).toBe(1)
    expect(a[0]).toMatchObject({ status: 200, body: { crmDataId: 'crm-1' } })
    expect(b[0]).toMatchObject({ status: 200, body: { crmDataId: 'crm-1' } })
  })
})
