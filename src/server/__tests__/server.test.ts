import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTheTradeDeskCrm } from '../../destinations/the-trade-desk-crm'
import { startSandbox, type Sandbox } from '../../sandbox'
import { audienceMix, engageEvent } from '../../runner/__tests__/helpers/audience'
import { createLocalServer } from '../server'

let sandbox: Sandbox
let server: Server
let baseUrl: string
let logLines: string[]
let settings: Record<string, unknown>

const MAPPING = { pii_type: 'EmailHashedUnifiedId2', name: 'Served segment' }

beforeEach(async () => {
  sandbox = await startSandbox()
  settings = { auth_token: sandbox.token, advertiser_id: sandbox.advertiserId }
  logLines = []
  server = createLocalServer({
    definition: createTheTradeDeskCrm({ apiBaseUrl: sandbox.apiBaseUrl, allowLoopbackHttpDrops: true }),
    log: (line) => logLines.push(line)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await sandbox.close()
})

async function call(method: string, path: string, body?: unknown, rawBody?: string) {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body))
  })
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
  return { status: response.status, headers: response.headers, json: (await response.json()) as unknown }
}

describe('GET /', () => {
  it('describes the definition without its functions', async () => {
    const { status, json } = await call('GET', '/')
    const definition = json as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(status).toBe(200)
    expect(definition.name).toBe('The Trade Desk CRM')
    expect(Object.keys(definition.authentication.fields)).toEqual(
      expect.arrayContaining(['auth_token', 'advertiser_id'])
    )
    expect(definition.authentication.testAuthentication).toBeUndefined()
    expect(definition.actions.syncAudience.defaultSubscription).toBe('event = "Audience Entered"')
    expect(definition.actions.syncAudience.fields.pii_type.required).toBe(true)
    expect(definition.actions.syncAudience.performBatch).toBeUndefined()
  })

  it('answers 405 to other methods', async () => {
    const { status, headers, json } = await call('POST', '/', {})
    expect(status).toBe(405)
    expect(headers.get('allow')).toBe('GET')
    expect(json).toEqual({ ok: false, error: '/ accepts GET only.' })
  })
})

describe('POST /authentication', () => {
  it('answers ok for a token with rights on the advertiser', async () => {
    expect(await call('POST', '/authentication', { settings })).toMatchObject({ status: 200, json: { ok: true } })
    expect(sandbox.requests.map((r) => `${r.route} ${r.status}`)).toEqual(['list 200'])
  })

  it('answers 400 with the reason for a rejected token', async () => {
    const { status, json } = await call('POST', '/authentication', { settings: { ...settings, auth_token: 'nope' } })
    expect(status).toBe(400)
    expect(json).toMatchObject({ ok: false, error: expect.stringMatching(/Check the Auth Token setting/) })
  })

  it('answers 400 for missing or incomplete settings', async () => {
    expect(await call('POST', '/authentication', {})).toMatchObject({
      status: 400,
      json: { ok: false, error: '"settings" must be a JSON object.' }
    })
    const incomplete = await call('POST', '/authentication', { settings: { auth_token: 'x' } })
    expect(incomplete.status).toBe(400)
    expect((incomplete.json as { error: string }).error).toMatch(/advertiser_id/)
    expect(sandbox.requests).toHaveLength(0)
  })

  it('answers 405 to GET', async () => {
    expect((await call('GET', '/authentication')).status).toBe(405)
  })
})

describe('POST /syncAudience', () => {
  it('runs performBatch for an array and answers the multistatus; the next batch adds', async () => {
    const first = audienceMix({ members: 1500, invalid: 1, tag: 'b1' }).events
    const { status, json } = await call('POST', '/syncAudience', { settings, mapping: MAPPING, payload: first })

    expect(status).toBe(200)
    const multistatus = json as { status: number; body?: { mergeMode?: string }; errormessage?: string }[]
    expect(multistatus).toHaveLength(1501)
    expect(multistatus[0]).toMatchObject({ status: 200, body: { mergeMode: 'Replace', distinctIdentifiers: 1500 } })
    expect(multistatus[1500]).toMatchObject({ status: 400, errortype: 'PAYLOAD_VALIDATION_FAILED' })
    const [segment] = sandbox.segments()
    expect(segment.segmentName).toBe('Served segment')
    expect(sandbox.members(segment.crmDataId).size).toBe(1500)

    // The server keeps one state context, like Segment's runtime: the second batch of the sync adds.
    const second = audienceMix({ members: 1500, tag: 'b2' }).events
    const again = await call('POST', '/syncAudience', { settings, mapping: MAPPING, payload: second })
    expect((again.json as { body: { mergeMode: string } }[])[0].body.mergeMode).toBe('Add')
    expect(sandbox.members(segment.crmDataId).size).toBe(3000)
  })

  it('runs perform for a single event, which tells to turn batching on', async () => {
    const { status, json } = await call('POST', '/syncAudience', {
      settings,
      mapping: MAPPING,
      payload: engageEvent('one@example.com')
    })
    expect(status).toBe(400)
    expect(json).toEqual({
      ok: false,
      error: expect.stringMatching(/Turn Enable Batching on/),
      code: 'BATCHING_REQUIRED'
    })
  })

  it('answers 400 when the mapping leaves a required field empty', async () => {
    const { status, json } = await call('POST', '/syncAudience', {
      settings,
      mapping: { name: 'x' },
      payload: engageEvent('one@example.com')
    })
    expect(status).toBe(400)
    expect((json as { error: string }).error).toMatch(/pii_type/)
  })

  it('answers the whole batch 401 when TTD rejects the token', async () => {
    const { status, json } = await call('POST', '/syncAudience', {
      settings: { ...settings, auth_token: 'rejected-token' },
      mapping: MAPPING,
      payload: audienceMix({ members: 1500 }).events
    })
    expect(status).toBe(401)
    expect(json).toMatchObject({ ok: false, error: expect.stringMatching(/Check the Auth Token setting/) })
    expect(JSON.stringify(json)).not.toContain('rejected-token')
  })

  it.each([
    [{ mapping: MAPPING, payload: [] }, '"settings" must be a JSON object.'],
    [{ settings: {}, payload: [] }, '"payload" is an empty list: send at least one event.'],
    [{ settings: {}, payload: 'event' }, '"payload" must be an event object or an array of events.'],
    [{ settings: {}, payload: [{}, 3] }, 'Every event in "payload" must be a JSON object.'],
    [{ settings: {}, mapping: [], payload: {} }, '"mapping" must be a JSON object.']
  ])('answers 400 to a malformed request %j', async (body, error) => {
    expect(await call('POST', '/syncAudience', body)).toMatchObject({ status: 400, json: { ok: false, error } })
  })

  it('never logs request bodies: only method, path, status and time', async () => {
    const events = audienceMix({ members: 1500, tag: 'logged' }).events
    await call('POST', '/syncAudience', { settings, mapping: MAPPING, payload: events })
    await call('POST', '/authentication', { settings })
    expect(logLines).toHaveLength(2)
    expect(logLines[0]).toMatch(/^POST \/syncAudience 200 \d+ms$/)
    expect(logLines[1]).toMatch(/^POST \/authentication 200 \d+ms$/)
  })
})

describe('other routes', () => {
  it.each(['/createAudience', '/getAudience'])(
    'answers 404 to %s: this destination has no audience methods',
    async (path) => {
      const { status, json } = await call('POST', path, { settings, audienceName: 'x' })
      expect(status).toBe(404)
      expect((json as { error: string }).error).toMatch(/^The Trade Desk CRM has no audience methods/)
    }
  )

  it('answers 404 to an unknown route, listing the routes', async () => {
    const { status, json } = await call('GET', '/nope')
    expect(status).toBe(404)
    expect(json).toEqual({ ok: false, error: 'No route /nope. Routes: /, /authentication, /syncAudience.' })
  })

  it('answers 400 to a body that is not JSON, or not an object', async () => {
    expect(await call('POST', '/syncAudience', undefined, '{"settings":')).toMatchObject({
      status: 400,
      json: { ok: false, error: 'The request body is not valid JSON.' }
    })
    expect(await call('POST', '/authentication', [1, 2])).toMatchObject({
      status: 400,
      json: { ok: false, error: 'The request body must be a JSON object.' }
    })
  })
})
