import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { startSandbox } from '../index'
import type { BrokenBody, Sandbox } from '../types'
import { api, createSegment, hashedIds, lines, requestDrop, upload } from './helpers'

type Page = { Segments: { CrmDataId: string }[]; PagingToken: string | null }

interface RawAnswer {
  status: number
  headers: IncomingHttpHeaders
  /** Resolves with the body received so far once the first bytes of it arrived. */
  started: Promise<string>
  /** How the connection ended: 'complete' answer, 'closed' cleanly short of the end, or 'reset'. */
  ended: Promise<{ ending: 'complete' | 'closed' | 'reset'; body: string }>
}

/** A GET over node:http, which shows the wire as it is: how an answer ends, not only that it failed. */
function rawGet(url: string, token: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { 'TTD-Auth': token }, agent: false })
    req.on('error', reject)
    req.on('response', (res) => {
      let body = ''
      let onFirst: (text: string) => void = () => undefined
      const started = new Promise<string>((r) => (onFirst = r))
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8')
        onFirst(body)
      })
      // An incomplete answer errors ('aborted') whichever way it ended; the socket tells a reset from a close.
      res.on('error', () => undefined)
      let socketError: string | undefined
      res.socket.once('error', (error: NodeJS.ErrnoException) => (socketError = error.code))
      const ended = new Promise<{ ending: 'complete' | 'closed' | 'reset'; body: string }>((r) => {
        res.socket.once('close', () =>
          r({ ending: res.complete ? 'complete' : socketError === 'ECONNRESET' ? 'reset' : 'closed', body })
        )
      })
      resolve({ status: res.statusCode ?? 0, headers: res.headers, started, ended })
    })
    req.end()
  })
}

describe('sandbox faults', () => {
  let sandbox: Sandbox

  beforeEach(async () => {
    sandbox = await startSandbox({ pageSize: 2 })
  })
  afterEach(() => sandbox.close())

  const list = (query = '') => api(sandbox, 'GET', `/crmdata/segment/${sandbox.advertiserId}${query}`)

  it('answers 429 with Retry-After on every request until cleared', async () => {
    sandbox.setFaults([{ route: 'list', status: 429, retryAfterSeconds: 7 }])
    for (let i = 0; i < 3; i++) {
      const result = await list()
      expect(result.status).toBe(429)
      expect(result.headers.get('retry-after')).toBe('7')
      expect(result.json).toEqual({ Message: expect.stringContaining('Too Many Requests') })
    }
    sandbox.clearFaults()
    const after = await list()
    expect(after.status).toBe(200)
    expect(after.headers.get('retry-after')).toBeNull()
  })

  it('answers 500 without creating anything, and leaves other routes alone', async () => {
    sandbox.setFaults([{ route: 'create', status: 500 }])
    const result = await api(sandbox, 'POST', '/crmdata/segment', {
      body: { AdvertiserId: sandbox.advertiserId, SegmentName: 'x', Region: 'US' }
    })
    expect(result.status).toBe(500)
    expect(result.json).toEqual({ Message: expect.any(String) })
    expect(sandbox.segments()).toHaveLength(0)
    expect((await list()).status).toBe(200)
  })

  it('delays an answer by latencyMs', async () => {
    sandbox.setFaults([{ route: 'list', latencyMs: 300, times: 1 }])
    const started = Date.now()
    const slow = await list()
    const slowMs = Date.now() - started
    expect(slow.status).toBe(200)
    expect(slow.json).toEqual({ Segments: [], PagingToken: null })
    expect(slowMs).toBeGreaterThanOrEqual(290)
    // times: 1 used the rule up
    const active = await fetch(`${sandbox.origin}/_sandbox/faults`)
    expect(await active.json()).toEqual([])
  })

  it('resets the connection so fetch rejects, and records status 0', async () => {
    sandbox.setFaults([{ route: 'create', reset: true, times: 1 }])
    await expect(
      api(sandbox, 'POST', '/crmdata/segment', {
        body: { AdvertiserId: sandbox.advertiserId, SegmentName: 'x', Region: 'US' }
      })
    ).rejects.toThrow('fetch failed')
    expect(sandbox.requests.at(-1)).toEqual(expect.objectContaining({ route: 'create', status: 0 }))
    expect(sandbox.segments()).toHaveLength(0)
    await createSegment(sandbox, 'after the reset')
    expect(sandbox.segments()).toHaveLength(1)
  })

  it('resets an upload before it is read, leaving the drop usable', async () => {
    const crmDataId = await createSegment(sandbox, 'Upload reset')
    const drop = await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')
    const body = lines(hashedIds(1500))
    sandbox.setFaults([{ route: 'upload', reset: true, times: 1 }])
    await expect(upload(drop.Url, body)).rejects.toThrow('fetch failed')
    expect(sandbox.drops(crmDataId)[0].status).toBe('pending')
    expect((await upload(drop.Url, body)).status).toBe(200)
    expect(sandbox.members(crmDataId).size).toBe(1500)
  })

  it('answers 200 with a truncated body for malformedJson', async () => {
    sandbox.setFaults([{ route: 'list', malformedJson: true }])
    const response = await fetch(`${sandbox.apiBaseUrl}/crmdata/segment/${sandbox.advertiserId}`, {
      headers: { 'TTD-Auth': sandbox.token }
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
    const text = await response.text()
    expect(text.startsWith('{"Segments":[')).toBe(true)
    expect(() => JSON.parse(text)).toThrow('JSON')
  })

  it('answers 200 {} for incompleteJson without creating a drop', async () => {
    const crmDataId = await createSegment(sandbox, 'Incomplete')
    sandbox.setFaults([{ route: 'drop', incompleteJson: true }])
    const result = await api(sandbox, 'POST', `/crmdata/segment/${sandbox.advertiserId}/${crmDataId}`, {
      body: { PiiType: 'Email', MergeMode: 'Replace' }
    })
    expect(result.status).toBe(200)
    expect(result.json).toEqual({})
    expect(sandbox.drops()).toHaveLength(0)
  })

  it('repeats the same non-empty page and PagingToken, then resumes once used up', async () => {
    const seeded = ['A', 'B', 'C'].map((name) => sandbox.seedSegment(sandbox.advertiserId, name, 'US').crmDataId)
    sandbox.setFaults([{ route: 'list', repeatPagingToken: true, times: 3 }])
    const first = (await list()).json as Page
    expect(first.Segments.map((s) => s.CrmDataId)).toEqual(seeded.slice(0, 2))
    expect(typeof first.PagingToken).toBe('string')
    for (let i = 0; i < 2; i++) {
      const again = (await list(`?pagingToken=${first.PagingToken}`)).json as Page
      expect(again).toEqual(first)
    }
    // the fault is used up: the repeated token now leads to the rest of the listing
    const rest = (await list(`?pagingToken=${first.PagingToken}`)).json as Page
    expect(rest.Segments.map((s) => s.CrmDataId)).toEqual([seeded[2]])
    expect((await list(`?pagingToken=${rest.PagingToken}`)).json).toEqual({ Segments: [], PagingToken: null })
  })

  it('repeats a placeholder page for an advertiser without segments', async () => {
    sandbox.setFaults([{ route: 'list', repeatPagingToken: true }])
    const first = (await list()).json as Page
    const second = (await list(`?pagingToken=${first.PagingToken}`)).json as Page
    expect(first.Segments).toHaveLength(1)
    expect(second).toEqual(first)
  })

  it('hands out an http:// drop URL on a non-loopback host for insecureDropUrl', async () => {
    const crmDataId = await createSegment(sandbox, 'Insecure')
    sandbox.setFaults([{ route: 'drop', insecureDropUrl: true, times: 1 }])
    const insecure = await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')
    const url = new URL(insecure.Url)
    expect(url.protocol).toBe('http:')
    expect(['127.0.0.1', 'localhost', '::1', '[::1]']).not.toContain(url.hostname)
    expect(url.hostname).not.toBe(new URL(sandbox.origin).hostname)
    const normal = await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')
    expect(normal.Url.startsWith(`${sandbox.origin}/drops/`)).toBe(true)
  })

  it('applies a rule to the next `times` requests only, queueing rules for the same route', async () => {
    sandbox.setFaults([
      { route: 'list', status: 503, retryAfterSeconds: 1, times: 2 },
      { route: 'list', status: 502, times: 1 }
    ])
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await list()).status)
    expect(statuses).toEqual([503, 503, 502, 200, 200])
  })

  it('takes faults from the start options', async () => {
    const faulty = await startSandbox({ faults: [{ route: 'list', status: 504, times: 1 }] })
    try {
      const path = `${faulty.apiBaseUrl}/crmdata/segment/${faulty.advertiserId}`
      const headers = { 'TTD-Auth': faulty.token }
      expect((await fetch(path, { headers })).status).toBe(504)
      expect((await fetch(path, { headers })).status).toBe(200)
    } finally {
      await faulty.close()
    }
  })

  it('sets, shows and clears faults over HTTP, refusing invalid rules', async () => {
    const faultsUrl = `${sandbox.origin}/_sandbox/faults`
    const put = (body: string) => fetch(faultsUrl, { method: 'PUT', body })

    const invalid = await put(JSON.stringify([{ route: 'list', stauts: 500 }]))
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toEqual({ Message: "Fault rule 0 has an unknown field 'stauts'" })
    expect((await put(JSON.stringify([{ route: 'create', repeatPagingToken: true }]))).status).toBe(400)
    expect((await put('not json')).status).toBe(400)
    expect((await list()).status).toBe(200)

    const valid = await put(JSON.stringify([{ route: 'list', status: 429, times: 2 }]))
    expect(valid.status).toBe(200)
    expect((await list()).status).toBe(429)
    expect(await (await fetch(faultsUrl)).json()).toEqual([{ route: 'list', status: 429, times: 1 }])

    expect((await fetch(faultsUrl, { method: 'DELETE' })).status).toBe(200)
    expect((await list()).status).toBe(200)
    expect(await (await fetch(faultsUrl)).json()).toEqual([])
  })

  it('refuses invalid rules given to setFaults', () => {
    expect(() => sandbox.setFaults([{ route: 'upload', insecureDropUrl: true }])).toThrow('drop route only')
    expect(() => sandbox.setFaults([{ route: 'list', retryAfterSeconds: 3 }])).toThrow('needs a status')
    expect(() => sandbox.setFaults([{ route: 'everything' as 'list', status: 500 }])).toThrow('route must be one of')
  })

  it('closes promptly while a delayed request is still pending', async () => {
    sandbox.setFaults([{ route: 'list', latencyMs: 10_000 }])
    const pending = list()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = Date.now()
    await sandbox.close()
    expect(Date.now() - started).toBeLessThan(1000)
    await expect(pending).rejects.toThrow('fetch failed')
  })

  describe('brokenBody', () => {
    const listUrl = () => `${sandbox.apiBaseUrl}/crmdata/segment/${sandbox.advertiserId}`
    const cut = (how: BrokenBody) => sandbox.setFaults([{ route: 'list', brokenBody: how, times: 1 }])

    it('close: 200, the start of the JSON, then a clean close short of the declared length', async () => {
      cut('close')
      const answer = await rawGet(listUrl(), sandbox.token)
      expect(answer.status).toBe(200)
      const { ending, body } = await answer.ended
      expect(ending).toBe('closed')
      expect(body.startsWith('{"Segments":[')).toBe(true)
      expect(Number(answer.headers['content-length'])).toBeGreaterThan(Buffer.byteLength(body))
      expect(sandbox.requests.at(-1)).toEqual(expect.objectContaining({ route: 'list', status: 0 }))
      expect((await list()).status).toBe(200)
    })

    it('reset: 200, the start of the JSON, then a connection reset', async () => {
      cut('reset')
      const answer = await rawGet(listUrl(), sandbox.token)
      expect(answer.status).toBe(200)
      expect((await answer.ended).ending).toBe('reset')
      expect((await list()).status).toBe(200)
    })

    it('chunked: a chunked 200 that ends without its last chunk', async () => {
      cut('chunked')
      const answer = await rawGet(listUrl(), sandbox.token)
      expect(answer.status).toBe(200)
      expect(answer.headers['transfer-encoding']).toBe('chunked')
      expect(answer.headers['content-length']).toBeUndefined()
      const { ending, body } = await answer.ended
      expect(ending).toBe('closed')
      expect(body.startsWith('{"Segments":[')).toBe(true)
    })

    it('stall: 200 and the start of the body, then nothing until the sandbox closes', async () => {
      cut('stall')
      const answer = await rawGet(listUrl(), sandbox.token)
      expect(answer.status).toBe(200)
      expect((await answer.started).startsWith('{"Segments":[')).toBe(true)
      await sandbox.close()
      expect((await answer.ended).ending).not.toBe('complete')
    })

    it('cuts the upload answer too, storing nothing and leaving the drop usable', async () => {
      const crmDataId = await createSegment(sandbox, 'Upload cut')
      const drop = await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')
      const body = lines(hashedIds(1500))
      sandbox.setFaults([{ route: 'upload', brokenBody: 'reset', times: 1 }])
      await expect(upload(drop.Url, body)).rejects.toThrow()
      expect(sandbox.drops(crmDataId)[0].status).toBe('pending')
      expect((await upload(drop.Url, body)).status).toBe(200)
      expect(sandbox.members(crmDataId).size).toBe(1500)
    })

    it('refuses an unknown way or a rule that also sets another answer', () => {
      expect(() => sandbox.setFaults([{ route: 'list', brokenBody: 'explode' as BrokenBody }])).toThrow(
        'brokenBody must be one of close, reset, stall, chunked'
      )
      expect(() => sandbox.setFaults([{ route: 'list', brokenBody: 'close', status: 500 }])).toThrow(
        'brokenBody and status each decide the answer'
      )
    })
  })
})
