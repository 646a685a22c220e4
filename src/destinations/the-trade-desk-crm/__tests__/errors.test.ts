import {
  HTTPError,
  IntegrationError,
  InvalidAuthenticationError,
  Response,
  RetryableError
} from '@segment/actions-core'
import {
  CallCutShortError,
  classifyCallFailure,
  CoordinationError,
  forConnectionTest,
  segmentRetries,
  SyncRuleError,
  toFailureEntry,
  toSegmentError,
  TtdError,
  type CallContext,
  type TtdOperation
} from '../errors'

const TOKEN = 'secret-token-0123456789'

function call(operation: TtdOperation = 'list CRM segments', host = 'api.thetradedesk.com'): CallContext {
  return { operation, host, advertiserId: 'adv1', token: TOKEN }
}

/**
 * An HTTPError as actions-core's request client throws it for an error status, around actions-core's own Response
 * (jest 27's node environment, which Segment's monorepo runs, has no global one).
 */
function httpError(status: number, data: unknown = { Message: 'why' }, headers: Record<string, string> = {}) {
  const response = new Response(JSON.stringify(data), { status, headers }) as Response & { data?: unknown }
  response.data = data
  return new HTTPError(response as never, {} as never, {} as never)
}

function classified(error: unknown, ctx = call()): TtdError {
  const result = classifyCallFailure(error, ctx)
  if (!(result instanceof TtdError)) throw new Error(`not classified: ${String(result)}`)
  return result
}

describe('what a failed call to TTD was, as data', () => {
  it.each([
    [429, 'list CRM segments', 'TTD_RATE_LIMITED', true],
    [408, 'list CRM segments', 'TTD_UNAVAILABLE', true],
    [500, 'create the CRM segment', 'TTD_UNAVAILABLE', true],
    [503, 'upload', 'TTD_UNAVAILABLE', true],
    [401, 'list CRM segments', 'TTD_TOKEN_REJECTED', false],
    [403, 'request an upload location', 'TTD_FORBIDDEN', false],
    [404, 'list CRM segments', 'TTD_ADVERTISER_NOT_FOUND', false],
    [404, 'request an upload location', 'TTD_SEGMENT_NOT_FOUND', false],
    [401, 'upload', 'TTD_UPLOAD_URL_EXPIRED', true],
    [403, 'upload', 'TTD_UPLOAD_URL_EXPIRED', true],
    [400, 'create the CRM segment', 'TTD_REJECTED', false],
    [400, 'upload', 'TTD_REJECTED', false]
  ] as const)('%i on "%s" is %s (retryable: %s)', (status, operation, code, retryable) => {
    const error = classified(httpError(status), call(operation))
    expect(error).toMatchObject({ code, retryable, status, operation, stored: 'no' })
  })

  it.each([
    ['ENOTFOUND', 'dns', 'no', 503],
    ['EAI_AGAIN', 'dns', 'no', 503],
    ['ECONNREFUSED', 'refused', 'no', 503],
    ['ECONNRESET', 'reset', 'maybe', 503],
    ['EHOSTUNREACH', 'unreachable', 'maybe', 503],
    ['ETIMEDOUT', 'timeout', 'maybe', 504]
  ])('network error %s is TTD_UNREACHABLE by %s, stored %s, status %i', (code, network, stored, status) => {
    const error = classified(Object.assign(new Error(`connect ${code}`), { code }), call('upload', 'drop.example'))
    expect(error).toMatchObject({ code: 'TTD_UNREACHABLE', network, stored, host: 'drop.example', retryable: true })
    expect(error.segmentStatus).toBe(status)
  })

  it('tells our deadline from the runtime stopping the invocation', () => {
    expect(classified(new CallCutShortError('deadline'))).toMatchObject({ network: 'timeout', segmentStatus: 504 })
    expect(classified(new CallCutShortError('aborted'))).toMatchObject({ network: 'aborted', segmentStatus: 504 })
  })

  it('keeps what it cannot classify as it is (a bug, not a TTD failure)', () => {
    const bug = new TypeError('x is undefined')
    expect(classifyCallFailure(bug, call())).toBe(bug)
  })

  it('keeps TTD’s own message clipped and without the token, and its Retry-After', () => {
    const echo = 'x'.repeat(500) + TOKEN
    const error = classified(httpError(429, { Message: echo }, { 'retry-after': '30' }))
    expect(error.retryAfter).toBe('30')
    expect(error.ttdMessage?.length).toBeLessThanOrEqual(301)
    expect(error.message).toBe('The Trade Desk rate-limited "list CRM segments" (429) and asked to wait 30 seconds.')
    const refused = classified(httpError(400, { Message: `bad ${TOKEN}` }), call('create the CRM segment'))
    expect(refused.message).toBe('The Trade Desk refused to create the CRM segment (400): bad [redacted]')
  })
})

describe('the failure Segment reads', () => {
  it('gives every event of the group a retryable status and the failure’s data for what a retry may fix', () => {
    const entry = toFailureEntry(
      classified(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), call('upload', 'd.io'))
    )
    expect(entry).toEqual({
      status: 503,
      errortype: 'SERVICE_UNAVAILABLE',
      errormessage:
        'Could not reach The Trade Desk for "upload" at d.io: the connection was refused. Segment retries these ' +
        'events for up to four hours.',
      body: { code: 'TTD_UNREACHABLE', operation: 'upload', host: 'd.io', network: 'refused', stored: 'no' }
    })
    expect(segmentRetries(entry.status)).toBe(true)
  })

  it('gives the destination’s own checks their code and details, never a retryable status, never TTD’s name', () => {
    const rule = new SyncRuleError(
      'DUPLICATE_SEGMENT_NAME',
      '2 CRM segments are named "x"',
      { crmDataIds: ['a', 'b'] },
      409
    )
    const entry = toFailureEntry(rule)
    expect(entry).toMatchObject({ status: 409, body: { code: 'DUPLICATE_SEGMENT_NAME', crmDataIds: ['a', 'b'] } })
    expect(segmentRetries(entry.status)).toBe(false)
    expect(toFailureEntry(new CoordinationError('SEGMENT_BUSY', 'busy'))).toMatchObject({
      status: 503,
      body: { code: 'SEGMENT_BUSY' }
    })
  })

  it('throws, where Segment expects a throw, the actions-core error of each kind', () => {
    expect(toSegmentError(classified(httpError(503)))).toBeInstanceOf(RetryableError)
    expect(toSegmentError(classified(httpError(401)))).toBeInstanceOf(InvalidAuthenticationError)
    expect(toSegmentError(classified(httpError(403)))).toBeInstanceOf(InvalidAuthenticationError)
    const refused = toSegmentError(classified(httpError(404)))
    expect(refused).toBeInstanceOf(IntegrationError)
    expect(refused).toMatchObject({ code: 'TTD_ADVERTISER_NOT_FOUND', status: 404 })
    expect(toSegmentError(new SyncRuleError('INVALID_REGION', 'r'))).toMatchObject({
      code: 'INVALID_REGION',
      status: 400
    })
  })

  it('says, for Test Connection, that an unreachable TTD is not the settings’ fault, and promises no retry', () => {
    const error = forConnectionTest(classified(Object.assign(new Error('x'), { code: 'ENOTFOUND' })))
    expect(error.message).toBe(
      'Cannot reach The Trade Desk at api.thetradedesk.com to test the connection (the host name could not be ' +
        'resolved). This is not a problem with the Auth Token or the Advertiser ID: test the connection again in a ' +
        'few minutes.'
    )
  })

  it.each([
    [500, true],
    [501, false],
    [502, true],
    [505, false],
    [599, true],
    [408, true],
    [410, true],
    [429, true],
    [460, true],
    [400, false],
    [401, false],
    [404, false],
    [409, false],
    [200, false]
  ])('Segment retries status %i: %s', (status, retried) => {
    expect(segmentRetries(status)).toBe(retried)
  })
})
