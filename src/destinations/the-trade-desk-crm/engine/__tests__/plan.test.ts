import { sha256Base64 } from '../../pii'
import { RESULT_CODES } from '../../syncAudience/result-codes'
import type { Payload } from '../../syncAudience/generated-types'
import { OUTCOME, planBatch } from '../plan'
import { targetOf, targetSourcesOf } from '../targets'

function payload(email: string, overrides: Partial<Payload> = {}): Payload {
  return {
    name: 'High Value',
    region: 'US',
    pii_type: 'EmailHashedUnifiedId2',
    email,
    phone: '',
    event_name: 'Audience Entered',
    enable_batching: true,
    batch_size: 100_000,
    ...overrides
  } as Payload
}

describe('planBatch: one pure pass over a batch', () => {
  it('classifies each event, normalizes and hashes, and keeps each distinct line once', () => {
    const plan = planBatch(
      [
        payload('Jane.Doe+ads@Gmail.com'),
        payload('janedoe@gmail.com'),
        payload('not-an-email'),
        payload('gone@example.com', { event_name: 'Audience Exited' }),
        payload('kept@example.com')
      ],
      [true, true, true, undefined, true]
    )
    expect([...plan.outcomes]).toEqual([
      OUTCOME.uploaded,
      OUTCOME.duplicate,
      OUTCOME.invalid,
      OUTCOME.notMember,
      OUTCOME.uploaded
    ])
    expect(plan.groups).toHaveLength(1)
    expect(plan.groups[0].lines.lines).toEqual([sha256Base64('janedoe@gmail.com'), sha256Base64('kept@example.com')])
    expect(plan.lines[1]).toBe(sha256Base64('janedoe@gmail.com'))
    expect(plan.refusals.get(2)).toEqual({ reason: 'Email has no @.', code: RESULT_CODES.invalidIdentifier })
  })

  it('lets the runtime’s membership flag win over the event name', () => {
    const plan = planBatch([payload('a@example.com', { event_name: 'Audience Exited' })], [true])
    expect(plan.outcomes[0]).toBe(OUTCOME.uploaded)
    expect(planBatch([payload('b@example.com')], [false]).outcomes[0]).toBe(OUTCOME.notMember)
  })

  it('refuses a blank Segment Name unless the event carries its segment', () => {
    const plan = planBatch(
      [payload('a@example.com', { name: '  ' }), payload('b@example.com', { name: ' ', external_id: 'crm-9' })],
      undefined
    )
    expect(plan.refusals.get(0)?.code).toBe(RESULT_CODES.blankSegmentName)
    expect(plan.outcomes[1]).toBe(OUTCOME.uploaded)
  })

  it('groups by target and PII type, in the order of their first event', () => {
    const plan = planBatch(
      [
        payload('a@example.com', { name: 'One' }),
        payload('b@example.com', { name: 'Two' }),
        payload('c@example.com', { name: 'One' }),
        payload('d@example.com', { name: 'One', pii_type: 'Email' })
      ],
      undefined
    )
    expect(plan.groups.map((g) => [g.target.name, g.piiType, g.lines.size])).toEqual([
      ['One', 'EmailHashedUnifiedId2', 2],
      ['Two', 'EmailHashedUnifiedId2', 1],
      ['One', 'Email', 1]
    ])
    expect([...plan.groupOf]).toEqual([0, 1, 0, 2])
  })
})

describe('which segment a group goes to', () => {
  const event = { name: 'Mapped', region: 'US' as const }

  it('prefers the event’s audience id, then the hook’s saved id, then the name', () => {
    const sources = targetSourcesOf({
      hookOutputs: { onMappingSave: { outputs: { crm_data_id: 'crm-hook', segment_name: 'Saved', region: 'EU' } } },
      audienceSettings: { region: 'APAC' }
    })
    expect(targetOf({ ...event, external_id: 'crm-aud' }, sources)).toEqual({
      via: 'audience',
      crmDataId: 'crm-aud',
      name: 'Mapped',
      region: 'APAC'
    })
    expect(targetOf(event, sources)).toEqual({ via: 'hook', crmDataId: 'crm-hook', name: 'Saved', region: 'EU' })
    expect(targetOf(event, {})).toEqual({ via: 'name', name: 'Mapped', region: 'US' })
  })

  it('ignores hook outputs without a CrmDataId, and an unknown saved Region', () => {
    expect(targetSourcesOf({ hookOutputs: { onMappingSave: { outputs: { crm_data_id: '' } } } })).toEqual({})
    expect(
      targetSourcesOf({ hookOutputs: { onMappingSave: { outputs: { crm_data_id: 'c', region: 'MARS' } } } })
    ).toEqual({ hookSegment: { crmDataId: 'c' } })
  })

  it('refuses an audience Region it does not know, before any request', () => {
    expect(() => targetSourcesOf({ audienceSettings: { region: 'MARS' } })).toThrow(
      expect.objectContaining({ code: 'INVALID_REGION' })
    )
  })
})
