import { startSandbox } from '../index'
import type { Sandbox } from '../types'
import { api } from './helpers'

describe('sandbox auth', () => {
  let sandbox: Sandbox

  beforeAll(async () => {
    sandbox = await startSandbox({
      accounts: [
        { token: 'token-a', advertiserIds: ['adv-a'] },
        { token: 'token-b', advertiserIds: ['adv-b'] }
      ]
    })
    sandbox.seedSegment('adv-a', 'Seeded A', 'US')
    sandbox.seedSegment('adv-b', 'Seeded B', 'US')
  })
  afterAll(() => sandbox.close())

  it('exposes the first account as token and advertiserId', () => {
    expect(sandbox.token).toBe('token-a')
    expect(sandbox.advertiserId).toBe('adv-a')
    expect(sandbox.apiBaseUrl).toBe(`${sandbox.origin}/v3`)
    expect(sandbox.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('answers 401 for a missing or unknown token on every API route', async () => {
    const missing = await api(sandbox, 'GET', '/crmdata/segment/adv-a', { token: null })
    expect(missing.status).toBe(401)
    expect(missing.json).toEqual({ Message: expect.stringContaining('TTD-Auth') })
    expect((await api(sandbox, 'GET', '/crmdata/segment/adv-a', { token: 'nope' })).status).toBe(401)
    const create = await api(sandbox, 'POST', '/crmdata/segment', {
      token: 'nope',
      body: { AdvertiserId: 'adv-a', SegmentName: 'x', Region: 'US' }
    })
    expect(create.status).toBe(401)
    const drop = await api(sandbox, 'POST', '/crmdata/segment/adv-a/crm-x', {
      token: null,
      body: { PiiType: 'Email', MergeMode: 'Add' }
    })
    expect(drop.status).toBe(401)
    expect(sandbox.segments('adv-a')).toHaveLength(1)
  })

  it('answers 403 when the token has no rights on a known advertiser', async () => {
    const list = await api(sandbox, 'GET', '/crmdata/segment/adv-b')
    expect(list.status).toBe(403)
    expect(list.json).toEqual({ Message: expect.stringContaining('adv-b') })
    const create = await api(sandbox, 'POST', '/crmdata/segment', {
      body: { AdvertiserId: 'adv-b', SegmentName: 'x', Region: 'US' }
    })
    expect(create.status).toBe(403)
    const crmDataId = sandbox.segments('adv-b')[0].crmDataId
    const drop = await api(sandbox, 'POST', `/crmdata/segment/adv-b/${crmDataId}`, {
      body: { PiiType: 'Email', MergeMode: 'Add' }
    })
    expect(drop.status).toBe(403)
    expect(sandbox.segments('adv-b')).toHaveLength(1)
    expect(sandbox.drops()).toHaveLength(0)
  })

  it('answers 404 for an advertiser no account knows', async () => {
    const list = await api(sandbox, 'GET', '/crmdata/segment/adv-unknown')
    expect(list.status).toBe(404)
    expect(list.json).toEqual({ Message: 'Advertiser adv-unknown not found' })
    const create = await api(sandbox, 'POST', '/crmdata/segment', {
      body: { AdvertiserId: 'adv-unknown', SegmentName: 'x', Region: 'US' }
    })
    expect(create.status).toBe(404)
  })

  it('records every request in order without bodies, noting the auth header', async () => {
    const before = sandbox.requests.length
    await api(sandbox, 'GET', '/crmdata/segment/adv-a')
    await api(sandbox, 'GET', '/crmdata/segment/adv-a', { token: null })
    await fetch(`${sandbox.origin}/nowhere`)
    expect(sandbox.requests.slice(before)).toEqual([
      { method: 'GET', route: 'list', path: '/v3/crmdata/segment/adv-a', status: 200, hadAuthHeader: true },
      { method: 'GET', route: 'list', path: '/v3/crmdata/segment/adv-a', status: 401, hadAuthHeader: false },
      { method: 'GET', route: 'other', path: '/nowhere', status: 404, hadAuthHeader: false }
    ])
    expect(JSON.stringify(sandbox.requests)).not.toContain('token-a')
  })

  it('answers unknown routes with a 404 JSON Message', async () => {
    const response = await fetch(`${sandbox.apiBaseUrl}/crmdata/segment`, { headers: { 'TTD-Auth': 'token-a' } })
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ Message: expect.stringContaining('No route') })
  })
})

describe('sandbox listing', () => {
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = await startSandbox({
      pageSize: 2,
      accounts: [{ token: 'token-a', advertiserIds: ['adv-a', 'adv-b'] }]
    })
  })
  afterEach(() => sandbox.close())

  type Page = { Segments: { CrmDataId: string; SegmentName: string }[]; PagingToken: string | null }

  it('pages through 3 pages of pageSize and ends with an empty page and a null token', async () => {
    const seeded = ['One', 'Two', 'Three', 'Four', 'Five'].map((name) => sandbox.seedSegment('adv-a', name, 'US'))
    sandbox.seedSegment('adv-b', 'Other advertiser', 'EU')

    const pages: Page[] = []
    let path = '/crmdata/segment/adv-a'
    for (let i = 0; i < 10; i++) {
      const result = await api(sandbox, 'GET', path)
      expect(result.status).toBe(200)
      const page = result.json as Page
      pages.push(page)
      if (page.Segments.length === 0) break
      expect(typeof page.PagingToken).toBe('string')
      path = `/crmdata/segment/adv-a?pagingToken=${encodeURIComponent(page.PagingToken as string)}`
    }

    expect(pages.map((p) => p.Segments.length)).toEqual([2, 2, 1, 0])
    expect(pages[3]).toEqual({ Segments: [], PagingToken: null })
    expect(pages.flatMap((p) => p.Segments.map((s) => s.CrmDataId))).toEqual(seeded.map((s) => s.crmDataId))
    expect(pages[0].Segments[0]).toEqual({
      CrmDataId: seeded[0].crmDataId,
      SegmentName: 'One',
      Region: 'US',
      FirstPartyDataId: seeded[0].firstPartyDataId
    })
    expect(new Set(pages.slice(0, 3).map((p) => p.PagingToken)).size).toBe(3)
  })

  it('answers an advertiser without segments with one empty page', async () => {
    const result = await api(sandbox, 'GET', '/crmdata/segment/adv-b')
    expect(result.json).toEqual({ Segments: [], PagingToken: null })
  })

  it('answers 400 for an invented, empty or other-advertiser paging token', async () => {
    sandbox.seedSegment('adv-a', 'One', 'US')
    sandbox.seedSegment('adv-a', 'Two', 'US')
    sandbox.seedSegment('adv-a', 'Three', 'US')
    const first = (await api(sandbox, 'GET', '/crmdata/segment/adv-a')).json as Page
    const invented = await api(sandbox, 'GET', '/crmdata/segment/adv-a?pagingToken=abc')
    expect(invented.status).toBe(400)
    expect(invented.json).toEqual({ Message: expect.stringContaining('PagingToken') })
    expect((await api(sandbox, 'GET', '/crmdata/segment/adv-a?pagingToken=')).status).toBe(400)
    const crossed = await api(sandbox, 'GET', `/crmdata/segment/adv-b?pagingToken=${first.PagingToken}`)
    expect(crossed.status).toBe(400)
  })

  it('lets an advertiser hold several segments with the same name', async () => {
    const body = { AdvertiserId: 'adv-a', SegmentName: 'Same name', Region: 'US' }
    const first = await api(sandbox, 'POST', '/crmdata/segment', { body })
    const second = await api(sandbox, 'POST', '/crmdata/segment', { body })
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    const a = first.json as { CrmDataId: string; FirstPartyDataId: number }
    const b = second.json as { CrmDataId: string; FirstPartyDataId: number }
    expect(Object.keys(a).sort()).toEqual(['CrmDataId', 'FirstPartyDataId'])
    expect(a.CrmDataId).not.toBe(b.CrmDataId)
    expect(b.FirstPartyDataId).toBe(a.FirstPartyDataId + 1)
    const listed = (await api(sandbox, 'GET', '/crmdata/segment/adv-a')).json as Page
    expect(listed.Segments.map((s) => [s.CrmDataId, s.SegmentName])).toEqual([
      [a.CrmDataId, 'Same name'],
      [b.CrmDataId, 'Same name']
    ])
    expect(sandbox.segments('adv-a').map((s) => s.memberCount)).toEqual([0, 0])
  })
})

describe('sandbox segment creation validation', () => {
  let sandbox: Sandbox

  beforeAll(async () => {
    sandbox = await startSandbox()
  })
  afterAll(() => sandbox.close())

  it.each([
    [{ SegmentName: 'x', Region: 'NA' }, 'Region must be one of US, EU, APAC'],
    [{ SegmentName: 'x', Region: 'us' }, 'Region must be one of US, EU, APAC'],
    [{ SegmentName: 'x' }, 'Region must be one of US, EU, APAC'],
    [{ SegmentName: '  ', Region: 'US' }, 'SegmentName is required and must be a non-empty string'],
    [{ SegmentName: 5, Region: 'US' }, 'SegmentName is required and must be a non-empty string'],
    [{ AdvertiserId: '', SegmentName: 'x', Region: 'US' }, 'AdvertiserId is required and must be a non-empty string']
  ])('rejects %j with 400 and a Message naming the problem', async (fields, message) => {
    const result = await api(sandbox, 'POST', '/crmdata/segment', {
      body: { AdvertiserId: sandbox.advertiserId, ...fields }
    })
    expect(result.status).toBe(400)
    expect(result.json).toEqual({ Message: message })
    expect(sandbox.segments()).toHaveLength(0)
  })

  it('rejects a body that is not JSON or not an object with 400 JSON', async () => {
    const broken = await api(sandbox, 'POST', '/crmdata/segment', { rawBody: '{"AdvertiserId":' })
    expect(broken.status).toBe(400)
    expect(broken.json).toEqual({ Message: 'Request body is not valid JSON' })
    const array = await api(sandbox, 'POST', '/crmdata/segment', { body: [] })
    expect(array.status).toBe(400)
    expect(array.json).toEqual({ Message: 'Request body must be a JSON object' })
    expect(sandbox.segments()).toHaveLength(0)
  })

  it('creates a valid segment with an incrementing FirstPartyDataId', async () => {
    const result = await api(sandbox, 'POST', '/crmdata/segment', {
      body: { AdvertiserId: sandbox.advertiserId, SegmentName: 'Valid', Region: 'APAC' }
    })
    expect(result.status).toBe(200)
    const created = result.json as { CrmDataId: string; FirstPartyDataId: number }
    expect(sandbox.segments()).toEqual([
      {
        advertiserId: 'sandbox-advertiser',
        crmDataId: created.CrmDataId,
        segmentName: 'Valid',
        region: 'APAC',
        firstPartyDataId: created.FirstPartyDataId,
        memberCount: 0
      }
    ])
    expect(sandbox.seedSegment(sandbox.advertiserId, 'Next', 'EU').firstPartyDataId).toBe(created.FirstPartyDataId + 1)
  })

  it('rejects invalid options and seeded regions', async () => {
    await expect(startSandbox({ pageSize: 0 })).rejects.toThrow('pageSize')
    await expect(startSandbox({ accounts: [] })).rejects.toThrow('accounts')
    expect(() => sandbox.seedSegment(sandbox.advertiserId, 'x', 'MARS' as 'US')).toThrow('Region')
  })
})
