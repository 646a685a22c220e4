import nock from 'nock'
import { createTestIntegration } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../index'
import { API, LIST_PATH } from './__helpers__/fake-ttd'
import { SETTINGS } from './__helpers__/events'

// A short timeout so the "no answer" case does not wait the production 15 s; answers that come use the default.
const impatient = createTestIntegration(createTheTradeDeskCrm({ apiTimeoutMs: 200 }))
const patient = createTestIntegration(createTheTradeDeskCrm())

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code })
}

async function testConnectionError(integration = patient): Promise<Error> {
  const outcome = await integration.testAuthentication(SETTINGS).then(
    () => undefined,
    (error: unknown) => error
  )
  if (!(outcome instanceof Error)) throw new Error('Test Connection passed where it should have failed')
  return outcome
}

describe('Test Connection when The Trade Desk cannot be reached', () => {
  it.each([
    ['the connection is refused', () => nock(API).get(LIST_PATH).replyWithError(networkError('ECONNREFUSED'))],
    ['the host is not found', () => nock(API).get(LIST_PATH).replyWithError(networkError('ENOTFOUND'))],
    ['no answer comes in time', () => nock(API).get(LIST_PATH).delay(1_000).reply(200, { Segments: [] })],
    ['TTD answers 503', () => nock(API).get(LIST_PATH).reply(503, { Message: 'maintenance' })],
    ['TTD answers 429', () => nock(API).get(LIST_PATH).reply(429, { Message: 'slow down' })],
    ['the answer is not JSON', () => nock(API).get(LIST_PATH).reply(200, '<html>proxy error</html>')]
  ])('says so when %s, clears the token, and promises no retry', async (_, setUp) => {
    setUp()
    const { message } = await testConnectionError(impatient)
    expect(message).toMatch(/Cannot reach The Trade Desk at api\.thetradedesk\.com to test the connection/)
    expect(message).toMatch(/not a problem with the Auth Token or the Advertiser ID/)
    expect(message).not.toMatch(/retry/i)
    expect(message).not.toContain(SETTINGS.auth_token)
  })
})

describe('Test Connection when The Trade Desk answers', () => {
  it.each([
    [401, /rejected the API token \(401\)/],
    [403, /no rights on advertiser "adv123" \(403\)/],
    [404, /does not know advertiser "adv123" \(404\)/]
  ])('%i names the setting to fix and never says TTD was unreachable', async (status, expected) => {
    nock(API).get(LIST_PATH).reply(status, { Message: 'denied' })
    const { message } = await testConnectionError()
    expect(message).toMatch(expected)
    expect(message).not.toMatch(/Cannot reach/)
  })
})
