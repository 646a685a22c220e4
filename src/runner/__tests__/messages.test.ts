import { InvalidAuthenticationError } from '@segment/actions-core'
import { RESULT_CODES } from '../../destinations/the-trade-desk-crm/syncAudience/result-codes'
import { batchErrorMessage, eventFailureMessage, RUNNER_CODES, type EventFailure } from '../messages'

const failure = (code: string, details: EventFailure['details'] = {}, reason = 'r'): EventFailure => ({
  code,
  status: 400,
  reason,
  details
})

describe("the runner's words", () => {
  it('names the option or environment variable that fixes each refusal', () => {
    expect(eventFailureMessage(failure('PHONE_IN_EU'), 'sandbox')).toMatch(/email --pii-type, or --region US or APAC/)
    expect(eventFailureMessage(failure('BELOW_MINIMUM'), 'sandbox')).toMatch(/--pii-type/)
    expect(eventFailureMessage(failure(RESULT_CODES.heldForMinimum), 'sandbox')).toMatch(/at least 1,500/)
    expect(eventFailureMessage(failure('TTD_ADVERTISER_NOT_FOUND'), 'real')).toMatch(/check TTD_ADVERTISER_ID/)
    expect(eventFailureMessage(failure('TTD_TOKEN_REJECTED'), 'real')).toMatch(/TTD_AUTH_TOKEN .* TTD_ADVERTISER_ID/)
    expect(eventFailureMessage(failure(RUNNER_CODES.noSegmentName), 'real')).toMatch(/pass --segment-name/)
    for (const code of [...Object.values(RESULT_CODES), 'PHONE_IN_EU', 'REGION_MISMATCH', 'DUPLICATE_SEGMENT_NAME']) {
      expect(eventFailureMessage(failure(code), 'real')).not.toMatch(/setting|mapping's|Segment will retry/)
    }
  })

  it('says that its own checks stopped the upload, with their reason, never blaming The Trade Desk', () => {
    const mismatch = eventFailureMessage(
      failure('REGION_MISMATCH', { crmDataId: 'crm-9', segmentRegion: 'US', requestedRegion: 'EU' }),
      'real'
    )
    expect(mismatch).toBe(
      'The segment of this name (CrmDataId crm-9) is in Region US, not EU, so the runner sent nothing: pass ' +
        '--region US, or another --segment-name.'
    )
    const duplicates = eventFailureMessage(failure('DUPLICATE_SEGMENT_NAME', { crmDataIds: ['a', 'b'] }), 'real')
    expect(duplicates).toMatch(/^2 segments of the advertiser have this name \(CrmDataIds a, b\), so the runner/)
    for (const text of [mismatch, duplicates, eventFailureMessage(failure('PHONE_IN_EU'), 'real')]) {
      expect(text).not.toMatch(/The Trade Desk refused/)
    }
  })

  it('says what the network did, where, and after how many attempts', () => {
    const unreachable = failure('TTD_UNREACHABLE', { host: 'api.example.test', network: 'dns' })
    expect(eventFailureMessage(unreachable, 'real', 3)).toBe(
      'Could not reach api.example.test after 3 attempts: the host name could not be resolved. Check --api-url and ' +
        'the network. Run it again later: the first batch of a run replaces the segment.'
    )
    const refused = failure('TTD_UNREACHABLE', { host: '127.0.0.1:9', network: 'refused' })
    expect(eventFailureMessage(refused, 'real', 1)).toMatch(
      /^Could not reach 127\.0\.0\.1:9: the connection was refused/
    )
  })

  it("shows The Trade Desk's own reason for a refusal in the text, not only in --json", () => {
    const refused = failure('TTD_REJECTED', {}, 'The Trade Desk refused the uploaded file (400): bad line 3')
    expect(eventFailureMessage(refused, 'real')).toBe('The Trade Desk refused the uploaded file (400): bad line 3')
  })

  it('says which variables hold the credentials for a batch that threw', () => {
    const auth = batchErrorMessage(new InvalidAuthenticationError('Check the Auth Token setting.'), 'x', 1, 'real')
    expect(auth.message).toMatch(/TTD_AUTH_TOKEN .* TTD_ADVERTISER_ID/)
    expect(batchErrorMessage(new Error('boom'), 'boom', 1, 'real')).toEqual({ code: 'UNEXPECTED', message: 'boom' })
  })
})
