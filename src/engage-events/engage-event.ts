import type { SegmentEvent } from '@segment/actions-core'
import { AUDIENCE_ENTERED, AUDIENCE_EXITED } from '../destinations/the-trade-desk-crm/constants'

/** What an Engage audience track event carries besides its audience key. */
export interface EngageEventOptions {
  /** `Audience Entered` (the default) or `Audience Exited`. */
  entered?: boolean
  email?: string
  phone?: string
  /** `context.personas.external_audience_id`: the segment Segment already knows for this audience. */
  externalId?: string
  /** Extra top-level fields (userId, messageId, timestamp...). */
  extra?: Partial<SegmentEvent>
  /** `context.personas.computation_id` and `space_id`, as Engage sends them. */
  computationId?: string
  spaceId?: string
}

/**
 * The builder of Engage audience track events, shared by the runner (CSV rows, the example audience), the local
 * server's sample batch, tests, benchmarks and scripts, so every place builds the same shape Engage sends. The
 * destination folder's own tests, which must not import it (in Segment's monorepo it is not there), build theirs in
 * `__tests__/__helpers__/events.ts`; src/destination-suites checks that the two agree.
 */
export function engageEvent(audienceKey: string, options: EngageEventOptions = {}): SegmentEvent {
  const entered = options.entered ?? true
  const traits: Record<string, string> = {}
  if (options.email !== undefined) traits.email = options.email
  if (options.phone !== undefined) traits.phone = options.phone
  const personas: Record<string, string> = { computation_class: 'audience' }
  if (options.computationId !== undefined) personas.computation_id = options.computationId
  personas.computation_key = audienceKey
  if (options.spaceId !== undefined) personas.space_id = options.spaceId
  if (options.externalId) personas.external_audience_id = options.externalId
  return {
    type: 'track',
    event: entered ? AUDIENCE_ENTERED : AUDIENCE_EXITED,
    ...options.extra,
    properties: { audience_key: audienceKey, [audienceKey]: entered },
    context: { personas, traits }
  }
}
