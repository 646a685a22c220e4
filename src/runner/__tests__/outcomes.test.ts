import { LEFT_OUT_NOT_MEMBER } from '../../destinations/the-trade-desk-crm/syncAudience/functions'
import { classify, isExit, type MultiStatusEntry } from '../outcomes'
import { engageEvent } from './helpers/audience'

const entered = engageEvent('a@example.com')
const exited = engageEvent('a@example.com', { entered: false })

function error(status: number, errormessage: string, errortype = 'PAYLOAD_VALIDATION_FAILED'): MultiStatusEntry {
  return { status, errormessage, errortype, errorreporter: 'INTEGRATIONS' } as unknown as MultiStatusEntry
}

describe('classify', () => {
  it('reads an upload receipt, duplicate or not', () => {
    const body = { crmDataId: 'crm-1', referenceId: 'r', mergeMode: 'Add', distinctIdentifiers: 1600, duplicate: true }
    expect(classify({ status: 200, sent: 'line', body }, entered)).toEqual({
      kind: 'uploaded',
      crmDataId: 'crm-1',
      mergeMode: 'Add',
      duplicate: true
    })
  })

  it("counts the destination's not-a-member answer and a filtered Audience Exited event as exited", () => {
    expect(classify({ status: 200, sent: {}, body: LEFT_OUT_NOT_MEMBER }, entered)).toEqual({ kind: 'exited' })
    const filtered = error(400, 'Payload is either invalid or does not match the subscription')
    expect(classify(filtered, exited)).toEqual({ kind: 'exited' })
    expect(classify(filtered, { type: 'identify', traits: {} })).toEqual({ kind: 'not-subscribed' })
    expect(classify(undefined, entered)).toEqual({ kind: 'not-subscribed' })
  })

  it('tells invalid identifiers from other validation failures', () => {
    expect(classify(error(400, 'Email has no @.'), entered)).toEqual({ kind: 'invalid' })
    expect(classify(error(400, 'Phone number is missing.'), entered)).toEqual({ kind: 'invalid' })
    expect(classify(error(400, 'The value at /email must be a string but it was a number.'), entered)).toEqual({
      kind: 'invalid'
    })
    expect(classify(error(400, "The root value is missing the required field 'pii_type'."), entered)).toEqual({
      kind: 'failed',
      message: "The root value is missing the required field 'pii_type'."
    })
  })

  it('recognises the minimum and keeps any other message', () => {
    const tooFew = 'Too few distinct identifiers to upload: 12 found, The Trade Desk requires at least 1500'
    expect(classify(error(400, tooFew, 'BAD_REQUEST'), entered)).toEqual({ kind: 'below-minimum', message: tooFew })
    expect(classify(error(409, '2 CRM segments are named x', 'CONFLICT'), entered)).toEqual({
      kind: 'failed',
      message: '2 CRM segments are named x'
    })
    expect(classify({ status: 200, sent: {}, body: { unexpected: true } }, entered).kind).toBe('failed')
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
