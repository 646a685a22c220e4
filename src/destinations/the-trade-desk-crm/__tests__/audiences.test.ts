import nock from 'nock'
import { createTestIntegration, IntegrationError } from '@segment/actions-core'
import definition from '../index'
import {
  API,
  headersOf,
  LIST_PATH,
  newCapture,
  nockCreate,
  nockListingPages,
  nockSegments,
  segment,
  unmatchedRequests
} from './__helpers__/fake-ttd'
import { SETTINGS } from './__helpers__/events'

function createAudience(audienceName: string, audienceSettings: Record<string, unknown> | null = { region: 'US' }) {
  return createTestIntegration(definition).createAudience({
    settings: SETTINGS,
    audienceName,
    audienceSettings: (audienceSettings ?? undefined) as { region: 'US' } | undefined
  })
}

const unmatched = unmatchedRequests()

function getAudience(externalId: string) {
  return createTestIntegration(definition).getAudience({ settings: SETTINGS, externalId })
}

/** What Test Connection says for a status, to compare the audience methods' wording with. */
async function testConnectionMessage(status: number): Promise<string> {
  nock(API).get(LIST_PATH).reply(status, { Message: 'no' })
  const error = await createTestIntegration(definition)
    .testAuthentication(SETTINGS)
    .catch((e: Error) => e)
  return (error as Error).message
}

describe('createAudience', () => {
  it('creates the segment in the audience settings Region when the advertiser has none of that name', async () => {
    const capture = newCapture()
    nockSegments([segment('other', 'Something else')])
    nockCreate('crm-new', capture)

    await expect(createAudience('Loyal buyers', { region: 'EU' })).resolves.toEqual({ externalId: 'crm-new' })
    expect(capture.createBodies).toEqual([{ AdvertiserId: 'adv123', SegmentName: 'Loyal buyers', Region: 'EU' }])
    expect(nock.isDone()).toBe(true)
  })

  it('is idempotent: a second call for the same audience reuses the segment the first one made', async () => {
    const capture = newCapture()
    nockSegments([])
    nockCreate('crm-new', capture)
    const first = await createAudience('Loyal buyers')
    nockSegments([segment('crm-new', 'Loyal buyers')])
    const second = await createAudience('Loyal buyers')

    expect(second).toEqual(first)
    expect(capture.createBodies).toHaveLength(1)
    expect(nock.isDone()).toBe(true)
  })

  it('finds the name on a later listing page', async () => {
    nockListingPages([segment('a', 'A')], [segment('b', 'Loyal buyers')])

    await expect(createAudience('Loyal buyers')).resolves.toEqual({ externalId: 'b' })
    expect(nock.isDone()).toBe(true)
  })

  it('refuses a name shared by several segments, listing their CrmDataIds, and creates nothing', async () => {
    nockSegments([segment('d1', 'Loyal buyers'), segment('d2', 'Loyal buyers')])
    const create = nock(API).post('/v3/crmdata/segment').reply(200, { CrmDataId: 'never' })

    await expect(createAudience('Loyal buyers')).rejects.toThrow(/2 CRM segments .* \(CrmDataIds: d1, d2\)/)
    expect(create.isDone()).toBe(false)
  })

  it('refuses a segment of that name in another Region, naming both', async () => {
    nockSegments([segment('eu1', 'Loyal buyers', 'EU')])
    await expect(createAudience('Loyal buyers', { region: 'US' })).rejects.toThrow(/in Region EU, but .* says US/)
  })

  it.each([
    ['an empty name', '', { region: 'US' }, /The audience name is empty/],
    ['a blank name', '   ', { region: 'US' }, /The audience name is empty/],
    ['no audience settings', 'Loyal buyers', null, /The audience's Region setting is missing: choose US, EU, APAC/],
    ['no Region', 'Loyal buyers', {}, /The audience's Region setting is missing/],
    // The runtime's schema check of the audience settings refuses these first.
    ['an empty Region', 'Loyal buyers', { region: '' }, /Region must be one of/],
    ['an unknown Region', 'Loyal buyers', { region: 'MARS' }, /Region must be one of/]
  ])('fails with %s before any request', async (_case, name, audienceSettings, message) => {
    await expect(createAudience(name, audienceSettings)).rejects.toThrow(message)
    expect(unmatched).toEqual([])
  })

  it.each([401, 403, 404])('gives the same message as Test Connection for %i', async (status) => {
    const expected = await testConnectionMessage(status)
    nock(API).get(LIST_PATH).reply(status, { Message: 'no' })
    const error = (await createAudience('Loyal buyers').catch((e: Error) => e)) as Error
    expect(expected).toContain(error.message)
    expect(error.message).toMatch(status === 401 ? /Auth Token/ : /Advertiser ID/)
    expect(error.message).not.toContain(SETTINGS.auth_token)
  })

  it('sends exactly this creation request', async () => {
    const requests: unknown[] = []
    nockSegments([])
    nock(API)
      .post('/v3/crmdata/segment')
      .reply(function (_uri, body) {
        const headers = headersOf(this.req)
        expect(headers['ttd-auth']).toBe(SETTINGS.auth_token)
        requests.push({
          method: this.req.method,
          path: this.req.path,
          contentType: headers['content-type'],
          body
        })
        return [200, { CrmDataId: 'crm-snap', FirstPartyDataId: 7 }]
      })
    await createAudience('Loyal buyers', { region: 'APAC' })
    expect(requests).toEqual([
      {
        method: 'POST',
        path: '/v3/crmdata/segment',
        contentType: 'application/json',
        body: { AdvertiserId: 'adv123', SegmentName: 'Loyal buyers', Region: 'APAC' }
      }
    ])
  })
})

describe('getAudience', () => {
  it('answers the id when the advertiser has it, looking through every page', async () => {
    nockListingPages([segment('a', 'A')], [segment('wanted', 'B')])

    await expect(getAudience('wanted')).resolves.toEqual({ externalId: 'wanted' })
    expect(nock.isDone()).toBe(true)
  })

  it('fails with a 404 IntegrationError naming the id and what to do when it is gone', async () => {
    nockSegments([segment('a', 'A')])
    const error = await getAudience('gone').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(IntegrationError)
    expect(error).toMatchObject({ status: 404, code: 'AUDIENCE_NOT_FOUND' })
    expect((error as Error).message).toMatch(/no CRM Data Segment with CrmDataId "gone".*reconnect the audience/)
  })

  it('gives the token message for a 401', async () => {
    nock(API).get(LIST_PATH).reply(401, {})
    await expect(getAudience('a')).rejects.toThrow(/Check the Auth Token setting/)
  })

  it('refuses an empty id before any request', async () => {
    await expect(getAudience('')).rejects.toThrow(/No CrmDataId/)
  })
})
