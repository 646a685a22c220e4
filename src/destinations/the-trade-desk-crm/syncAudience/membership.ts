import type { AudienceMembership } from '@segment/actions-core'
import { AUDIENCE_EXITED } from '../constants'

/**
 * Whether an event's person belongs in the segment: the runtime's own membership flag when it has one
 * (actions-core's `resolveAudienceMembership`, handed to performBatch as `audienceMembership`); when it cannot tell,
 * the event name, where only `Audience Exited` means "out". The one place this rule lives: the runner's tally asks
 * it too, so the two never disagree on who left.
 */
export function isAudienceMember(flag: AudienceMembership, eventName: string | undefined): boolean {
  if (flag !== undefined) return flag
  return eventName !== AUDIENCE_EXITED
}
