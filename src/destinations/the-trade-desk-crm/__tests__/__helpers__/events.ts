import { createTestEvent, type JSONObject, type SegmentEvent } from '@segment/actions-core'
import { AUDIENCE_ENTERED, AUDIENCE_EXITED } from '../../constants'

export const SETTINGS = {
  auth_token: 'test-token-0123456789',
  advertiser_id: 'adv123',
  __segment_internal_engage_force_full_sync: true,
  __segment_internal_engage_batch_sync: true
}

/** Mapping as a marketer saves it; field defaults fill the rest. */
export function mapping(overrides: JSONObject = {}): JSONObject {
  return { name: 'High Value', region: 'US', pii_type: 'EmailHashedUnifiedId2', ...overrides }
}

/** A deterministic distinct address for person `i`. */
export function emailOf(i: number): string {
  return `person${i}@example.com`
}

/**
 * An Engage audience track event as Engage sends it to the destination: `Audience Entered` (or `Exited`), the
 * audience key and the person's membership in `properties`, the audience in `context.personas`, the identifiers in
 * `context.traits`; with `externalId`, the segment Segment already knows for the audience.
 */
export function audienceEvent(
  email: string | undefined,
  options: { entered?: boolean; phone?: string; externalId?: string; audienceKey?: string } = {}
): SegmentEvent {
  const { audienceKey = 'high_value', entered = true, phone, externalId } = options
  const traits: Record<string, string> = {}
  if (email !== undefined) traits.email = email
  if (phone !== undefined) traits.phone = phone
  const personas: Record<string, string> = { computation_class: 'audience', computation_key: audienceKey }
  if (externalId) personas.external_audience_id = externalId
  return createTestEvent({
    type: 'track',
    event: entered ? AUDIENCE_ENTERED : AUDIENCE_EXITED,
    properties: { audience_key: audienceKey, [audienceKey]: entered },
    context: { personas, traits }
  })
}

/** `count` entered events with distinct emails, starting at person `from`. */
export function enteredBatch(count: number, from = 0): SegmentEvent[] {
  return Array.from({ length: count }, (_, i) => audienceEvent(emailOf(from + i)))
}
