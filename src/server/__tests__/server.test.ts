import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTheTradeDeskCrm } from '../../destinations/the-trade-desk-crm'
import { startSandbox, type Sandbox } from '../../sandbox'
import { audienceMix, engageEvent } from '../../testing/audience-fixtures'
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

  it('answers every event 401 when TTD rejects the token: the batch ran, and each event says why it failed', async () => {
    const { status, json } = await call('POST', '/syncAudience', {
      settings: { ...settings, auth_token: 'rejected-token' },
      mapping: MAPPING,
      payload: audienceMix({ members: 1500 }).events
    })
    expect(status).toBe(200)
    const multistatus = json as { status: number; errormessage?: string; body?: { code?: string } }[]
    expect(new Set(multistatus.map((entry) => `${entry.status} ${entry.body?.code}`))).toEqual(
      new Set(['401 TTD_TOKEN_REJECTED'])
    )
    expect(multistatus[0].errormessage).toMatch(/Check the Auth Token setting/)
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

describe('GET /manifest', () => {
  it('answers the definition, with the audience fields and the action title, as GET / does', async () => {
    const manifest = await call('GET', '/manifest')
    expect(manifest.status).toBe(200)
    const definition = manifest.json as Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(Object.keys(definition.audienceFields)).toEqual(['region'])
    expect(definition.audienceConfig.mode).toEqual({ type: 'synced', full_audience_sync: true })
    expect(definition.actions.syncAudience.title).toBe('Sync Audience to CRM Data Segment')
    expect((await call('GET', '/')).json).toEqual(manifest.json)
  })
})

describe('POST /authenticate', () => {
  it('answers ok for settings sent as the body, as Segment\'s CLI sends them, or under "settings"', async () => {
    expect(await call('POST', '/authenticate', settings)).toMatchObject({ status: 200, json: { ok: true } })
    expect(await call('POST', '/authenticate', { settings })).toMatchObject({ status: 200, json: { ok: true } })
  })

  it('answers 200 with ok false, the reason and the refused fields', async () => {
    const rejected = await call('POST', '/authenticate', { ...settings, auth_token: 'nope' })
    expect(rejected).toMatchObject({ status: 200, json: { ok: false, error: expect.stringMatching(/Auth Token/) } })
    const incomplete = await call('POST', '/authenticate', { auth_token: 'x' })
    expect(incomplete.status).toBe(200)
    // As in Segment's CLI, a missing field is reported on the root ("$") by the schema check.
    expect(incomplete.json).toMatchObject({ ok: false, fields: { $: expect.stringMatching(/'advertiser_id'/) } })
  })
})

describe('the audience routes', () => {
  it('POST /createAudience creates the segment once and answers the same CrmDataId again', async () => {
    const body = { settings, audienceSettings: { region: 'EU' }, audienceName: 'Engage audience' }
    const first = await call('POST', '/createAudience', body)
    const again = await call('POST', '/createAudience', body)

    expect(first.status).toBe(200)
    expect(again.json).toEqual(first.json)
    const segments = sandbox.segments()
    expect(segments).toHaveLength(1)
    expect(segments[0]).toMatchObject({ segmentName: 'Engage audience', region: 'EU' })
    expect(first.json).toEqual({ externalId: segments[0].crmDataId })
  })

  it('POST /createAudience answers 400 with the reason for a duplicated name', async () => {
    sandbox.seedSegment(sandbox.advertiserId, 'Twice', 'US')
    sandbox.seedSegment(sandbox.advertiserId, 'Twice', 'US')
    const { status, json } = await call('POST', '/createAudience', {
      settings,
      audienceSettings: { region: 'US' },
      audienceName: 'Twice'
    })
    expect(status).toBe(400)
    expect(json).toMatchObject({
      ok: false,
      code: 'DUPLICATE_SEGMENT_NAME',
      status: 409,
      error: expect.stringMatching(/^2 CRM/)
    })
  })

  it('POST /getAudience answers the id while the segment exists, 400 with the reason when it does not', async () => {
    const seeded = sandbox.seedSegment(sandbox.advertiserId, 'Known', 'US')
    expect(await call('POST', '/getAudience', { settings, externalId: seeded.crmDataId })).toEqual(
      expect.objectContaining({ status: 200, json: { externalId: seeded.crmDataId } })
    )
    const gone = await call('POST', '/getAudience', { settings, externalId: 'crm-gone' })
    expect(gone).toMatchObject({ status: 400, json: { ok: false, code: 'AUDIENCE_NOT_FOUND', status: 404 } })
  })
})

describe('POST /syncAudience/name (the Segment Name picker)', () => {
  it("answers the advertiser's segments as choices", async () => {
    const seeded = sandbox.seedSegment(sandbox.advertiserId, 'Picked', 'APAC')
    const { status, json } = await call('POST', '/syncAudience/name', { settings })
    expect(status).toBe(200)
    expect(json).toEqual({
      choices: [
        {
          label: `Picked (APAC, CrmDataId ${seeded.crmDataId})`,
          value: 'Picked',
          description: `CRM Data Segment ${seeded.crmDataId} in Region APAC.`
        }
      ]
    })
  })

  it("answers 500 with the picker's error, as Segment's CLI does", async () => {
    const { status, json } = await call('POST', '/syncAudience/name', { settings: { ...settings, auth_token: 'x' } })
    expect(status).toBe(500)
    expect(json).toEqual({
      ok: false,
      error: expect.stringMatching(/Check the Auth Token setting/),
      code: 'TTD_TOKEN_REJECTED',
      choices: []
    })
  })
})

describe('POST /syncAudience/hooks/onMappingSave', () => {
  it('creates the segment, and a mapping holding its saved data syncs to it without a lookup', async () => {
    const saved = await call('POST', '/syncAudience/hooks/onMappingSave', {
      settings,
      hookInputs: { segment_name: 'Saved at mapping time', region: 'US' }
    })
    expect(saved.status).toBe(200)
    const [segment] = sandbox.segments()
    const savedData = { crm_data_id: segment.crmDataId, segment_name: 'Saved at mapping time', region: 'US' }
    expect(saved.json).toEqual({ successMessage: expect.stringMatching(/^Created the CRM Data Segment/), savedData })

    const before = sandbox.requests.length
    const { json } = await call('POST', '/syncAudience', {
      settings,
      mapping: { ...MAPPING, onMappingSave: { outputs: savedData } },
      payload: audienceMix({ members: 1500, tag: 'hooked' }).events
    })
    expect((json as { body: { crmDataId: string } }[])[0].body.crmDataId).toBe(segment.crmDataId)
    expect(sandbox.requests.slice(before).map((r) => r.route)).toEqual(['drop', 'upload'])
    expect(sandbox.members(segment.crmDataId).size).toBe(1500)
  })

  it('answers 400 with the hook error for a segment of that name in another Region', async () => {
    sandbox.seedSegment(sandbox.advertiserId, 'Elsewhere', 'EU')
    const { status, json } = await call('POST', '/syncAudience/hooks/onMappingSave', {
      settings,
      hookInputs: { segment_name: 'Elsewhere', region: 'US' }
    })
    expect(status).toBe(400)
    expect(json).toEqual({ error: { code: 'REGION_MISMATCH', message: expect.stringMatching(/in Region EU, but/) } })
  })

  it('answers 400 when hookInputs are missing or break the schema', async () => {
    expect((await call('POST', '/syncAudience/hooks/onMappingSave', { settings })).status).toBe(400)
    const noRegion = await call('POST', '/syncAudience/hooks/onMappingSave', {
      settings,
      hookInputs: { segment_name: 'x' }
    })
    expect(noRegion.status).toBe(400)
    expect(sandbox.requests).toHaveLength(0)
  })
})

describe('other routes', () => {
  it('answers 404 to the audience routes for a definition without audience methods', async () => {
    const plain = createTheTradeDeskCrm({ apiBaseUrl: sandbox.apiBaseUrl })
    const withoutAudiences = { ...plain } as Partial<typeof plain>
    delete withoutAudiences.audienceConfig
    delete withoutAudiences.audienceFields
    const other = createLocalServer({ definition: withoutAudiences as typeof plain })
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    try {
      const port = (other.address() as AddressInfo).port
      const response = await fetch(`http://127.0.0.1:${port}/createAudience`, { method: 'POST', body: '{}' })
      expect(response.status).toBe(404)
      expect(((await response.json()) as { error: string }).error).toMatch(/has no audience methods/)
    } finally {
      other.closeAllConnections()
      await new Promise((resolve) => other.close(resolve))
    }
  })

  it('answers 404 to an unknown route, listing the routes', async () => {
    const { status, json } = await call('GET', '/nope')
    expect(status).toBe(404)
    expect(json).toEqual({
      ok: false,
      error:
        'No route /nope. Routes: /manifest, /, /authenticate, /authentication, /createAudience, /getAudience, ' +
        '/syncAudience, /syncAudience/name, /syncAudience/hooks/onMappingSave.'
    })
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
