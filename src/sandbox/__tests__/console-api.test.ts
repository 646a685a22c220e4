// The console's server side: its page and assets, the overview it draws and the membership lookup. What a person
// sees in a browser is checked in src/e2e/__tests__/sandbox-console.test.ts.
import { startSandbox } from '../index'
import { MAX_DROPS_PER_SEGMENT } from '../overview'
import type { LookupAnswer, Sandbox, SandboxOverview } from '../types'
import { createSegment, emails, lines, requestDrop, sha256Base64, upload } from './helpers'

async function lookUp(sandbox: Sandbox, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${sandbox.origin}/_sandbox/lookup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body)
  })
  return { status: response.status, json: await response.json() }
}

async function overview(sandbox: Sandbox): Promise<SandboxOverview> {
  const response = await fetch(`${sandbox.origin}/_sandbox/overview`)
  expect(response.status).toBe(200)
  return (await response.json()) as SandboxOverview
}

describe('sandbox console: page and overview', () => {
  let sandbox: Sandbox

  beforeAll(async () => {
    sandbox = await startSandbox({
      minDistinct: 3,
      accounts: [
        { token: 'token-a', advertiserIds: ['adv-a', 'adv-empty'] },
        { token: 'token-b', advertiserIds: ['adv-b'] }
      ]
    })
  })
  afterAll(() => sandbox.close())

  it('serves the page and its two assets with a policy that allows only its own script and style', async () => {
    expect(sandbox.consoleUrl).toBe(`${sandbox.origin}/`)
    const page = await fetch(sandbox.consoleUrl)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const csp = page.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self';")
    expect(csp).not.toContain('unsafe-inline')
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    const html = await page.text()
    expect(html).toContain('<script src="/console.js" defer></script>')
    expect(html).toContain('<link rel="stylesheet" href="/console.css" />')
    // the page itself carries no inline script for the policy to block
    expect(html.match(/<script/g)).toHaveLength(1)

    const script = await fetch(`${sandbox.origin}/console.js`)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await script.text()).toContain("fetch('/_sandbox/overview'")
    const style = await fetch(`${sandbox.origin}/console.css`)
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8')

    const post = await fetch(sandbox.consoleUrl, { method: 'POST', body: 'identifier=someone%40example.com' })
    expect(post.status).toBe(405)
  })

  it('gives every advertiser its segments and each segment its drops with the size after each upload', async () => {
    const crmDataId = sandbox.seedSegment('adv-a', 'Loyal <b>buyers</b>', 'EU').crmDataId
    const other = sandbox.seedSegment('adv-b', 'Other', 'APAC').crmDataId
    await upload((await requestDrop(sandbox, crmDataId, 'Email', 'Replace')).Url, lines(emails(5, 'a')))
    await upload((await requestDrop(sandbox, crmDataId, 'Email', 'Add')).Url, lines(emails(4, 'b')))
    // too few distinct: rejected, nothing applied
    await upload((await requestDrop(sandbox, crmDataId, 'Email', 'Add')).Url, lines(['x@example.com']))
    await requestDrop(sandbox, crmDataId, 'Email', 'Replace') // never uploaded
    sandbox.setFaults([{ route: 'list', status: 429, retryAfterSeconds: 3, times: 2 }])

    const answer = await overview(sandbox)
    expect(answer.minDistinct).toBe(3)
    expect(answer.faults).toEqual([{ route: 'list', status: 429, retryAfterSeconds: 3, times: 2 }])
    expect(answer.advertisers.map((a) => [a.advertiserId, a.segments.map((s) => s.crmDataId)])).toEqual([
      ['adv-a', [crmDataId]],
      ['adv-empty', []],
      ['adv-b', [other]]
    ])
    const [segment] = answer.advertisers[0].segments
    expect(segment).toEqual(
      expect.objectContaining({ segmentName: 'Loyal <b>buyers</b>', region: 'EU', memberCount: 9, earlierDrops: 0 })
    )
    expect(segment.drops.map((d) => [d.mergeMode, d.status, d.lineCount, d.distinctCount, d.memberCountAfter])).toEqual(
      [
        ['Replace', 'uploaded', 5, 5, 5],
        ['Add', 'uploaded', 4, 4, 9],
        ['Add', 'rejected', 1, 1, undefined],
        ['Replace', 'pending', 0, 0, undefined]
      ]
    )
    expect(sandbox.drops(crmDataId).map((d) => d.memberCountAfter)).toEqual([5, 9, undefined, undefined])
    sandbox.clearFaults()
  })

  it('answers a wrong method on its own pages 405 naming the right ones, and a lookup by GET with a hint', async () => {
    const post = await fetch(`${sandbox.origin}/_sandbox/segments`, { method: 'POST', body: '{}' })
    expect([post.status, post.headers.get('allow'), await post.json()]).toEqual([
      405,
      'GET',
      { Message: '/_sandbox/segments accepts GET only.' }
    ])
    const faults = await fetch(`${sandbox.origin}/_sandbox/faults`, { method: 'POST', body: '[]' })
    expect([faults.status, faults.headers.get('allow')]).toEqual([405, 'GET, PUT, DELETE'])
    const page = await fetch(sandbox.consoleUrl, { method: 'DELETE' })
    expect([page.status, page.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
    const lookup = await fetch(`${sandbox.origin}/_sandbox/lookup`)
    expect([lookup.status, lookup.headers.get('allow'), await lookup.json()]).toEqual([
      405,
      'POST',
      { Message: 'Send the identifier as {"identifier": "..."} in a POST body' }
    ])
  })

  it("refuses a body over its 1 MiB limit with 413 in TTD's voice, and an empty one with 400", async () => {
    const big = await fetch(`${sandbox.origin}/_sandbox/lookup`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) })
    expect([big.status, big.headers.get('connection'), await big.json()]).toEqual([
      413,
      'close',
      { Message: 'Request body is too large' }
    ])
    const empty = await fetch(`${sandbox.origin}/_sandbox/lookup`, { method: 'POST', body: '' })
    expect([empty.status, await empty.json()]).toEqual([400, { Message: 'Request body must be JSON; it is empty' }])
  })

  it('keeps only the latest drops of a segment and counts the ones left out', async () => {
    const crmDataId = await createSegment(sandbox, 'Busy')
    const total = MAX_DROPS_PER_SEGMENT + 3
    for (let i = 0; i < total; i++) await requestDrop(sandbox, crmDataId, 'Email', 'Add')
    const busy = (await overview(sandbox)).advertisers.flatMap((a) => a.segments).find((s) => s.crmDataId === crmDataId)
    expect(busy?.drops).toHaveLength(MAX_DROPS_PER_SEGMENT)
    expect(busy?.earlierDrops).toBe(3)
    expect(busy?.drops.at(-1)?.referenceId).toBe(sandbox.drops(crmDataId).at(-1)?.referenceId)
  })
})

describe('sandbox console: membership lookup', () => {
  let sandbox: Sandbox
  let emailSegment: string
  let phoneSegment: string
  const logLines: string[] = []

  beforeAll(async () => {
    sandbox = await startSandbox({ minDistinct: 2, log: (line) => logLines.push(line) })
    emailSegment = await createSegment(sandbox, 'Gmail fans')
    phoneSegment = await createSegment(sandbox, 'Callers')
    // uploaded the way the destination sends them: normalized, and hashed for the hashed type
    await upload(
      (await requestDrop(sandbox, emailSegment, 'EmailHashedUnifiedId2')).Url,
      lines(['janedoe@gmail.com', 'bob@example.com', 'élodie@exemple.fr'].map(sha256Base64))
    )
    await upload((await requestDrop(sandbox, phoneSegment, 'Phone')).Url, lines(['+14155550100', '+447700900123']))
  })
  afterAll(() => sandbox.close())

  it('normalizes an email as the destination does before looking it up', async () => {
    const { status, json } = await lookUp(sandbox, { identifier: '  Jane.Doe+news@GMAIL.com ' })
    expect(status).toBe(200)
    expect(json).toEqual({
      valid: true,
      kind: 'email',
      memberKey: sha256Base64('janedoe@gmail.com'),
      segmentsChecked: 2,
      memberOfCount: 1,
      memberOf: [
        { advertiserId: sandbox.advertiserId, crmDataId: emailSegment, segmentName: 'Gmail fans', region: 'US' }
      ]
    })
  })

  it('finds a phone number typed with separators in a segment uploaded as plain Phone', async () => {
    const { json } = await lookUp(sandbox, { identifier: '+1 (415) 555-0100' })
    expect(json).toEqual(
      expect.objectContaining({ valid: true, kind: 'phone', memberOfCount: 1, memberKey: sha256Base64('+14155550100') })
    )
    expect((json as { memberOf: { crmDataId: string }[] }).memberOf[0].crmDataId).toBe(phoneSegment)
  })

  it('finds an email outside ASCII by the digest of its UTF-8 bytes, lowercasing only its ASCII letters', async () => {
    const { json } = await lookUp(sandbox, { identifier: 'élodie@Exemple.FR' })
    expect(json).toEqual(
      expect.objectContaining({
        valid: true,
        kind: 'email',
        memberOfCount: 1,
        memberKey: sha256Base64('élodie@exemple.fr')
      })
    )
  })

  it('drops a (0) written right after the country code, as the destination does', async () => {
    const { json } = await lookUp(sandbox, { identifier: '+44 (0)7700 900123' })
    expect(json).toEqual(
      expect.objectContaining({
        valid: true,
        kind: 'phone',
        memberOfCount: 1,
        memberKey: sha256Base64('+447700900123')
      })
    )
  })

  it('takes a SHA-256 digest, hex or base64, as the member key itself', async () => {
    const hex = Buffer.from(sha256Base64('bob@example.com'), 'base64').toString('hex')
    expect(await lookUp(sandbox, { identifier: hex })).toEqual({
      status: 200,
      json: expect.objectContaining({ kind: 'hash', memberKey: sha256Base64('bob@example.com'), memberOfCount: 1 })
    })
  })

  it('answers "in no segment" for someone never uploaded', async () => {
    const { json } = await lookUp(sandbox, { identifier: 'nobody@example.com' })
    expect(json).toEqual(expect.objectContaining({ valid: true, memberOfCount: 0, memberOf: [], segmentsChecked: 2 }))
  })

  it.each([
    ['a phone number without its country code', '4155550100', 'phone', 'must start with + and its country code'],
    ['an email without a domain dot', 'jane@localhost', 'email', 'not a valid domain name'],
    ['an email with an uppercase letter outside ASCII', 'ÉLODIE@exemple.fr', 'email', 'uppercase letter outside ASCII'],
    ['a phone number of 9 digits', '+44 20 7946 0', 'phone', 'fewer than 10 digits']
  ])('explains %s without repeating it', async (_, identifier, kind, reason) => {
    const { status, json } = await lookUp(sandbox, { identifier })
    expect(status).toBe(200)
    const answer = json as LookupAnswer
    expect(answer).toEqual({ valid: false, kind, reason: expect.stringContaining(reason) })
    expect(JSON.stringify(answer)).not.toContain(identifier)
  })

  it('refuses a request without an identifier, a GET, and an oversized value, never echoing it', async () => {
    expect(await lookUp(sandbox, {})).toEqual({ status: 400, json: { Message: expect.stringContaining('identifier') } })
    const long = `${'x'.repeat(1001)}@example.com`
    const refused = await lookUp(sandbox, { identifier: long })
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.json)).not.toContain('xxxx')
    const get = await fetch(`${sandbox.origin}/_sandbox/lookup?identifier=leaky%40example.com`)
    expect(get.status).toBe(405)
  })

  it('keeps looked-up identifiers out of the request records and the log', async () => {
    await lookUp(sandbox, { identifier: 'secret.person@example.com' })
    await fetch(`${sandbox.origin}/_sandbox/lookup?identifier=url.person%40example.com`)
    const kept = JSON.stringify(sandbox.requests) + logLines.join('\n')
    expect(kept).toContain('/_sandbox/lookup')
    expect(kept).not.toMatch(/secret\.person|url\.person|url\.person%40/)
    expect(logLines.filter((line) => line.startsWith('POST other 200'))).not.toHaveLength(0)
  })
})
