import type { PiiType, Region } from '../constants'
import { sha256Base64 } from '../pii'
import type { SegmentTarget } from './targets'

/**
 * The one key scheme of everything the destination keeps in the runtime's stores, whichever store it is:
 * `ttd-crm:v2:<advertiser>:<what>:…`. Names and ids are encoded (names as a fixed-length digest: they can be long
 * and hold anything), so no part can run into the next.
 */
const PREFIX = 'ttd-crm:v2'

function base(advertiserId: string, what: string): string {
  return `${PREFIX}:${encodeURIComponent(advertiserId)}:${what}`
}

function nameDigest(name: string): string {
  return sha256Base64(name).slice(0, 32)
}

/** The CrmDataId found or created for a name in a Region. */
export function segmentIdKey(advertiserId: string, region: Region, name: string): string {
  return `${base(advertiserId, 'segment')}:${region}:${nameDigest(name)}`
}

/** The claim of whoever is looking that name up (and creating it). */
export function segmentClaimKey(advertiserId: string, region: Region, name: string): string {
  return `${base(advertiserId, 'segment-claim')}:${region}:${nameDigest(name)}`
}

/** A segment's sync window: claimed by the upload that replaces, then open for the rest of the sync. */
export function windowKey(advertiserId: string, crmDataId: string): string {
  return `${base(advertiserId, 'window')}:${encodeURIComponent(crmDataId)}`
}

/** Lines of a window's uploads kept to top short batches of that window up. */
export function reservoirKey(advertiserId: string, crmDataId: string, piiType: PiiType, windowId: string): string {
  return `${base(advertiserId, 'reservoir')}:${encodeURIComponent(crmDataId)}:${piiType}:${encodeURIComponent(windowId)}`
}

/** Lines of short batches held until the sync reaches TTD's minimum, per target and PII type. */
export function poolKey(advertiserId: string, target: SegmentTarget, piiType: PiiType): string {
  const which =
    target.via === 'name'
      ? `name:${target.region}:${nameDigest(target.name)}`
      : `id:${encodeURIComponent(target.crmDataId)}`
  return `${base(advertiserId, 'pool')}:${which}:${piiType}`
}
