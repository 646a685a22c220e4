import { createTestEvent, type JSONObject, type SegmentEvent } from '@segment/actions-core'
import { engageEvent } from '../../../../testing/engage-events'

export const SETTINGS = {
  auth_token: 'test-token-0123456789',
  advertiser_id: 'adv123',
  __segment_internal_engage_force_full_sync: true,
  __segment_internal_engage_batch_sync: true
}

export const API = 'https://api.thetradedesk.com'
export const DROP_HOST = 'https://drop.storage.example'

/** Mapping as a marketer saves it; field defaults fill the rest. */
export function mapping(overrides: JSONObject = {}): JSONObject {
  return { name: 'High Value', region: 'US', pii_type: 'EmailHashedUnifiedId2', ...overrides }
}

/** A deterministic distinct address for person `i`. */
export function emailOf(i: number): string {
  return `person${i}@example.com`
}

export function audienceEvent(
  email: string | undefined,
  options: { entered?: boolean; phone?: string; externalId?: string; audienceKey?: string } = {}
): SegmentEvent {
  const { audienceKey = 'high_value', ...rest } = options
  return createTestEvent(engageEvent(audienceKey, { ...rest, email }))
}

/** `count` entered events with distinct emails, starting at person `from`. */
export function enteredBatch(count: number, from = 0): SegmentEvent[] {
  return Array.from({ length: count }, (_, i) => audienceEvent(emailOf(from + i)))
}
