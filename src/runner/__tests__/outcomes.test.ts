import { LEFT_OUT_NOT_MEMBER } from '../../destinations/the-trade-desk-crm/engine/results'
import { RESULT_CODES } from '../../destinations/the-trade-desk-crm/syncAudience/result-codes'
import { classify, isExit, type MultiStatusEntry } from '../outcomes'
import { engageEvent } from '../../testing/audience-fixtures'

const entered = engageEvent('a@example.com')
const exited = engageEvent('a@example.com', { entered: false })

function error(status: number, errormessage: string, code?: string): MultiStatusEntry {
  return {
    status,
    errormessage,
    errortype: 'PAYLOAD_VALIDATION_FAILED',
    errorreporter: 'INTEGRATIONS',
    ...(code ? { body: { code } } : {})
  } as unknown as MultiStatusEntry
}

describe('classify', () => {
  it('reads an upload receipt, duplicate or not, with whether the segment was created', () => {
    const body = {
      code: RESULT_CODES.uploaded,
      crmDataId: 'crm-1',
      segmentName: 'VIP',
      created: true,
      referenceId: 'r',
      mergeMode: 'Add',
      distinctIdentifiers: 1600,
      duplicate: true
    }
    expect(classify({ status: 200, sent: 'line', body }, entered)).toEqual({
      kind: 'uploaded',
      crmDataId: 'crm-1',
      segmentName: 'VIP',
      created: true,
      mergeMode: 'Add',
      duplicate: true
    })
  })

  it("counts the destination's not-in-audience code and a filtered Audience Exited event as exited", () => {
    const notMember = { code: RESULT_CODES.notInAudience, message: LEFT_OUT_NOT_MEMBER }
    expect(classify({ status: 200, sent: {}, body: notMember }, entered)).toEqual({ kind: 'exited' })
    const filtered = error(400, 'Payload is either invalid or does not match the subscription')
    expect(classify(filtered, exited)).toEqual({ kind: 'exited' })
    expect(classify(filtered, { type: 'identify', traits: {} })).toEqual({ kind: 'not-subscribed' })
    expect(classify(undefined, entered)).toEqual({ kind: 'not-subscribed' })
  })

  it('reads invalid identifiers by code, whatever the wording, and keeps the reason', () => {
    expect(classify(error(400, 'Reworded: no at sign.', RESULT_CODES.invalidIdentifier), entered)).toEqual({
      kind: 'invalid',
      reason: 'Reworded: no at sign.'
    })
    // A message alone decides nothing: without a code, the entry is actions-core's own refusal.
    expect(classify(error(400, 'Email has no @.'), entered)).toEqual({ kind: 'unmapped', reason: 'Email has no @.' })
  })

  it('keeps the code, status and reason of a refusal', () => {
    const tooFew = 'Any wording at all'
    expect(classify(error(400, tooFew, 'BELOW_MINIMUM'), entered)).toEqual({
      kind: 'failed',
      code: 'BELOW_MINIMUM',
      status: 400,
      reason: tooFew,
      retryable: false,
      details: {}
    })
    expect(classify(error(409, '2 CRM segments are named x', 'DUPLICATE_SEGMENT_NAME'), entered)).toMatchObject({
      kind: 'failed',
      code: 'DUPLICATE_SEGMENT_NAME',
      status: 409,
      retryable: false
    })
    expect(classify({ status: 200, sent: {}, body: { unexpected: true } }, entered).kind).toBe('failed')
    expect(classify({ status: 200, sent: {}, body: { code: RESULT_CODES.uploaded } }, entered).kind).toBe('failed')
  })
})

describe('isExit', () => {
  it("prefers Engage's membership flag over the event name", () => {
    expect(isExit(exited)).toBe(true)
    expect(isExit(entered)).toBe(false)
    const flaggedOut = { ...entered, properties: { audience_key: 'runner_test_audience', runner_test_audience: false } }
    expect(isExit(flaggedOut)).toBe(true)
    expect(isExit({ type: 'track', event: 'Audience Exited' })).toBe(true)
  })
})
