import type { TtdCrmClient } from './api'
import type { Region } from './constants'
import type { SharedCoordination } from './coordination'
import { TtdRejectedError } from './errors'
import { SingleFlight } from './single-flight'
import type { SyncState } from './state'

export interface SegmentTarget {
  name: string
  region: Region
  /** CrmDataId given by Engage when the audience was created through the destination. */
  externalId?: string
}

export type SegmentSource = 'external_id' | 'cache' | 'found' | 'created'

export interface ResolvedSegment {
  crmDataId: string
  source: SegmentSource
}

/** Shared by every definition in the process: concurrent batches for one missing name create it once. */
const lookups = new SingleFlight<ResolvedSegment>()

export interface ResolveOptions {
  /** Skip the remembered id (it was just found stale). */
  skipCache?: boolean
  /** Present when the runtime gives a usable cache: the lookup then runs once across machines. */
  coordination?: SharedCoordination
}

/**
 * Finds the CRM segment a batch writes to: the external id when Engage gives one, else the id
 * remembered for (advertiser, region, name), else the listing, creating the segment when no segment
 * has that name. A name shared by several segments, or a segment in another region, is an error the
 * marketer must resolve in TTD: guessing would put people in the wrong segment.
 * In one process, concurrent batches share one lookup; with the runtime's cache, machines do too.
 */
export async function resolveSegment(
  client: TtdCrmClient,
  state: SyncState,
  target: SegmentTarget,
  options: ResolveOptions = {}
): Promise<ResolvedSegment> {
  if (target.externalId) return { crmDataId: target.externalId, source: 'external_id' }

  const advertiserId = client.advertiserId
  if (!options.skipCache) {
    const cached = await state.cachedSegmentId(advertiserId, target.region, target.name)
    if (cached) return { crmDataId: cached, source: 'cache' }
  }

  const key = JSON.stringify([client.singleFlightKey, target.region, target.name])
  const coordination = options.coordination
  return lookups.run(key, async () => {
    const lookup = () => findOrCreate(client, target)
    const resolved = coordination
      ? await coordination.resolveSegment(advertiserId, target.region, target.name, lookup)
      : await lookup()
    state.rememberSegmentId(advertiserId, target.region, target.name, resolved.crmDataId)
    return resolved
  })
}

/** Lists the advertiser's segments and returns the one named `target.name`, creating it when there is none. */
export async function findOrCreate(client: TtdCrmClient, target: SegmentTarget): Promise<ResolvedSegment> {
  const matches = (await client.listSegments()).filter((segment) => segment.SegmentName === target.name)

  if (matches.length > 1) {
    const ids = matches.map((segment) => segment.CrmDataId).join(', ')
    throw new TtdRejectedError(
      `${matches.length} CRM segments of advertiser "${client.advertiserId}" are named "${target.name}" ` +
        `(CrmDataIds: ${ids}). The Trade Desk allows duplicate names, so Segment cannot tell which one to update: ` +
        'rename or remove all but one in The Trade Desk, or change the Segment Name in the mapping.',
      409
    )
  }

  if (matches.length === 1) {
    const [segment] = matches
    if (segment.Region && segment.Region !== target.region) {
      throw new TtdRejectedError(
        `The CRM segment "${target.name}" (CrmDataId ${segment.CrmDataId}) is in Region ${segment.Region}, but the ` +
          `mapping says ${target.region}. Set the mapping's Region to ${segment.Region}, or use another Segment Name.`,
        400
      )
    }
    return { crmDataId: segment.CrmDataId, source: 'found' }
  }

  const created = await client.createSegment(target.name, target.region)
  return { crmDataId: created.CrmDataId, source: 'created' }
}
