import { InvalidAuthenticationError, RetryableError } from '@segment/actions-core'
import { RESULT_CODES } from '../../destinations/the-trade-desk-crm/syncAudience/result-codes'
import { batchErrorMessage, eventFailureMessage, RUNNER_CODES } from '../messages'

describe("the runner's words", () => {
  it('names the option or environment variable that fixes each refusal', () => {
    expect(eventFailureMessage(RESULT_CODES.phoneInEu, 400, 'sandbox')).toMatch(
      /email --pii-type, or --region US or APAC/
    )
    expect(eventFailureMessage(RESULT_CODES.belowMinimum, 400, 'sandbox')).toMatch(/--pii-type/)
    expect(eventFailureMessage(RESULT_CODES.ttdRejected, 404, 'real')).toMatch(/check TTD_ADVERTISER_ID/)
    expect(eventFailureMessage(RESULT_CODES.ttdRejected, 409, 'real')).toMatch(/pass another --segment-name/)
    expect(eventFailureMessage(RUNNER_CODES.noSegmentName, 400, 'real')).toMatch(/pass --segment-name/)
    for (const code of Object.values(RESULT_CODES)) {
      const message = eventFailureMessage(code, 400, 'real')
      expect(message).not.toMatch(/setting|mapping's|Segment will retry/)
    }
  })

  it('says the runner retried, and which variables hold the credentials', () => {
    const retried = batchErrorMessage(new RetryableError('Down. Segment will retry.', 503), 'Down.', 3, 'real')
    expect(retried).toEqual({
      code: RUNNER_CODES.retriesExhausted,
      message: expect.stringMatching(
        /^The Trade Desk kept failing \(status 503\); the runner tried 3 times and gave up/
      )
    })
    expect(retried.message).not.toContain('Segment will retry')
    const auth = batchErrorMessage(new InvalidAuthenticationError('Check the Auth Token setting.'), 'x', 1, 'real')
    expect(auth.message).toMatch(/TTD_AUTH_TOKEN .* TTD_ADVERTISER_ID/)
    expect(batchErrorMessage(new Error('boom'), 'boom', 1, 'real')).toEqual({ code: 'UNEXPECTED', message: 'boom' })
  })
})
