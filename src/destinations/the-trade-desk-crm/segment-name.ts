/**
 * The one rule for CRM segment names, shared by every path that names a segment (the mapping, the
 * audience hook, createAudience). TTD accepts an empty `SegmentName` and would create a segment called
 * "", which no marketer can find and every blank-named audience would then share.
 */
export function isBlankSegmentName(name: unknown): boolean {
  return typeof name !== 'string' || name.trim() === ''
}

/** Why an event with a blank Segment Name was not sent: the field, and the Engage key it defaults to. */
export const BLANK_SEGMENT_NAME_REASON =
  'The Segment Name is blank, so there is no CRM segment to write to; nothing was sent for this event. ' +
  "Set the mapping's Segment Name field, or make sure the event carries the Engage audience key " +
  '(context.personas.computation_key) it defaults to.'
