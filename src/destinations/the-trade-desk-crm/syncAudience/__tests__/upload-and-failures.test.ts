import nock from 'nock'
import { createTestIntegration, InvalidAuthenticationError, RetryableError } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../../index'
import { API, DROP_HOST, enteredBatch, mapping, SETTINGS } from '../../__tests__/helpers/events'
import {
  ADV,
  LIST_PATH,
  newCapture,
  nockDrop,
  nockExistingSegmentFlow,
  nockSegments,
  nockUpload,
  runBatch
} from '../../__tests__/helpers/ttd-nock'

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
    expect(results[0].status).toBe(502)
    expect(results[0].errormessage).toContain('not https; no personal data was sent there')
    expect(nock.isDone()).toBe(true)
  })
})

describe('failures from TTD', () => {
  const batch = enteredBatch(1500)

  it.each([401, 403])('fails the batch as an authentication error on %i', async (status) => {
    nock(API).get(LIST_PATH).reply(status, { Message: 'nope' })
    const error = await runBatch(batch).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidAuthenticationError)
    expect((error as Error).message).toMatch(
      status === 401 ? /rejected the API token/ : /no rights on advertiser "adv123"/
    )
    expect((error as Error).message).not.toContain(SETTINGS.auth_token)
  })

  it.each([429, 500, 502, 503, 504])('throws a retryable error on %i from the drop request', async (status) => {
    nockSegments(existing)
    nock(API).post(`/v3/crmdata/segment/${ADV}/crm-1`).reply(status, { Message: 'busy' }, { 'Retry-After': '30' })
    const error = await runBatch(batch).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetryableError)
    expect((error as RetryableError).status).toBe(status)
  })

  it('throws a retryable error when TTD does not answer in time', async () => {
    const definition = createTheTradeDeskCrm({ apiTimeoutMs: 100 })
    nock(API).get(LIST_PATH).delay(1000).reply(200, { Segments: existing })
    const integration = createTestIntegration(definition)
    const error = await integration
      .testBatchAction('syncAudience', {
        events: batch,
        mapping: mapping(),
        settings: SETTINGS,
        useDefaultMappings: true
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetryableError)
    expect((error as Error).message).toContain('did not answer "list CRM segments" in time')
  })

  it('throws a retryable error when the connection is reset', async () => {
    nockSegments(existing)
    nock(API)
      .post(`/v3/crmdata/segment/${ADV}/crm-1`)
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
    const error = await runBatch(batch).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetryableError)
    expect((error as Error).message).toContain('connection to The Trade Desk failed')
  })

  it('fails every event with TTD’s own message on another 4xx', async () => {
    nockSegments(existing)
    nock(API)
      .post(`/v3/crmdata/segment/${ADV}/crm-1`)
      .reply(400, { Message: 'PiiType is not enabled for this advertiser' })
    const results = await runBatch(batch)
    expect(results).toHaveLength(1500)
    for (const result of results) {
      expect(result).toMatchObject({
        status: 400,
        errormessage:
          'The Trade Desk refused to request an upload location (400): PiiType is not enabled for this advertiser'
      })
    }
  })

  it('never reports success when the upload itself fails', async () => {
    const capture = newCapture()
    nockSegments(existing)
    nockDrop('crm-1', capture)
    nockUpload(capture, '/upload/crm-1', 500)
    const error = await runBatch(batch).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetryableError)
    expect(capture.uploads).toHaveLength(1)
  })

  it('retries an expired upload location (403 from the storage host) instead of failing auth', async () => {
    const capture = newCapture()
    nockSegments(existing)
    nockDrop('crm-1', capture)
    nockUpload(capture, '/upload/crm-1', 403)
    const error = await runBatch(batch).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetryableError)
    expect((error as Error).message).toContain('probably expired')
  })
})
