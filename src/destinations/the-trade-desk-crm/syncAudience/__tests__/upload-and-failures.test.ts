import nock from 'nock'
import { createTestIntegration } from '@segment/actions-core'
import { segmentRetries } from '../../errors'
import { createTheTradeDeskCrm } from '../../index'
import {
  API,
  DROP_HOST,
  ADV,
  LIST_PATH,
  newCapture,
  nockDrop,
  nockExistingSegmentFlow,
  nockSegments,
  nockUpload
} from '../../__tests__/__helpers__/fake-ttd'
import { enteredBatch, mapping, SETTINGS } from '../../__tests__/__helpers__/events'
import { expectEachResult, runBatch, type EventResult } from '../../__tests__/__helpers__/run-batch'

const existing = [{ CrmDataId: 'crm-1', SegmentName: 'High Value', Region: 'US' }]

describe('the upload', () => {
  it('asks for a Replace drop with nothing deprecated, then PUTs text/plain lines without the token', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    await runBatch(enteredBatch(1500))

    expect(capture.dropBodies).toEqual([{ PiiType: 'EmailHashedUnifiedId2', MergeMode: 'Replace' }])
    expect(capture.uploads).toHaveLength(1)
    const upload = capture.uploads[0]
    expect(upload.headers['content-type']).toBe('text/plain')
    expect(upload.headers['ttd-auth']).toBeUndefined()
    expect(JSON.stringify(upload.headers)).not.toContain(SETTINGS.auth_token)
    expect(upload.body.endsWith('\n')).toBe(true)
    expect(upload.body.split('\n')).toHaveLength(1501)
  })

  it('sends the token in TTD-Auth to every API call', async () => {
    const capture = newCapture()
    nock(API, { reqheaders: { 'ttd-auth': SETTINGS.auth_token } })
      .get(LIST_PATH)
      .reply(200, { Segments: existing })
    nock(API, { reqheaders: { 'ttd-auth': SETTINGS.auth_token } })
      .post(`/v3/crmdata/segment/${ADV}/crm-1`)
      .reply(200, { ReferenceId: 'r', Url: `${DROP_HOST}/upload/crm-1` })
    nockUpload(capture, '/upload/crm-1')
    const results = await runBatch(enteredBatch(1500))
    expect(results[0].status).toBe(200)
    expect(nock.isDone()).toBe(true)
  })

  it('refuses to send PII to a drop URL that is not https', async () => {
    nockSegments(existing)
    nock(API)
      .post(`/v3/crmdata/segment/${ADV}/crm-1`)
      .reply(200, { ReferenceId: 'r', Url: 'http://drop.example/upload' })
    const results = await runBatch(enteredBatch(1500))
    expect(results[0]).toMatchObject({ status: 502, body: { code: 'TTD_UPLOAD_URL_UNSAFE' } })
    expect(results[0].errormessage).toContain('not https; no personal data was sent there')
    expect(nock.isDone()).toBe(true)
  })
})

/** Every event of the batch answered alike: a failure of the group, never a thrown error (writes are kept). */
function expectEveryEvent(results: EventResult[], entry: Partial<EventResult> & { body?: object }) {
  expect(results).toHaveLength(1500)
  expectEachResult(results, entry)
  const text = JSON.stringify(results)
  expect(text).not.toContain(SETTINGS.auth_token)
  expect(text).not.toContain('@example.com')
}

/**
 * Through the runtime, once per kind of outcome: every status and network error maps to its code, status and data in
 * __tests__/errors.test.ts, at the cheapest level; here, that a group's events all carry that answer.
 */
describe('failures from TTD: every event of the group gets an entry with the failure as data', () => {
  const batch = enteredBatch(1500)

  it.each([[401, 'TTD_TOKEN_REJECTED', /rejected the API token/]])(
    'fails every event, not retryable, on %i: %s',
    async (status, code, message) => {
      nock(API)
        .get(LIST_PATH)
        .reply(status, { Message: `nope ${SETTINGS.auth_token}` })
      const results = await runBatch(batch)
      expectEveryEvent(results, { status, body: { code, operation: 'list CRM segments', ttdStatus: status } })
      expect(results[0].errormessage).toMatch(message)
      expect(segmentRetries(results[0].status)).toBe(false)
    }
  )

  it.each([[503, 'TTD_UNAVAILABLE', 503]])(
    'answers every event with a status Segment retries on %i from the drop request',
    async (status, code, entry) => {
      nockSegments(existing)
      nock(API).post(`/v3/crmdata/segment/${ADV}/crm-1`).reply(status, { Message: 'busy' }, { 'Retry-After': '30' })
      const results = await runBatch(batch)
      expectEveryEvent(results, {
        status: entry,
        body: { code, operation: 'request an upload location', ttdStatus: status }
      })
      expect(segmentRetries(results[0].status)).toBe(true)
      expect(results[0].errormessage).toMatch(/Segment retries these events for up to four hours\.$/)
    }
  )

  it('says when TTD does not answer in time: retryable 504, network cause "timeout", with the host', async () => {
    const definition = createTheTradeDeskCrm({ apiTimeoutMs: 100 })
    nock(API).get(LIST_PATH).delay(1000).reply(200, { Segments: existing })
    const integration = createTestIntegration(definition)
    await integration.testBatchAction('syncAudience', {
      events: batch,
      mapping: mapping(),
      settings: SETTINGS,
      useDefaultMappings: true
    })
    const results = integration.results[0].multistatus as EventResult[]
    expectEveryEvent(results, {
      status: 504,
      body: { code: 'TTD_UNREACHABLE', network: 'timeout', host: 'api.thetradedesk.com' }
    })
    expect(results[0].errormessage).toContain('no complete answer came in time')
  })

  it.each([['ECONNREFUSED', 'refused', 503]])(
    'says what the network did (%s) as its cause, retryable',
    async (errno, network, status) => {
      nockSegments(existing)
      nock(API)
        .post(`/v3/crmdata/segment/${ADV}/crm-1`)
        .replyWithError(Object.assign(new Error(`connect ${errno}`), { code: errno }))
      const results = await runBatch(batch)
      expectEveryEvent(results, { status, body: { code: 'TTD_UNREACHABLE', network } })
    }
  )

  it('fails every event with TTD’s own message on another 4xx', async () => {
    nockSegments(existing)
    nock(API)
      .post(`/v3/crmdata/segment/${ADV}/crm-1`)
      .reply(400, { Message: 'PiiType is not enabled for this advertiser' })
    const results = await runBatch(batch)
    expectEveryEvent(results, {
      status: 400,
      errormessage:
        'The Trade Desk refused to request an upload location (400): PiiType is not enabled for this advertiser',
      body: { code: 'TTD_REJECTED', ttdStatus: 400 }
    })
  })

  it('never reports success when the upload itself fails; the storage answered, so nothing was stored', async () => {
    const capture = newCapture()
    nockSegments(existing)
    nockDrop('crm-1', capture)
    nockUpload(capture, '/upload/crm-1', 500)
    const results = await runBatch(batch)
    expectEveryEvent(results, { status: 500, body: { code: 'TTD_UNAVAILABLE', operation: 'upload', stored: 'no' } })
    expect(capture.uploads).toHaveLength(1)
  })

  it('retries an expired upload location (403 from the storage host) instead of failing auth', async () => {
    const capture = newCapture()
    nockSegments(existing)
    nockDrop('crm-1', capture)
    nockUpload(capture, '/upload/crm-1', 403)
    const results = await runBatch(batch)
    expectEveryEvent(results, { status: 503, body: { code: 'TTD_UPLOAD_URL_EXPIRED', host: 'drop.storage.example' } })
    expect(results[0].errormessage).toContain('probably expired')
  })
})
