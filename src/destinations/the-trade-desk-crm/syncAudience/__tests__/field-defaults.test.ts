import { type JSONObject, type SegmentEvent } from '@segment/actions-core'
import { fields } from '../fields'
import { audienceEvent, emailOf, mapping } from '../../__tests__/__helpers__/events'
import { newCapture, nockExistingSegmentFlow, uploadedLines } from '../../__tests__/__helpers__/fake-ttd'
import { runBatch } from '../../__tests__/__helpers__/run-batch'

/** The email and phone defaults as mappings saved before the phone's became a template hold them. */
const SAVED_PATH_DEFAULTS: JSONObject = {
  email: { '@path': '$.context.traits.email' },
  phone: { '@path': '$.context.traits.phone' }
}

async function resultsAndLines(events: SegmentEvent[], saved: JSONObject) {
  const capture = newCapture()
  nockExistingSegmentFlow('crm-defaults', capture)
  const results = await runBatch(events, { mapping: mapping(saved) })
  return { results, lines: uploadedLines(capture) }
}

describe('email and phone defaults', () => {
  it('phone resolves to an empty string when the trait is absent, instead of a key actions-core deletes', () => {
    expect(fields.phone.default).toEqual({ '@template': '{{context.traits.phone}}' })
    expect(fields.email.default).toEqual({ '@path': '$.context.traits.email' })
  })

  it('are tagged as hashed PII for the Segment app', () => {
    expect(fields.email.category).toBe('hashedPII')
    expect(fields.phone.category).toBe('hashedPII')
  })

  it.each([
    ['email', 'EmailHashedUnifiedId2', 'Email is missing.'],
    ['phone', 'PhoneNumberHashedUnifiedId2', 'Phone number is missing.']
  ])(
    'give the same uploads and results as the saved @path defaults (%s audience, absent and null identifiers)',
    async (kind, piiType, missing) => {
      const person = (i: number) =>
        kind === 'email'
          ? audienceEvent(emailOf(i), { phone: i % 2 === 0 ? '+14155550100' : undefined })
          : audienceEvent(i % 2 === 0 ? emailOf(i) : undefined, { phone: `+1415${String(i).padStart(7, '0')}` })
      const events = Array.from({ length: 1500 }, (_, i) => person(i))
      events.push(audienceEvent(undefined)) // neither trait
      const withNull = audienceEvent(undefined)
      ;(withNull.context as { traits: Record<string, unknown> }).traits[kind] = null
      events.push(withNull)

      const templates = await resultsAndLines(events, { pii_type: piiType })
      const saved = await resultsAndLines(events, { pii_type: piiType, ...SAVED_PATH_DEFAULTS })

      expect(templates.lines).toHaveLength(1500)
      expect(templates.lines).toEqual(saved.lines)
      expect(templates.results).toEqual(saved.results)
      expect(templates.results.slice(1500)).toEqual([invalidEntry(missing), invalidEntry(missing)])
    }
  )
})

/** An event refused for its own identifier; the body carries the stable reason code (README, Results). */
function invalidEntry(errormessage: string) {
  return {
    status: 400,
    errortype: 'PAYLOAD_VALIDATION_FAILED',
    errormessage,
    body: { code: 'INVALID_IDENTIFIER' },
    errorreporter: 'DESTINATION'
  }
}
