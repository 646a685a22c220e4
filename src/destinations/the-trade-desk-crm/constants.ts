import { THE_TRADE_DESK_CRM_API_VERSION } from './versioning-info'

/** Production endpoint of TTD's API. Only the factory in `./index.ts` may point a definition elsewhere. */
export const TTD_API_BASE_URL = `https://api.thetradedesk.com/${THE_TRADE_DESK_CRM_API_VERSION}`

/** TTD refuses any CRM upload holding fewer distinct identifiers than this. */
export const MIN_DISTINCT_IDENTIFIERS = 1500

/** Default and lower bound of the hidden `batch_size` field: a smaller batch could never reach the minimum. */
export const DEFAULT_BATCH_SIZE = 100_000
export const MIN_BATCH_SIZE = MIN_DISTINCT_IDENTIFIERS

export const REGIONS = ['US', 'EU', 'APAC'] as const
export type Region = (typeof REGIONS)[number]

export function isRegion(value: unknown): value is Region {
  return typeof value === 'string' && (REGIONS as readonly string[]).includes(value)
}

/** How every Region choice reads, in the mapping, the audience settings and the hook alike. */
export const REGION_CHOICES: { label: string; value: Region }[] = [
  { label: 'US (United States and Canada)', value: 'US' },
  { label: 'EU (European Union and the UK)', value: 'EU' },
  { label: 'APAC (Asia-Pacific)', value: 'APAC' }
]

export const PII_TYPES = ['Email', 'EmailHashedUnifiedId2', 'Phone', 'PhoneNumberHashedUnifiedId2'] as const
export type PiiType = (typeof PII_TYPES)[number]

export type MergeMode = 'Replace' | 'Add'

export const AUDIENCE_ENTERED = 'Audience Entered'
export const AUDIENCE_EXITED = 'Audience Exited'

/** JSON calls to TTD's API are small; anything slower than this is an outage to retry. */
export const API_TIMEOUT_MS = 15_000
/**
 * The upload's timeout grows with its size: a base for connection set-up plus time for the body at a
 * pessimistic 1 MB/s, so a million hashed emails (~45 MB) get ~75 s rather than the 10 s default.
 */
export const UPLOAD_TIMEOUT_BASE_MS = 30_000
export const UPLOAD_BYTES_PER_MS = 1_000

/**
 * How long after a successful upload later batches of the same full sync append (`Add`) instead of
 * replacing. Engage resends the whole audience every 24 hours and delivers one sync's batches within
 * minutes to a few hours; 6 hours covers a slow, retried sync with room to spare while closing long
 * before the next day's sync, which must start with a `Replace` to drop people who left the audience.
 */
export const SYNC_WINDOW_HOURS = 6

/** A remembered CrmDataId is re-checked against TTD (by the drop request) at least this often. */
export const SEGMENT_ID_CACHE_HOURS = 24

/**
 * A batch that finds another batch creating its segment, or uploading its sync's `Replace` (claims, taken in the
 * runtime's cache across machines, or in this process's memory without one), waits this long (checking every poll
 * interval) before handing its events back to Segment to retry: long enough for a listing or a 100,000-line
 * `Replace`, short next to the runtime's own time budget per batch.
 */
export const COORDINATION_WAIT_MS = 20_000
export const COORDINATION_POLL_MS = 250
/**
 * Life of the claim taken to look up or create a segment: longer than a listing of many pages plus the
 * create, so a live holder keeps it; a holder that died frees the name once it runs out.
 */
export const SEGMENT_CLAIM_SECONDS = 300
/** Added to a `Replace` claim beyond the drop request's and the upload's own timeouts. */
export const REPLACE_CLAIM_MARGIN_SECONDS = 30

/**
 * How long the lines of short batches are held for their target after the last batch added to them: longer than
 * Segment retries a batch (four hours), so that a sync's short batches meet; far shorter than the 24 hours between
 * full syncs, so that one day's held lines never go out with the next day's sync.
 */
export const POOL_HOURS = SYNC_WINDOW_HOURS
/** Lines of a window's uploads kept to top short batches up: enough for any batch, however short. */
export const RESERVOIR_LINES = MIN_DISTINCT_IDENTIFIERS
