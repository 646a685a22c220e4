import nock from 'nock'
import {
  API,
  ADV,
  LIST_PATH,
  newCapture,
  nockCreate,
  nockDrop,
  nockSegments,
  nockUpload,
  segment,
  uploadedLines
} from '../../__tests__/__helpers__/fake-ttd'
import { audienceEvent, emailOf, enteredBatch, mapping } from '../../__tests__/__helpers__/events'
import { expectEachResult, runBatch } from '../../__tests__/__helpers__/run-batch'

describe('finding the CRM segment', () => {
  it('uses external_id as the CrmDataId without listing or creating', async () => {
    const capture = newCapture()
    nockDrop('crm-ext', capture)
    nockUpload(capture, '/upload/crm-ext')
    const events = Array.from({ length: 1500 }, (_, i) => audienceEvent(emailOf(i), { externalId: 'crm-ext' }))
    const results = await runBatch(events)

    expect(results[0]).toMatchObject({ status: 200, body: { crmDataId: 'crm-ext' } })
    expect(uploadedLines(capture)).toHaveLength(1500)
    expect(nock.isDone()).toBe(true)
  })

  it('pages through three pages and matches the name exactly', async () => {
    const capture = newCapture()
    nock(API)
      .get(LIST_PATH)
      .reply(200, { Segments: [segment('a', 'high value'), segment('b', 'High Value ')], PagingToken: 't1' })
    nock(API)
      .get(LIST_PATH)
      .query({ pagingToken: 't1' })
      .reply(200, { Segments: [segment('c', 'Other')], PagingToken: 't2' })
    nock(API)
      .get(LIST_PATH)
      .query({ pagingToken: 't2' })
      .reply(200, { Segments: [segment('d', 'High Value')], PagingToken: 't3' })
    nock(API).get(LIST_PATH).query({ pagingToken: 't3' }).reply(200, { Segments: [], PagingToken: 't4' })
    nockDrop('d', capture)
    nockUpload(capture, '/upload/d')

    const results = await runBatch(enteredBatch(1500))
    expect(results[0]).toMatchObject({ status: 200, body: { crmDataId: 'd' } })
    expect(nock.isDone()).toBe(true)
  })

  it('stops listing on a repeated paging token instead of looping', async () => {
    const capture = newCapture()
    nock(API)
      .get(LIST_PATH)
      .reply(200, { Segments: [segment('a', 'Other')], PagingToken: 'same' })
    nock(API)
      .get(LIST_PATH)
      .query({ pagingToken: 'same' })
      .reply(200, { Segments: [segment('b', 'High Value')], PagingToken: 'same' })
    nockDrop('b', capture)
    nockUpload(capture, '/upload/b')

    const results = await runBatch(enteredBatch(1500))
    expect(results[0]).toMatchObject({ status: 200, body: { crmDataId: 'b' } })
  })

  it('stops listing when a page has no paging token', async () => {
    const capture = newCapture()
    nock(API)
      .get(LIST_PATH)
      .reply(200, { Segments: [segment('a', 'High Value')] })
    nockDrop('a', capture)
    nockUpload(capture, '/upload/a')
    const results = await runBatch(enteredBatch(1500))
    expect(results[0]).toMatchObject({ status: 200, body: { crmDataId: 'a' } })
  })

  it("creates the segment with the mapping's region when no segment has the name", async () => {
    const capture = newCapture()
    nockSegments([segment('a', 'Something else')])
    nockCreate('crm-new', capture)
    nockDrop('crm-new', capture)
    nockUpload(capture, '/upload/crm-new')

    const results = await runBatch(enteredBatch(1500), { mapping: mapping({ region: 'APAC' }) })
    expect(capture.createBodies).toEqual([{ AdvertiserId: ADV, SegmentName: 'High Value', Region: 'APAC' }])
    expect(results[0]).toMatchObject({
      status: 200,
      body: { crmDataId: 'crm-new', mergeMode: 'Replace', created: true, segmentName: 'High Value' }
    })
  })

  it('fails every event, listing the CrmDataIds, when several segments share the name', async () => {
    nockSegments([segment('dup-1', 'High Value'), segment('x', 'Other'), segment('dup-2', 'High Value')])
    const events = [...enteredBatch(1500), audienceEvent('bad')]
    const results = await runBatch(events)

    expectEachResult(results.slice(0, 1500), {
      status: 409,
      body: { code: 'DUPLICATE_SEGMENT_NAME', crmDataIds: ['dup-1', 'dup-2'] },
      errormessage: expect.stringMatching(
        /2 CRM segments of advertiser "adv123" are named "High Value".*CrmDataIds: dup-1, dup-2.*rename or remove all but one/s
      )
    })
    expect(results[1500]).toMatchObject({ status: 400, errormessage: 'Email has no @.' })
    expect(nock.isDone()).toBe(true)
  })

  it('fails clearly when the existing segment is in another region', async () => {
    nockSegments([segment('eu-1', 'High Value', 'EU')])
    const results = await runBatch(enteredBatch(1500))
    expect(results[0].status).toBe(400)
    expect(results[0].errormessage).toBe(
      'The CRM segment "High Value" (CrmDataId eu-1) is in Region EU, but the mapping says US. ' +
        "Set the mapping's Region to EU, or use another Segment Name."
    )
  })

  it('refuses phone numbers for EU before any request', async () => {
    const events = Array.from({ length: 1500 }, (_, i) =>
      audienceEvent(undefined, { phone: `+4420${String(i).padStart(8, '0')}` })
    )
    const results = await runBatch(events, { mapping: mapping({ region: 'EU', pii_type: 'Phone' }) })
    expect(results).toHaveLength(1500)
    expect(results[0]).toMatchObject({
      status: 400,
      errormessage: expect.stringContaining('does not accept phone numbers for EU segments'),
      body: { code: 'PHONE_IN_EU' }
    })
  })

  it('uploads to one segment per target when a batch names several', async () => {
    const capture = newCapture()
    nockSegments([segment('s-a', 'A')])
    nockDrop('s-a', capture)
    nockUpload(capture, '/upload/s-a')
    nockSegments([segment('s-b', 'B')])
    nockDrop('s-b', capture)
    nockUpload(capture, '/upload/s-b')

    const named = (from: number, audienceKey: string) =>
      Array.from({ length: 1500 }, (_, i) => audienceEvent(emailOf(from + i), { audienceKey }))
    const results = await runBatch([...named(0, 'A'), ...named(5000, 'B')], {
      mapping: { region: 'US', pii_type: 'EmailHashedUnifiedId2' }
    })

    expect(capture.uploads).toHaveLength(2)
    expect(results[0]).toMatchObject({ body: { crmDataId: 's-a' } })
    expect(results[1500]).toMatchObject({ body: { crmDataId: 's-b' } })
  })
})
