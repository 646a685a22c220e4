import { createTestEvent, type SegmentEvent } from '@segment/actions-core'
import { audienceEvent } from '../../destinations/the-trade-desk-crm/__tests__/__helpers__/events'
import { engageEvent } from '../../engage-events/engage-event'

/** An event without what createTestEvent makes up afresh for each call (its id and times). */
function shape(event: SegmentEvent): Partial<SegmentEvent> {
  return { ...event, messageId: undefined, receivedAt: undefined, sentAt: undefined, timestamp: undefined }
}

// The destination folder's tests build their events without the project's builder, which lives outside the folder:
// both must give the event Engage sends.
describe("the destination folder's audience events", () => {
  it.each([
    ['an entered person with an email', 'person1@example.com', {}],
    ['an exited person', 'person2@example.com', { entered: false }],
    ['a phone number and no email', undefined, { phone: '+14155550100' }],
    ['an audience Segment already knows', 'person3@example.com', { externalId: 'crm-1', audienceKey: 'loyal' }]
  ] as const)('are what the project builds for %s', (_case, email, options) => {
    const { audienceKey = 'high_value', ...rest } = options as { audienceKey?: string }
    expect(shape(audienceEvent(email, options))).toEqual(
      shape(createTestEvent(engageEvent(audienceKey, { ...rest, email })))
    )
  })
})
