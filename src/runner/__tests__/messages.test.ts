import { InvalidAuthenticationError, RetryableError } from '@segment/actions-core'
import { RESULT_CODES } from '../../destinations/the-trade-desk-crm/syncAudience/result-codes'
import {
  batchErrorMessage,
  eventFailureMessage,
  inRunnerWords,
  retryNote,
  RUNNER_CODES,
  type EventFailure
} from '../messages'

const SANDBOX = { target: 'sandbox' } as const
const REAL = { target: 'real' } as const

const failure = (code: string, details: EventFailure['details'] = {}, reason = 'r'): EventFailure => ({
  code,
  status: 400,
  reason,
  details
})

describe("the runner's words", () => {
  it('names the option or environment variable that fixes each refusal', () => {
    expect(eventFailureMessage(failure('PHONE_IN_EU'), SANDBOX)).toMatch(/email --pii-type, or --region US or APAC/)
    expect(eventFailureMessage(failure('BELOW_MINIMUM'), SANDBOX)).toMatch(/--pii-type/)
    expect(eventFailureMessage(failure(RESULT_CODES.heldForMinimum), SANDBOX)).toMatch(/at least 1,500/)
    expect(eventFailureMessage(failure('TTD_ADVERTISER_NOT_FOUND'), REAL)).toMatch(/check TTD_ADVERTISER_ID/)
    expect(eventFailureMessage(failure('TTD_TOKEN_REJECTED'), REAL)).toMatch(/TTD_AUTH_TOKEN .* TTD_ADVERTISER_ID/)
    expect(eventFailureMessage(failure(RUNNER_CODES.noSegmentName), REAL)).toMatch(/pass --segment-name/)
    for (const code of [...Object.values(RESULT_CODES), 'PHONE_IN_EU', 'REGION_MISMATCH', 'DUPLICATE_SEGMENT_NAME']) {
      expect(eventFailureMessage(failure(code), REAL)).not.toMatch(/setting|mapping's|Segment will retry/)
    }
  })

  it('says that its own checks stopped the upload, with their reason, never blaming The Trade Desk', () => {
    const mismatch = eventFailureMessage(
      failure('REGION_MISMATCH', { crmDataId: 'crm-9', segmentRegion: 'US', requestedRegion: 'EU' }),
      REAL
    )
    expect(mismatch).toBe(
      'The segment of this name (CrmDataId crm-9) is in Region US, not EU, so the runner sent nothing: pass ' +
        '--region US, or another --segment-name.'
    )
    const duplicates = eventFailureMessage(failure('DUPLICATE_SEGMENT_NAME', { crmDataIds: ['a', 'b'] }), REAL)
    expect(duplicates).toMatch(/^2 segments of the advertiser have this name \(CrmDataIds a, b\), so the runner/)
    for (const text of [mismatch, duplicates, eventFailureMessage(failure('PHONE_IN_EU'), REAL)]) {
      expect(text).not.toMatch(/The Trade Desk refused/)
    }
  })

  it('says what the network did, where, and after how many attempts', () => {
    const unreachable = failure('TTD_UNREACHABLE', { host: 'api.example.test', network: 'dns' })
    expect(eventFailureMessage(unreachable, REAL, 3)).toBe(
      'Could not reach api.example.test: the host name could not be resolved (3 attempts). Check --api-url and ' +
        'the network. Run it again later: the first batch of a run replaces the segment.'
    )
    const refused = failure('TTD_UNREACHABLE', { host: '127.0.0.1:9', network: 'refused' })
    expect(eventFailureMessage(refused, REAL, 1)).toMatch(
      /^Could not reach 127\.0\.0\.1:9: the connection was refused\. /
    )
    const outage = failure('TTD_UNAVAILABLE', { operation: 'request an upload location', ttdStatus: 503 })
    expect(eventFailureMessage(outage, REAL, 3)).toBe(
      'The Trade Desk failed to request an upload location (status 503), an outage on its side (3 attempts). Run ' +
        'it again later: the first batch of a run replaces the segment.'
    )
  })

  it('with --add, says that running again only adds, never that it replaces', () => {
    const silent = failure('TTD_UNREACHABLE', { host: 'api.example.test', network: 'timeout' })
    expect(eventFailureMessage(silent, { target: 'real', add: true }, 3)).toBe(
      'Could not reach api.example.test: no complete answer came in time (3 attempts). Check --api-url and the ' +
        'network. Run it again later: adding people already in the segment changes nothing.'
    )
    const exhausted = batchErrorMessage(new RetryableError('down', 503), 'down', 3, { target: 'real', add: true })
    expect(exhausted.message).toMatch(/tried 3 times and gave up\. Run it again later: adding people already/)
  })

  it('says, while waiting to send events again, what happened, when the next attempt comes and how many are left', () => {
    const silent = failure('TTD_UNREACHABLE', { host: '127.0.0.1:4010', network: 'timeout' })
    expect(retryNote(2, silent, 1600, 1, 3, 1000)).toBe(
      'batch 2: 1,600 events not sent yet, could not reach 127.0.0.1:4010: no complete answer came in time; trying ' +
        'again in 1 s (attempt 2 of 3)'
    )
    const drop = { ...silent, details: { ...silent.details, operation: 'request an upload location' } }
    expect(retryNote(2, drop, 1600, 1, 3, 1000, 15_000)).toMatch(/: no complete answer came within 15 s; trying/)
    // An upload's timeout grows with its size: not the API calls' one.
    const upload = { ...silent, details: { ...silent.details, operation: 'upload' } }
    expect(retryNote(2, upload, 1600, 1, 3, 1000, 15_000)).toMatch(/: no complete answer came in time; trying/)
    expect(retryNote(1, failure('SOMETHING_NEW'), 1, 2, 3, 4500)).toBe(
      'batch 1: 1 event not sent yet, SOMETHING_NEW (status 400); trying again in 4.5 s (attempt 3 of 3)'
    )
  })

  it("drops what the destination tells Segment's pipeline about its retries, which the runner does not do", () => {
    expect(inRunnerWords('Could not reach x: refused. Segment retries these events for up to four hours.')).toBe(
      'Could not reach x: refused.'
    )
    expect(inRunnerWords('Rate limited (429). Segment will retry the batch. Then more.')).toBe(
      'Rate limited (429). Then more.'
    )
  })

  it("shows The Trade Desk's own reason for a refusal in the text, not only in --json", () => {
    const refused = failure('TTD_REJECTED', {}, 'The Trade Desk refused the uploaded file (400): bad line 3')
    expect(eventFailureMessage(refused, REAL)).toBe('The Trade Desk refused the uploaded file (400): bad line 3')
  })

  it('says which variables hold the credentials for a batch that threw', () => {
    const auth = batchErrorMessage(new InvalidAuthenticationError('Check the Auth Token setting.'), 'x', 1, REAL)
    expect(auth.message).toMatch(/TTD_AUTH_TOKEN .* TTD_ADVERTISER_ID/)
    expect(batchErrorMessage(new Error('boom'), 'boom', 1, REAL)).toEqual({ code: 'UNEXPECTED', message: 'boom' })
  })
})
