import nock from 'nock'
import { createHash } from 'node:crypto'
import { API, DROP_HOST } from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/fake-ttd'
import { audienceEvent, mapping, SETTINGS } from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/events'
import { runBatch } from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/run-batch'
import { seededRandom } from '../../../testing/engage-events'

function seededBatch(count: number) {
  const random = seededRandom(20261128)
  return Array.from({ length: count }, (_, i) => {
    const user = Math.floor(random() * 1e9).toString(36)
    return audienceEvent(i % 97 === 0 ? ` ${user}.Name+tag@Gmail.com ` : `${user}-${i}@example.org`)
  })
}

interface RecordedRequest {
  method: string
  path: string
  headers: Record<string, unknown>
  body: unknown
}

/** Records what reached TTD: headers as sent, except the token's value (its presence is kept). */
function record(requests: RecordedRequest[]) {
  return function (
    this: { req: { method: string; path: string; headers: Record<string, unknown> } },
    _uri: string,
    body: unknown
  ) {
    const headers = { ...this.req.headers }
    if ('ttd-auth' in headers)
      headers['ttd-auth'] = headers['ttd-auth'] === SETTINGS.auth_token ? '<the token>' : '<other>'
    delete headers['user-agent']
    delete headers['content-length']
    if (typeof body === 'string' && body.includes('\n')) {
      const lines = body.split('\n')
      body = {
        lines: lines.length - 1,
        first: lines.slice(0, 2),
        sha256: createHash('sha256').update(body).digest('hex')
      }
    }
    requests.push({ method: this.req.method, path: this.req.path, headers, body })
  }
}

it('sends exactly these requests to TTD for a seeded batch that creates its segment', async () => {
  const requests: RecordedRequest[] = []
  const keep = record(requests)
  nock(API)
    .get('/v3/crmdata/segment/adv123')
    .reply(function (uri, body) {
      keep.call(this, uri, body)
      return [200, { Segments: [{ CrmDataId: 'other', SegmentName: 'Other', Region: 'US' }], PagingToken: 'p2' }]
    })
  nock(API)
    .get('/v3/crmdata/segment/adv123?pagingToken=p2')
    .reply(function (uri, body) {
      keep.call(this, uri, body)
      return [200, { Segments: [], PagingToken: null }]
    })
  nock(API)
    .post('/v3/crmdata/segment')
    .reply(function (uri, body) {
      keep.call(this, uri, body)
      return [200, { CrmDataId: 'crm-new', FirstPartyDataId: 7 }]
    })
  nock(API)
    .post('/v3/crmdata/segment/adv123/crm-new')
    .reply(function (uri, body) {
      keep.call(this, uri, body)
      return [200, { ReferenceId: 'ref-1', Url: `${DROP_HOST}/drop/abc?X-Signature=s1` }]
    })
  nock(DROP_HOST)
    .put('/drop/abc')
    .query(true)
    .reply(function (uri, body) {
      keep.call(this, uri, body)
      return [200, '']
    })

  const results = await runBatch(seededBatch(1600), { mapping: mapping({ region: 'EU' }) })

  expect(results.filter((r) => r.status === 200)).toHaveLength(1600)
  expect(requests).toMatchSnapshot()
})
