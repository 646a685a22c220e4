import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { TtdCrmClient } from '../api'
import { SEGMENT_CLAIM_SECONDS, SEGMENT_ID_CACHE_HOURS, type Region } from '../constants'
import { CoordinationError, SyncRuleError } from '../errors'
import { segmentClaimKey, segmentIdKey } from './keys'
import type { EngineContext } from './context'
import type { SegmentTarget } from './targets'

export type SegmentSource = 'audience' | 'hook' | 'cache' | 'found' | 'created'

export interface ResolvedSegment {
  crmDataId: string
  source: SegmentSource
}

/**
 * The CrmDataId of a batch's segment. Ids the batch carries (Engage's audience, the hook's) are used as they are.
 * A name is looked up: first in the one segment-id cache (the runtime's store, 24 hours from the lookup), then in
 * TTD's listing. `find` never creates (a batch too short to upload only needs to know whether its segment exists);
 * `find-or-create` creates the segment when no segment has the name, under a claim on the name so that batches
 * in flight at once create it once (across machines with the runtime's cache, within this process without it).
 */
export async function resolveSegment(
  ctx: EngineContext,
  target: SegmentTarget,
  mode: 'find' | 'find-or-create',
  options: { skipRemembered?: boolean } = {}
): Promise<ResolvedSegment | undefined> {
  if (target.via !== 'name') return { crmDataId: target.crmDataId, source: target.via }
  const { store, client } = ctx
  const idKey = segmentIdKey(client.advertiserId, target.region, target.name)
  const remembered = options.skipRemembered ? undefined : await store?.get(idKey)
  if (remembered) return { crmDataId: remembered, source: 'cache' }
  if (mode === 'find') {
    const found = await findSegment(client, target.name, target.region)
    if (found) await store?.set(idKey, found.crmDataId, SEGMENT_ID_CACHE_HOURS * 3600)
    return found
  }
  return lookUpUnderClaim(ctx, target.name, target.region, idKey, options.skipRemembered === true)
}

/** Forgets a remembered CrmDataId that TTD no longer knows, unless someone already replaced it. */
export async function forgetSegmentId(ctx: EngineContext, target: SegmentTarget, staleId: string): Promise<void> {
  if (target.via !== 'name' || !ctx.store) return
  const key = segmentIdKey(ctx.client.advertiserId, target.region, target.name)
  if (ctx.store.atomic && (await ctx.store.get(key)) !== staleId) return
  await ctx.store.delete(key)
}

async function lookUpUnderClaim(
  ctx: EngineContext,
  name: string,
  region: Region,
  idKey: string,
  skipRemembered: boolean
): Promise<ResolvedSegment> {
  const { store, claims, client, waits } = ctx
  const claimKey = segmentClaimKey(client.advertiserId, region, name)
  const deadline = Date.now() + waits.waitMs
  for (;;) {
    const holder = randomUUID()
    if (await claims.setIfAbsent(claimKey, holder, SEGMENT_CLAIM_SECONDS)) {
      try {
        // A claim shared across machines: someone may have published the id between our read and the claim.
        const late = claims === store && !skipRemembered ? await store.get(idKey) : undefined
        if (late) return { crmDataId: late, source: 'cache' }
        const resolved = await findOrCreate(client, name, region)
        await store?.set(idKey, resolved.crmDataId, SEGMENT_ID_CACHE_HOURS * 3600)
        return resolved
      } finally {
        // Released on failure too, so that a retry (here or elsewhere) can look the name up again.
        if ((await claims.get(claimKey)) === holder) await claims.delete(claimKey)
      }
    }
    if (Date.now() >= deadline) {
      throw new CoordinationError(
        'SEGMENT_BUSY',
        `Another batch is looking up or creating the CRM segment "${name}", so this batch was not uploaded.`
      )
    }
    await sleep(waits.pollMs)
    // With a shared cache the holder publishes the id for everyone; a process-local claim's holder wrote it to the
    // stateContext's response, which no invocation in flight can read: such a waiter lists again once free.
    const published = store?.atomic && !skipRemembered ? await store.get(idKey) : undefined
    if (published) return { crmDataId: published, source: 'cache' }
  }
}

/** The one segment of that name in that Region, if any; several, or one in another Region, are refused. */
export async function findSegment(
  client: TtdCrmClient,
  name: string,
  region: Region
): Promise<ResolvedSegment | undefined> {
  const matches = (await client.listSegments()).filter((segment) => segment.SegmentName === name)
  if (matches.length > 1) {
    const ids = matches.map((segment) => segment.CrmDataId)
    throw new SyncRuleError(
      'DUPLICATE_SEGMENT_NAME',
      `${matches.length} CRM segments of advertiser "${client.advertiserId}" are named "${name}" ` +
        `(CrmDataIds: ${ids.join(', ')}). The Trade Desk allows duplicate names, so Segment cannot tell which one to ` +
        'update: rename or remove all but one in The Trade Desk, or change the Segment Name in the mapping.',
      { crmDataIds: ids },
      409
    )
  }
  if (matches.length === 0) return undefined
  const [segment] = matches
  if (segment.Region && segment.Region !== region) {
    throw new SyncRuleError(
      'REGION_MISMATCH',
      `The CRM segment "${name}" (CrmDataId ${segment.CrmDataId}) is in Region ${segment.Region}, but the ` +
        `mapping says ${region}. Set the mapping's Region to ${segment.Region}, or use another Segment Name.`,
      { crmDataId: segment.CrmDataId, segmentRegion: segment.Region, requestedRegion: region }
    )
  }
  return { crmDataId: segment.CrmDataId, source: 'found' }
}

/** Lists the advertiser's segments and returns the one named `name`, creating it when there is none. */
export async function findOrCreate(client: TtdCrmClient, name: string, region: Region): Promise<ResolvedSegment> {
  const found = await findSegment(client, name, region)
  if (found) return found
  const created = await client.createSegment(name, region)
  return { crmDataId: created.CrmDataId, source: 'created' }
}
