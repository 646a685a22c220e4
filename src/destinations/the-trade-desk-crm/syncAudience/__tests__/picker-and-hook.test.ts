import nock from 'nock'
import { createTestIntegration, Destination, type DynamicFieldResponse } from '@segment/actions-core'
import definition from '../../index'
import {
  API,
  LIST_PATH,
  newCapture,
  nockCreate,
  nockListingPages,
  nockSegments,
  segment,
  unmatchedRequests
} from '../../__tests__/__helpers__/fake-ttd'
import { SETTINGS } from '../../__tests__/__helpers__/events'

const unmatched = unmatchedRequests()

async function pickSegmentName(settings: Record<string, unknown> = SETTINGS): Promise<DynamicFieldResponse> {
  const result = await createTestIntegration(definition).testDynamicField('syncAudience', 'name', {
    settings: settings as typeof SETTINGS,
    payload: {}
  })
  return result as DynamicFieldResponse
}

function saveMapping(hookInputs: Record<string, unknown>, settings: Record<string, unknown> = SETTINGS) {
  return new Destination(definition).actions.syncAudience.executeHook('onMappingSave', {
    settings: settings as typeof SETTINGS,
    hookInputs,
    payload: {}
  })
}

describe('the Segment Name picker', () => {
  it('offers every segment across listing pages, by name, with Region and CrmDataId in the label', async () => {
    nockListingPages(
      [segment('z1', 'Zebra'), segment('d1', 'Dup', 'EU')],
      [segment('a1', 'Alpha', 'APAC'), segment('d2', 'Dup')]
    )

    const result = await pickSegmentName()
    expect(result.error).toBeUndefined()
    expect(result.choices.map((choice) => [choice.value, choice.label])).toEqual([
      ['Alpha', 'Alpha (APAC, CrmDataId a1)'],
      ['Dup', 'Dup (EU, CrmDataId d1)'],
      ['Dup', 'Dup (US, CrmDataId d2)'],
      ['Zebra', 'Zebra (US, CrmDataId z1)']
    ])
    expect(result.choices[1].description).toMatch(/^2 segments share this name, so a sync to it stops/)
    expect(result.choices[0].description).toBe('CRM Data Segment a1 in Region APAC.')
    expect(nock.isDone()).toBe(true)
  })

  it('answers no choices and no error for an advertiser without segments', async () => {
    nockSegments([])
    await expect(pickSegmentName()).resolves.toEqual({ choices: [] })
  })

  it.each([
    [401, 'TTD_TOKEN_REJECTED', /rejected the API token \(401\)\. Check the Auth Token setting/],
    [403, 'TTD_FORBIDDEN', /no rights on advertiser "adv123" \(403\)/],
    [404, 'TTD_ADVERTISER_NOT_FOUND', /does not know advertiser "adv123" \(404\)/],
    [503, 'TTD_UNAVAILABLE', /failed to list CRM segments \(503\)/]
  ])('turns a %i into the picker error %s, never a crash', async (status, code, message) => {
    nock(API)
      .get(LIST_PATH)
      .reply(status, { Message: `echo ${SETTINGS.auth_token}` })
    const result = await pickSegmentName()
    expect(result.choices).toEqual([])
    expect(result.error).toEqual({ code, message: expect.stringMatching(message) })
    expect(result.error?.message).not.toContain(SETTINGS.auth_token)
  })

  it('says which setting is empty, without a request', async () => {
    const result = await pickSegmentName({ ...SETTINGS, auth_token: '' })
    expect(result).toEqual({
      choices: [],
      error: { code: 'MISSING_SETTING', message: expect.stringMatching(/^The Auth Token setting is empty/) }
    })
    expect(unmatched).toEqual([])
  })
})

describe('the onMappingSave hook ("Check or create the CRM segment")', () => {
  it('saves the CrmDataId of the one segment of that name and Region', async () => {
    nockSegments([segment('other', 'Other'), segment('crm-7', 'Loyal buyers', 'EU')])
    await expect(saveMapping({ segment_name: 'Loyal buyers', region: 'EU' })).resolves.toEqual({
      successMessage:
        'Found the CRM Data Segment "Loyal buyers" in EU (CrmDataId crm-7). Every sync of this mapping writes to it.',
      savedData: { crm_data_id: 'crm-7', segment_name: 'Loyal buyers', region: 'EU' }
    })
  })

  it('creates the segment when the advertiser has none of that name', async () => {
    const capture = newCapture()
    nockSegments([])
    nockCreate('crm-new', capture)
    const result = await saveMapping({ segment_name: 'Loyal buyers', region: 'APAC' })
    expect(result.successMessage).toMatch(/^Created the CRM Data Segment "Loyal buyers" in APAC \(CrmDataId crm-new\)/)
    expect(result.savedData).toEqual({ crm_data_id: 'crm-new', segment_name: 'Loyal buyers', region: 'APAC' })
    expect(capture.createBodies).toEqual([{ AdvertiserId: 'adv123', SegmentName: 'Loyal buyers', Region: 'APAC' }])
  })

  it('refuses an ambiguous name with its CrmDataIds and saves nothing', async () => {
    nockSegments([segment('d1', 'Loyal buyers'), segment('d2', 'Loyal buyers')])
    const result = await saveMapping({ segment_name: 'Loyal buyers', region: 'US' })
    expect(result).toEqual({
      error: { code: 'DUPLICATE_SEGMENT_NAME', message: expect.stringMatching(/\(CrmDataIds: d1, d2\)/) }
    })
  })

  it('refuses a segment of that name in another Region, naming both, and saves nothing', async () => {
    nockSegments([segment('e1', 'Loyal buyers', 'EU')])
    const result = await saveMapping({ segment_name: 'Loyal buyers', region: 'US' })
    expect(result.savedData).toBeUndefined()
    expect(result.error?.message).toMatch(/is in Region EU, but .* says US/)
  })

  it('gives the Test Connection wording for a rejected token, and saves nothing', async () => {
    nock(API).get(LIST_PATH).reply(401, {})
    const result = await saveMapping({ segment_name: 'Loyal buyers', region: 'US' })
    expect(result).toEqual({
      error: { code: 'TTD_TOKEN_REJECTED', message: expect.stringMatching(/Check the Auth Token setting/) }
    })
  })

  it('refuses a blank Segment Name before any request', async () => {
    const result = await saveMapping({ segment_name: '  ', region: 'US' })
    expect(result).toEqual({
      error: { code: 'BLANK_SEGMENT_NAME', message: expect.stringMatching(/^Segment Name is empty/) }
    })
    expect(unmatched).toEqual([])
  })

  it('lets the runtime refuse inputs that break its schema (no Region)', async () => {
    await expect(saveMapping({ segment_name: 'Loyal buyers' })).rejects.toThrow(/region/i)
    expect(unmatched).toEqual([])
  })

  it('offers the same picker on its Segment Name input', async () => {
    nockSegments([segment('crm-7', 'Loyal buyers')])
    const action = new Destination(definition).actions.syncAudience
    const dynamic = action.definition.hooks?.onMappingSave?.inputFields?.segment_name?.dynamic
    expect(typeof dynamic).toBe('function')
    const result = (await action.executeDynamicField(
      'segment_name',
      { settings: SETTINGS, payload: {} },
      dynamic
    )) as DynamicFieldResponse
    expect(result.choices.map((choice) => choice.value)).toEqual(['Loyal buyers'])
  })
})
