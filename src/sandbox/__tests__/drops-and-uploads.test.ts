import { startSandbox } from '../index'
import type { Sandbox } from '../types'
import { api, createSegment, emails, getJson, hashedIds, lines, requestDrop, sha256Base64, upload } from './helpers'

describe('sandbox drop requests', () => {
  let sandbox: Sandbox
  let usSegment: string
  let euSegment: string

  beforeAll(async () => {
    sandbox = await startSandbox({
      accounts: [
        { token: 'token-a', advertiserIds: ['adv-a'] },
        { token: 'token-b', advertiserIds: ['adv-b'] }
      ]
    })
    usSegment = sandbox.seedSegment('adv-a', 'US segment', 'US').crmDataId
    euSegment = sandbox.seedSegment('adv-a', 'EU segment', 'EU').crmDataId
  })
  afterAll(() => sandbox.close())

  const dropRequest = (crmDataId: string, body: unknown, advertiserId = 'adv-a') =>
    api(sandbox, 'POST', `/crmdata/segment/${advertiserId}/${crmDataId}`, { body })

  it.each([
    [{ PiiType: 'EmailSha256', MergeMode: 'Replace' }, 'PiiType must be one of'],
    [{ MergeMode: 'Replace' }, 'PiiType must be one of'],
    [{ PiiType: 'Email', MergeMode: 'Merge' }, 'MergeMode must be one of Replace, Add'],
    [{ PiiType: 'Email' }, 'MergeMode must be one of Replace, Add'],
    [{ PiiType: 'Email', MergeMode: 'Replace', RetentionEnabled: true }, 'RetentionEnabled was removed'],
    [{ PiiType: 'Email', MergeMode: 'Replace', RetentionEnabled: false }, 'RetentionEnabled was removed']
  ])('rejects %j with 400', async (body, message) => {
    const before = sandbox.drops().length
    const result = await dropRequest(usSegment, body)
    expect(result.status).toBe(400)
    expect((result.json as { Message: string }).Message).toContain(message)
    expect(sandbox.drops()).toHaveLength(before)
  })

  it.each(['Phone', 'PhoneNumberHashedUnifiedId2'])('rejects %s drops on an EU segment', async (piiType) => {
    const result = await dropRequest(euSegment, { PiiType: piiType, MergeMode: 'Replace' })
    expect(result.status).toBe(400)
    expect(result.json).toEqual({ Message: 'Phone numbers are not accepted for EU segments' })
    expect(sandbox.drops(euSegment)).toHaveLength(0)
  })

  it('accepts email drops on an EU segment and phone drops on a US segment', async () => {
    expect((await dropRequest(euSegment, { PiiType: 'EmailHashedUnifiedId2', MergeMode: 'Add' })).status).toBe(200)
    expect((await dropRequest(usSegment, { PiiType: 'Phone', MergeMode: 'Add' })).status).toBe(200)
  })

  it('answers 404 for a segment the advertiser does not have', async () => {
    const unknown = await dropRequest('crm-does-not-exist', { PiiType: 'Email', MergeMode: 'Add' })
    expect(unknown.status).toBe(404)
    expect(unknown.json).toEqual({ Message: expect.stringContaining('crm-does-not-exist') })
    const otherAdvertisers = sandbox.seedSegment('adv-b', 'B', 'US').crmDataId
    expect((await dropRequest(otherAdvertisers, { PiiType: 'Email', MergeMode: 'Add' })).status).toBe(404)
  })

  it('answers a ReferenceId and a sandbox Url, and records a pending drop', async () => {
    const result = await dropRequest(usSegment, { PiiType: 'EmailHashedUnifiedId2', MergeMode: 'Replace' })
    expect(result.status).toBe(200)
    const drop = result.json as { ReferenceId: string; Url: string }
    expect(Object.keys(drop).sort()).toEqual(['ReferenceId', 'Url'])
    expect(drop.Url).toMatch(new RegExp(`^${sandbox.origin}/drops/[0-9a-f]{48}$`))
    const view = sandbox.drops().at(-1)
    expect(view).toEqual({
      referenceId: drop.ReferenceId,
      advertiserId: 'adv-a',
      crmDataId: usSegment,
      piiType: 'EmailHashedUnifiedId2',
      mergeMode: 'Replace',
      status: 'pending',
      lineCount: 0,
      distinctCount: 0,
      rejectedLines: 0,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/)
    })
  })
})

describe('sandbox uploads', () => {
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = await startSandbox()
  })
  afterEach(() => sandbox.close())

  it('accepts an upload without TTD-Auth, stores it and uses the URL up', async () => {
    const crmDataId = await createSegment(sandbox, 'Hashed')
    const ids = hashedIds(1500)
    const drop = await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')
    const first = await upload(drop.Url, lines(ids))
    expect(first.status).toBe(200)
    expect(sandbox.members(crmDataId)).toEqual(new Set(ids))
    expect(sandbox.drops(crmDataId)).toEqual([
      expect.objectContaining({
        status: 'uploaded',
        lineCount: 1500,
        distinctCount: 1500,
        rejectedLines: 0,
        uploadedAt: expect.any(String)
      })
    ])
    const uploadRecord = sandbox.requests.find((r) => r.route === 'upload')
    expect(uploadRecord).toEqual({
      method: 'PUT',
      route: 'upload',
      path: new URL(drop.Url).pathname,
      status: 200,
      hadAuthHeader: false
    })

    const second = await upload(drop.Url, lines(hashedIds(1500, 'other')))
    expect(second.status).toBe(403)
    expect(second.text).toContain('<Code>AccessDenied</Code>')
    expect(sandbox.members(crmDataId)).toEqual(new Set(ids))
  })

  it('records a TTD-Auth header sent to the upload URL', async () => {
    const crmDataId = await createSegment(sandbox, 'Hashed')
    const drop = await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')
    const result = await upload(drop.Url, lines(hashedIds(1500)), {
      'Content-Type': 'text/plain',
      'TTD-Auth': sandbox.token
    })
    expect(result.status).toBe(200)
    expect(sandbox.requests.filter((r) => r.route === 'upload').map((r) => r.hadAuthHeader)).toEqual([true])
  })

  it('answers 404 for an unknown upload id', async () => {
    const result = await upload(`${sandbox.origin}/drops/0123abcd`, lines(hashedIds(3)))
    expect(result.status).toBe(404)
    expect(result.text).toContain('NoSuchUpload')
  })

  it('refuses an upload that is not text/plain and leaves the drop usable', async () => {
    const crmDataId = await createSegment(sandbox, 'Hashed')
    const drop = await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')
    const body = lines(hashedIds(1500))
    const wrong = await upload(drop.Url, body, { 'Content-Type': 'application/octet-stream' })
    expect(wrong.status).toBe(400)
    expect(wrong.json).toEqual({ Message: 'Content-Type must be text/plain' })
    expect(sandbox.drops(crmDataId)[0].status).toBe('pending')
    expect((await upload(drop.Url, body, { 'Content-Type': 'text/plain; charset=utf-8' })).status).toBe(200)
  })

  it('rejects fewer than 1500 distinct identifiers with 400 and applies nothing', async () => {
    const crmDataId = await createSegment(sandbox, 'Hashed')
    const existing = hashedIds(1500, 'existing')
    await upload((await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')).Url, lines(existing))

    const few = hashedIds(1499, 'new')
    const drop = await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2', 'Replace')
    const result = await upload(drop.Url, lines([...few, ...few]))
    expect(result.status).toBe(400)
    expect((result.json as { Message: string }).Message).toMatch(/holds 1499 distinct .* at least 1500 distinct/)
    expect(sandbox.members(crmDataId)).toEqual(new Set(existing))
    expect(sandbox.drops(crmDataId)[1]).toEqual(
      expect.objectContaining({ status: 'rejected', lineCount: 2998, distinctCount: 1499, rejectedLines: 0 })
    )
    expect(sandbox.drops(crmDataId)[1].uploadedAt).toBeUndefined()
    expect((await upload(drop.Url, lines(hashedIds(1500)))).status).toBe(403)
  })

  it('counts malformed lines as rejected and neither stores nor echoes them', async () => {
    const crmDataId = await createSegment(sandbox, 'Plain emails')
    const valid = emails(1500)
    const malformed = [
      'Upper@Example.com',
      'no-at-sign.example.com',
      'two@@example.com',
      'a@b',
      ' leading-space@example.com',
      'trailing-space@example.com ',
      'first.last@gmail.com',
      'name+tag@gmail.com',
      'x@nodot',
      'x@.example.com',
      'x@example.com.',
      '@example.com',
      ''
    ]
    const drop = await requestDrop(sandbox, crmDataId, 'Email')
    const result = await upload(drop.Url, lines([...valid.slice(0, 700), ...malformed, ...valid.slice(700)]))
    expect(result.status).toBe(200)
    expect(result.text).toBe('')
    expect(sandbox.drops(crmDataId)[0]).toEqual(
      expect.objectContaining({
        status: 'uploaded',
        lineCount: 1500 + malformed.length,
        distinctCount: 1500,
        rejectedLines: malformed.length
      })
    )
    expect(sandbox.members(crmDataId)).toEqual(new Set(valid.map(sha256Base64)))
    const everything = JSON.stringify([
      await getJson(sandbox, '/_sandbox/segments'),
      await getJson(sandbox, '/_sandbox/drops'),
      sandbox.requests,
      [...sandbox.members(crmDataId)]
    ])
    for (const line of [...malformed.filter((l) => l !== ''), valid[0], valid[1499]]) {
      expect(everything).not.toContain(line.trim())
    }
  })

  it.each([
    ['Phone', ['+14155', '14155550100', '+04155550100', '+1415555010012345', '+1 4155550100', '+1-415-555-0100']],
    [
      'EmailHashedUnifiedId2',
      [
        sha256Base64('x').slice(0, 43),
        sha256Base64('x') + '=',
        sha256Base64('x').replace(/=$/, '-'),
        Buffer.from(sha256Base64('x'), 'base64').toString('hex'),
        Buffer.from(sha256Base64('x'), 'base64').toString('base64url'),
        // right length and alphabet, but the padding bits of the last character are not zero
        sha256Base64('x').slice(0, 42) + 'B='
      ]
    ]
  ])('rejects malformed %s lines', async (piiType, malformed) => {
    const crmDataId = await createSegment(sandbox, piiType)
    const valid =
      piiType === 'Phone'
        ? Array.from({ length: 1500 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`)
        : hashedIds(1500)
    const drop = await requestDrop(sandbox, crmDataId, piiType)
    expect((await upload(drop.Url, lines([...malformed, ...valid]))).status).toBe(200)
    expect(sandbox.drops(crmDataId)[0]).toEqual(
      expect.objectContaining({ lineCount: 1500 + malformed.length, rejectedLines: malformed.length })
    )
    expect(sandbox.members(crmDataId).size).toBe(1500)
  })

  it('accepts exactly 1500 distinct identifiers in CRLF lines without a final newline', async () => {
    const crmDataId = await createSegment(sandbox, 'Phones')
    const phones = Array.from({ length: 1500 }, (_, i) => `+4420${String(i).padStart(8, '0')}`)
    const drop = await requestDrop(sandbox, crmDataId, 'Phone')
    const result = await upload(drop.Url, [...phones, ...phones.slice(0, 10)].join('\r\n'))
    expect(result.status).toBe(200)
    expect(sandbox.drops(crmDataId)[0]).toEqual(
      expect.objectContaining({ lineCount: 1510, distinctCount: 1500, rejectedLines: 0 })
    )
    expect(sandbox.members(crmDataId)).toEqual(new Set(phones.map((p) => sandbox.memberKey('Phone', p))))
    expect(sandbox.segments()[0].memberCount).toBe(1500)
  })

  it('replaces the member set with Replace and adds to it with Add', async () => {
    const crmDataId = await createSegment(sandbox, 'Merge modes')
    const a = hashedIds(1500, 'a')
    const b = hashedIds(1600, 'b')
    const c = hashedIds(1500, 'c')
    await upload((await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2', 'Replace')).Url, lines(a))
    expect(sandbox.members(crmDataId)).toEqual(new Set(a))

    // overlaps a by 500: the union counts those once
    const addBody = [...a.slice(0, 500), ...b]
    await upload((await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2', 'Add')).Url, lines(addBody))
    expect(sandbox.members(crmDataId)).toEqual(new Set([...a, ...b]))
    expect(sandbox.segments()[0].memberCount).toBe(3100)

    await upload((await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2', 'Replace')).Url, lines(c))
    expect(sandbox.members(crmDataId)).toEqual(new Set(c))
  })

  it('stores plain PII under its SHA-256, the same keys as the hashed upload of it', async () => {
    const plain = await createSegment(sandbox, 'Plain')
    const hashed = await createSegment(sandbox, 'Hashed')
    const addresses = emails(1500, 'jane.doe')
    await upload((await requestDrop(sandbox, plain, 'Email')).Url, lines(addresses))
    await upload((await requestDrop(sandbox, hashed, 'EmailHashedUnifiedId2')).Url, lines(addresses.map(sha256Base64)))

    const keys = sandbox.members(plain)
    expect(keys).toEqual(sandbox.members(hashed))
    expect(keys.has(sha256Base64('jane.doe0@example.com'))).toBe(true)
    expect(keys.has('jane.doe0@example.com')).toBe(false)
    expect(sandbox.memberKey('Email', 'jane.doe0@example.com')).toBe(sha256Base64('jane.doe0@example.com'))
    expect(sandbox.memberKey('EmailHashedUnifiedId2', sha256Base64('z'))).toBe(sha256Base64('z'))
    const inspected = JSON.stringify([await getJson(sandbox, '/_sandbox/segments'), sandbox.drops(), sandbox.requests])
    expect(inspected).not.toContain('jane.doe')
  })

  it('accepts non-ASCII lowercase emails and hashes their UTF-8 bytes', async () => {
    const crmDataId = await createSegment(sandbox, 'Unicode')
    const addresses = emails(1499, 'p')
    const drop = await requestDrop(sandbox, crmDataId, 'Email')
    expect((await upload(drop.Url, lines([...addresses, 'élodie@exemple.fr', 'Élodie@exemple.fr']))).status).toBe(200)
    expect(sandbox.drops(crmDataId)[0]).toEqual(expect.objectContaining({ distinctCount: 1500, rejectedLines: 1 }))
    expect(sandbox.members(crmDataId).has(sha256Base64('élodie@exemple.fr'))).toBe(true)
  })

  it('serves inspection views over HTTP without a token', async () => {
    const crmDataId = await createSegment(sandbox, 'Inspected')
    await upload((await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')).Url, lines(hashedIds(1500)))
    await requestDrop(sandbox, crmDataId, 'Email', 'Add')
    expect(await getJson(sandbox, '/_sandbox/segments')).toEqual(sandbox.segments())
    expect(await getJson(sandbox, '/_sandbox/drops')).toEqual(sandbox.drops())
    expect((await getJson(sandbox, '/_sandbox/drops')) as unknown[]).toHaveLength(2)
    expect(sandbox.drops(crmDataId).map((d) => d.status)).toEqual(['uploaded', 'pending'])
    expect(() => sandbox.members('crm-unknown')).toThrow('crm-unknown')
  })
})

describe('sandbox upload expiry', () => {
  let sandbox: Sandbox

  beforeAll(async () => {
    sandbox = await startSandbox({ dropUrlTtlMs: 40 })
  })
  afterAll(() => sandbox.close())

  it('answers 403 "Request has expired" once the drop URL is older than dropUrlTtlMs', async () => {
    const crmDataId = await createSegment(sandbox, 'Expiring')
    const drop = await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(sandbox.drops(crmDataId)[0].status).toBe('expired')
    const result = await upload(drop.Url, lines(hashedIds(1500)))
    expect(result.status).toBe(403)
    expect(result.text).toContain('Request has expired')
    expect(sandbox.members(crmDataId).size).toBe(0)
  })
})
