import nock from 'nock'
import type { SegmentEvent, StateContext } from '@segment/actions-core'
import { audienceEvent, emailOf, mapping } from '../../__tests__/__helpers__/events'
import { newCapture, nockDrop, nockSegments, nockUpload, unmatchedRequests } from '../../__tests__/__helpers__/fake-ttd'
import { runBatch } from '../../__tests__/__helpers__/run-batch'

const unmatched = unmatchedRequests()

/** The mapping as the runtime stores it after the hook saved a segment. */
function mappingWithSavedSegment(outputs: Record<string, string>, overrides = {}) {
  return mapping({ ...overrides, onMappingSave: { inputs: {}, outputs } })
}

function batch(
  count: number,
  options: { externalId?: string; phone?: boolean; audienceSettings?: Record<string, unknown> } = {}
): SegmentEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const event = audienceEvent(emailOf(i), {
      externalId: options.externalId,
      phone: options.phone ? `+1415555${String(i).padStart(4, '0')}` : undefined
    })
    if (options.audienceSettings) {
      const personas = event.context?.personas as Record<string, unknown>
      personas.audience_settings = options.audienceSettings
    }
    return event
  })
}

function expectUploadTo(crmDataId: string) {
  const capture = newCapture()
  nockDrop(crmDataId, capture)
  nockUpload(capture, `/upload/${crmDataId}`)
  return capture
}

describe('which segment a batch writes to', () => {
  it("uses the hook's saved CrmDataId without listing or creating", async () => {
    const capture = expectUploadTo('crm-saved')
    const results = await runBatch(batch(1500), {
      mapping: mappingWithSavedSegment({ crm_data_id: 'crm-saved', segment_name: 'Saved', region: 'US' })
    })
    expect(results[0]).toMatchObject({ status: 200, body: { crmDataId: 'crm-saved', mergeMode: 'Replace' } })
    expect(capture.uploads).toHaveLength(1)
    expect(nock.isDone()).toBe(true)
    expect(unmatched).toEqual([])
  })

  it("prefers the event's external_audience_id to the hook's saved id", async () => {
    expectUploadTo('crm-engage')
    const results = await runBatch(batch(1500, { externalId: 'crm-engage' }), {
      mapping: mappingWithSavedSegment({ crm_data_id: 'crm-saved', segment_name: 'Saved', region: 'US' })
    })
    expect(results[0]).toMatchObject({ status: 200, body: { crmDataId: 'crm-engage' } })
    expect(nock.isDone()).toBe(true)
    expect(unmatched).toEqual([])
  })

  it('looks the mapping name up when neither is given', async () => {
    nockSegments([{ CrmDataId: 'crm-named', SegmentName: 'High Value', Region: 'US' }])
    expectUploadTo('crm-named')
    const results = await runBatch(batch(1500))
    expect(results[0]).toMatchObject({ status: 200, body: { crmDataId: 'crm-named' } })
    expect(nock.isDone()).toBe(true)
  })

  it('ignores saved hook outputs without a CrmDataId and falls back to the name', async () => {
    nockSegments([{ CrmDataId: 'crm-named', SegmentName: 'High Value', Region: 'US' }])
    expectUploadTo('crm-named')
    const results = await runBatch(batch(1500), { mapping: mappingWithSavedSegment({ crm_data_id: '' }) })
    expect(results[0]).toMatchObject({ status: 200, body: { crmDataId: 'crm-named' } })
  })

  it("refuses phone numbers when the hook saved an EU segment, though the mapping's Region says US", async () => {
    const results = await runBatch(batch(1500, { phone: true }), {
      mapping: mappingWithSavedSegment(
        { crm_data_id: 'crm-eu', segment_name: 'Saved', region: 'EU' },
        { pii_type: 'PhoneNumberHashedUnifiedId2', region: 'US' }
      )
    })
    expect(results[0]).toMatchObject({ status: 400, errormessage: expect.stringMatching(/phone numbers for EU/) })
    expect(unmatched).toEqual([])
  })

  it('refuses phone numbers for a native audience whose audience settings say EU', async () => {
    const results = await runBatch(
      batch(1500, { phone: true, externalId: 'crm-x', audienceSettings: { region: 'EU' } }),
      {
        mapping: mapping({ pii_type: 'PhoneNumberHashedUnifiedId2', region: 'US' })
      }
    )
    expect(results.every((result) => result.status === 400)).toBe(true)
    expect(results[0].errormessage).toMatch(/phone numbers for EU/)
    expect(unmatched).toEqual([])
  })

  it("uploads phone numbers for a native audience in US even when the mapping's Region says EU", async () => {
    expectUploadTo('crm-x')
    const results = await runBatch(
      batch(1500, { phone: true, externalId: 'crm-x', audienceSettings: { region: 'US' } }),
      {
        mapping: mapping({ pii_type: 'PhoneNumberHashedUnifiedId2', region: 'EU' })
      }
    )
    expect(results[0]).toMatchObject({ status: 200, body: { crmDataId: 'crm-x' } })
  })

  it('fails the batch before any request when the audience settings hold an unknown Region', async () => {
    await expect(runBatch(batch(1500, { externalId: 'crm-x', audienceSettings: { region: 'MARS' } }))).rejects.toThrow(
      /The audience's Region setting is "MARS": choose US, EU, APAC/
    )
    expect(unmatched).toEqual([])
  })

  it("remembers nothing in the segment cache for the hook's id, as for Engage's", async () => {
    const written: string[] = []
    const state: StateContext = {
      getRequestContext: () => undefined,
      setResponseContext: (key: string) => void written.push(key)
    }
    expectUploadTo('crm-saved')
    await runBatch(batch(1500), {
      mapping: mappingWithSavedSegment({ crm_data_id: 'crm-saved', segment_name: 'Saved', region: 'US' }),
      stateContext: state
    })
    // The window opens and the short-batch reservoir is kept for that id, but no name -> id entry is written.
    expect(written).toContain('ttd-crm:v2:adv123:window:crm-saved')
    expect(written.filter((key) => key.includes(':segment:'))).toEqual([])
  })
})
