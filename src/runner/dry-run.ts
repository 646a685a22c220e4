import { REGIONS, type Region } from '../destinations/the-trade-desk-crm/constants'
import { TtdError } from '../destinations/the-trade-desk-crm/errors'
import { sandboxAccount, startSandbox, type Sandbox } from '../sandbox'
import { clientFor, type TargetAccount } from './connection'
import { asEventFailure, runnerReason, transientCause } from './messages'
import type { SyncSummary } from './run-sync'
import { sandboxSizes } from './segment-sizes'

/**
 * A dry run is the very same sync, sent to a sandbox of the run's own that holds a copy of the target's segment
 * list (names, Regions and CrmDataIds, no members): every rule of the destination applies exactly as it would (the
 * identifiers, the minimum, held batches, Region mismatches, duplicate names, Replace or Add), and the target is
 * only listed. What the copy received is what a sync would send.
 */

/** Why the target's segments could not be copied: nothing was sent. */
export interface CopyProblem {
  code: 'LISTING_FAILED' | 'SEGMENT_REGION_UNKNOWN'
  message: string
  reason: string
}

/**
 * Lists every segment of the target's advertiser (all pages) and starts a sandbox holding them, with the target's
 * advertiser id and a token of its own. A segment listed without a Region is copied in `region`, the one the sync
 * asks for: the destination lets such a segment match any Region, so the outcome is the same. A Region other than
 * TTD's three cannot be copied and ends the dry run, rather than have it report a sync that would fail otherwise.
 */
export async function copyTarget(
  account: TargetAccount,
  region: Region,
  where: string
): Promise<{ sandbox: Sandbox } | { problem: CopyProblem }> {
  let listed
  try {
    listed = await clientFor(account).listSegments()
  } catch (error) {
    const reason = runnerReason(error, [account.token])
    const cause = error instanceof TtdError ? transientCause(asEventFailure(error)) : undefined
    return {
      problem: {
        code: 'LISTING_FAILED',
        message: `Listing the segments at ${where} for the dry run failed: ${cause ?? reason}. Nothing was sent.`,
        reason
      }
    }
  }
  const odd = listed.find((segment) => segment.Region && !(REGIONS as readonly string[]).includes(segment.Region))
  if (odd) {
    const reason = `Segment CrmDataId ${odd.CrmDataId} is listed with Region "${odd.Region}".`
    return {
      problem: {
        code: 'SEGMENT_REGION_UNKNOWN',
        message:
          `${where} lists segment CrmDataId ${odd.CrmDataId} in Region "${odd.Region}", which is none of ` +
          `${REGIONS.join(', ')}: a dry run cannot copy it. Nothing was sent.`,
        reason
      }
    }
  }
  const sandbox = await startSandbox({ accounts: [sandboxAccount(undefined, account.advertiserId)] })
  for (const segment of listed) {
    const segmentRegion = (segment.Region as Region | undefined) || region
    sandbox.seedSegment(account.advertiserId, segment.SegmentName, segmentRegion, segment.CrmDataId)
  }
  return { sandbox }
}

/**
 * A dry run's segments as the target would see them: a segment the sync would create has no CrmDataId yet (the
 * copy's is nobody's), and it would hold what the copy received; a found one holds that after a Replace, and its
 * members plus that after an Add, which only the target knows. `before` holds the target's sizes when it tells them.
 */
export function describeDryRunSegments(
  summary: SyncSummary,
  copy: Sandbox,
  before: Map<string, number> | undefined
): void {
  const received = sandboxSizes(copy)
  for (const segment of summary.segments) {
    const id = segment.crmDataId ?? ''
    const wouldSend = received.get(id) ?? 0
    segment.wouldSend = wouldSend
    if (segment.created) {
      segment.crmDataId = null
      segment.sizeBefore = 0
      segment.size = wouldSend
      continue
    }
    segment.sizeBefore = before?.get(id) ?? null
    segment.size = segment.mergeModes.includes('Replace') ? wouldSend : null
  }
}
