import nock from 'nock'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createTestIntegration, InvalidAuthenticationError } from '@segment/actions-core'
import definition from '../index'
import { API, LIST_PATH } from './__helpers__/fake-ttd'
import { SETTINGS } from './__helpers__/events'

describe('definition', () => {
  it('keeps the name, slug, mode and setting keys existing Segment configurations rely on', () => {
    expect(definition.name).toBe('The Trade Desk CRM')
    expect(definition.slug).toBe('actions-the-trade-desk-crm')
    expect(definition.mode).toBe('cloud')
    const settings = definition.authentication?.fields ?? {}
    expect(Object.keys(settings).sort()).toEqual(
      [
        '__segment_internal_engage_batch_sync',
        '__segment_internal_engage_force_full_sync',
        'advertiser_id',
        'auth_token'
      ].sort()
    )
    expect(settings.auth_token).toMatchObject({ type: 'password', required: true })
    expect(settings.__segment_internal_engage_force_full_sync).toMatchObject({
      type: 'boolean',
      required: true,
      default: true
    })
    expect(settings.__segment_internal_engage_batch_sync).toMatchObject({
      type: 'boolean',
      required: true,
      default: true
    })
  })

  it('keeps the syncAudience field keys and defaults', () => {
    const action = definition.actions.syncAudience
    expect(Object.keys(action.fields).sort()).toEqual(
      [
        'batch_size',
        'email',
        'enable_batching',
        'event_name',
        'external_id',
        'name',
        'phone',
        'pii_type',
        'region'
      ].sort()
    )
    expect(action.defaultSubscription).toBe('event = "Audience Entered"')
    expect(action.fields.region).toMatchObject({ required: true, default: 'US' })
    expect(action.fields.batch_size).toMatchObject({ unsafe_hidden: true, default: 100000, minimum: 1500 })
    expect(action.fields.external_id).toMatchObject({
      unsafe_hidden: true,
      default: { '@path': '$.context.personas.external_audience_id' }
    })
    expect(action.fields.event_name).toMatchObject({ unsafe_hidden: true, default: { '@path': '$.event' } })
  })

  // fast-uri 3.1.6+ makes actions-core's schema validation throw "URI scheme is malformed" for any
  // destination name with a space; package.json pins it through overrides.
  it('validates payloads although the destination name has spaces (fast-uri pin)', async () => {
    // The copy that matters is the one actions-core's ajv loads.
    const from = (pkg: string, dir: string) => dirname(require.resolve(pkg, { paths: [dir] }))
    const ajvDir = from('ajv', from('@segment/actions-core', __dirname))
    const manifest = join(from('fast-uri', ajvDir), 'package.json')
    const version = JSON.parse(readFileSync(manifest, 'utf8')).version as string
    const [major, minor, patch] = version.split('.').map(Number)
    expect(major === 3 && (minor > 1 || (minor === 1 && patch >= 6))).toBe(false)

    const integration = createTestIntegration(definition)
    // A payload missing the required pii_type must fail schema validation with ajv's message, not a URI error.
    const error = await integration
      .testAction('syncAudience', {
        event: { type: 'track' },
        mapping: { name: 'x', region: 'US' },
        settings: SETTINGS
      })
      .catch((e: Error) => e)
    expect((error as Error).message).toContain("missing the required field 'pii_type'")
    expect((error as Error).message).not.toContain('URI scheme is malformed')
  })
})

describe('where requests go', () => {
  it('always calls TTD’s production API, whatever settings or mapping a customer saves', async () => {
    const evil = nock('https://attacker.example').persist().get(/.*/).reply(200, {}).post(/.*/).reply(200, {})
    const ttd = nock(API).get(LIST_PATH).reply(200, { Segments: [], PagingToken: null })
    const settings = { ...SETTINGS, api_base_url: 'https://attacker.example/v3', baseUrl: 'https://attacker.example' }
    await expect(createTestIntegration(definition).testAuthentication(settings)).resolves.not.toThrow()
    expect(ttd.isDone()).toBe(true)
    expect(evil.isDone()).toBe(false)
    const fieldKeys = [
      ...Object.keys(definition.authentication?.fields ?? {}),
      ...Object.keys(definition.actions.syncAudience.fields)
    ]
    expect(fieldKeys.filter((key) => /url|host|endpoint|base/i.test(key))).toEqual([])
  })
})

describe('testAuthentication', () => {
  const integration = createTestIntegration(definition)

  it('passes when the advertiser’s segments can be listed', async () => {
    nock(API, { reqheaders: { 'ttd-auth': SETTINGS.auth_token } })
      .get(LIST_PATH)
      .reply(200, { Segments: [], PagingToken: null })
    await expect(integration.testAuthentication(SETTINGS)).resolves.not.toThrow()
    expect(nock.isDone()).toBe(true)
  })

  it.each([
    [401, /rejected the API token \(401\)\. Check the Auth Token setting/],
    [403, /no rights on advertiser "adv123" \(403\)\. Check the Advertiser ID setting/],
    [404, /does not know advertiser "adv123" \(404\)\. Check the Advertiser ID setting/]
  ])('tells the user what to fix on %i', async (status, message) => {
    nock(API).get(LIST_PATH).reply(status, { Message: 'denied' })
    const error = await integration.testAuthentication(SETTINGS).catch((e: Error) => e)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).not.toContain(SETTINGS.auth_token)
  })

  it('throws an InvalidAuthenticationError from the client for a rejected token', async () => {
    nock(API).get(LIST_PATH).reply(401, {})
    const auth = definition.authentication
    if (!auth || !('testAuthentication' in auth) || !auth.testAuthentication) throw new Error('no testAuthentication')
    const { createRequestClient } = await import('@segment/actions-core')
    const error = await Promise.resolve(
      auth.testAuthentication(createRequestClient(), {
        settings: SETTINGS,
        auth: { accessToken: '', refreshToken: '' }
      })
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidAuthenticationError)
  })
})
