import { createHash } from 'node:crypto'
import { createTestIntegration } from '@segment/actions-core'
import definition from '../../index'
import { LEFT_OUT_NOT_MEMBER } from '../../engine/results'
import { RESULT_CODES } from '../result-codes'

const NOT_MEMBER_BODY = { code: RESULT_CODES.notInAudience, message: LEFT_OUT_NOT_MEMBER }
import { audienceEvent, emailOf, enteredBatch, mapping, SETTINGS } from '../../__tests__/__helpers__/events'
import { newCapture, nockExistingSegmentFlow, uploadedLines } from '../../__tests__/__helpers__/fake-ttd'
import { runBatch } from '../../__tests__/__helpers__/run-batch'
import { expectedHash } from '../../__tests__/__helpers__/pii-checks'

describe('membership', () => {
  it('leaves exited members out of the upload and reports them as left out', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const exited = [
      audienceEvent('gone1@example.com', { entered: false }),
      audienceEvent('gone2@example.com', { entered: false })
    ]
    const results = await runBatch([...enteredBatch(1500), ...exited])

    const lines = uploadedLines(capture)
    expect(lines).toHaveLength(1500)
    expect(lines).not.toContain(expectedHash('gone1@example.com'))
    expect(results.slice(1500)).toEqual([
      { status: 200, sent: {}, body: NOT_MEMBER_BODY },
      { status: 200, sent: {}, body: NOT_MEMBER_BODY }
    ])
  })

  it('falls back to the event name when the event carries no audience flag', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    // No properties[computation_key]: actions-core cannot tell membership and passes undefined.
    const bare = (email: string, event: string) => ({
      ...audienceEvent(email),
      event,
      properties: {}
    })
    const events = [
      ...Array.from({ length: 1500 }, (_, i) => bare(emailOf(i), 'Audience Entered')),
      bare('left@example.com', 'Audience Exited')
    ]
    const results = await runBatch(events)

    expect(uploadedLines(capture)).toHaveLength(1500)
    expect(uploadedLines(capture)).not.toContain(expectedHash('left@example.com'))
    expect(results[1500]).toEqual({ status: 200, sent: {}, body: NOT_MEMBER_BODY })
    expect(results[0].status).toBe(200)
  })

  it('trusts the audience flag over the event name', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const flaggedOut = {
      ...audienceEvent('flag@example.com'),
      properties: { audience_key: 'high_value', high_value: false }
    }
    const results = await runBatch([...enteredBatch(1500), flaggedOut])
    expect(uploadedLines(capture)).toHaveLength(1500)
    expect(results[1500].body).toEqual(NOT_MEMBER_BODY)
  })
})

describe('identifiers', () => {
  it('fails an invalid or missing email alone, naming the problem and never the value', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const bad = [audienceEvent('not-an-email'), audienceEvent(undefined), audienceEvent('two@@example.com')]
    const results = await runBatch([...enteredBatch(1500), ...bad])

    expect(uploadedLines(capture)).toHaveLength(1500)
    expect(results.slice(1500)).toEqual([
      {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: 'Email has no @.',
        // actions-core marks an error entry that carries a body as reported by the destination.
        errorreporter: 'DESTINATION',
        body: { code: RESULT_CODES.invalidIdentifier }
      },
      {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: 'Email is missing.',
        // actions-core marks an error entry that carries a body as reported by the destination.
        errorreporter: 'DESTINATION',
        body: { code: RESULT_CODES.invalidIdentifier }
      },
      {
        status: 400,
        errortype: 'PAYLOAD_VALIDATION_FAILED',
        errormessage: 'Email contains more than one @.',
        // actions-core marks an error entry that carries a body as reported by the destination.
        errorreporter: 'DESTINATION',
        body: { code: RESULT_CODES.invalidIdentifier }
      }
    ])
    expect(JSON.stringify(results)).not.toContain('not-an-email')
  })

  it('hashes normalized emails (gmail rule included) as SHA-256 base64 and reports the hash as sent', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const results = await runBatch([audienceEvent('  Jane.Doe+ads@Gmail.com '), ...enteredBatch(1500)])

    const expected = expectedHash('janedoe@gmail.com')
    expect(expected).toHaveLength(44)
    expect(results[0]).toMatchObject({ status: 200, sent: expected })
    expect(uploadedLines(capture)[0]).toBe(expected)
  })

  it('uploads plain emails normalized, not hashed, for the Email type', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const results = await runBatch([audienceEvent('Jane.Doe+ads@Gmail.com'), ...enteredBatch(1500)], {
      mapping: mapping({ pii_type: 'Email' })
    })
    expect(results[0]).toMatchObject({ status: 200, sent: 'janedoe@gmail.com' })
    expect(uploadedLines(capture)).toContain('janedoe@gmail.com')
  })

  it('uploads plain emails outside ASCII as UTF-8 and refuses an uppercase letter outside ASCII alone', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const results = await runBatch(
      [
        audienceEvent('José@Example.com'),
        audienceEvent('\u{1F60A}testtest@test.com'),
        audienceEvent('JOSÉ@example.com'),
        ...enteredBatch(1500)
      ],
      { mapping: mapping({ pii_type: 'Email' }) }
    )
    expect(results[0]).toMatchObject({ status: 200, sent: 'josé@example.com' })
    expect(results[1]).toMatchObject({ status: 200, sent: '\u{1F60A}testtest@test.com' })
    expect(results[2]).toMatchObject({
      status: 400,
      errormessage: expect.stringMatching(/uppercase letter outside ASCII/)
    })
    const lines = uploadedLines(capture)
    expect(lines.slice(0, 2)).toEqual(['josé@example.com', '\u{1F60A}testtest@test.com'])
    expect(lines).toHaveLength(1502)
    expect(Number(capture.uploads[0].headers['content-length'])).toBe(Buffer.byteLength(lines.join('\n') + '\n'))
  })

  it('passes pre-hashed input through: hex is re-encoded as base64, base64 is kept, neither is hashed again', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const digest = createHash('sha256').update('prehashed@example.com').digest()
    const hexInput = digest.toString('hex').toUpperCase()
    const otherDigest = expectedHash('other@example.com')
    const results = await runBatch([audienceEvent(hexInput), audienceEvent(otherDigest), ...enteredBatch(1500)])

    expect(results[0].sent).toBe(digest.toString('base64'))
    expect(results[1].sent).toBe(otherDigest)
    const lines = uploadedLines(capture)
    expect(lines).toContain(digest.toString('base64'))
    expect(lines).toContain(otherDigest)
    expect(lines).not.toContain(expectedHash(hexInput.toLowerCase()))
  })

  it('refuses hashed-looking input for plain types', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const hashed = expectedHash('someone@example.com')
    const results = await runBatch([audienceEvent(hashed), ...enteredBatch(1500)], {
      mapping: mapping({ pii_type: 'Email' })
    })
    expect(results[0]).toEqual({
      status: 400,
      errortype: 'PAYLOAD_VALIDATION_FAILED',
      errormessage: 'Email looks already hashed (SHA-256); choose the hashed PII type for hashed values.',
      errorreporter: 'DESTINATION',
      body: { code: RESULT_CODES.invalidIdentifier }
    })
    expect(uploadedLines(capture)).not.toContain(hashed)
  })

  it('normalizes phone numbers to E.164 and hashes them for the hashed phone type', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const phones = Array.from({ length: 1500 }, (_, i) =>
      audienceEvent(undefined, { phone: `+1 (415) 55${String(i).padStart(5, '0')}` })
    )
    const results = await runBatch([audienceEvent(undefined, { phone: '415-555-0100' }), ...phones], {
      mapping: mapping({ pii_type: 'PhoneNumberHashedUnifiedId2' })
    })
    expect(results[0]).toMatchObject({ status: 400, errormessage: expect.stringContaining('must start with +') })
    expect(results[1].sent).toBe(expectedHash('+14155500000'))
    expect(uploadedLines(capture)).toHaveLength(1500)
  })
})

describe('single events', () => {
  it('explains that batching must stay enabled', async () => {
    const integration = createTestIntegration(definition)
    await expect(
      integration.testAction('syncAudience', {
        event: audienceEvent('one@example.com'),
        mapping: mapping(),
        settings: SETTINGS,
        useDefaultMappings: true
      })
    ).rejects.toThrow('Turn Enable Batching on')
  })
})
