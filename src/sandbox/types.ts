// The public shapes other parts of the project (destination tests, runner, server) code against.

export type Region = 'US' | 'EU' | 'APAC'
export type PiiType = 'Email' | 'EmailHashedUnifiedId2' | 'Phone' | 'PhoneNumberHashedUnifiedId2'
export type MergeMode = 'Replace' | 'Add'
export type SandboxRoute = 'list' | 'create' | 'drop' | 'upload'
/**
 * How an answer breaks after its 200 headers and the start of its body: the connection closes cleanly
 * (`close`, short of the declared Content-Length), is reset (`reset`), goes silent (`stall`), or a chunked
 * answer ends without its last chunk (`chunked`).
 */
export type BrokenBody = 'close' | 'reset' | 'stall' | 'chunked'

export const REGIONS: readonly Region[] = ['US', 'EU', 'APAC']
export const PII_TYPES: readonly PiiType[] = ['Email', 'EmailHashedUnifiedId2', 'Phone', 'PhoneNumberHashedUnifiedId2']
export const MERGE_MODES: readonly MergeMode[] = ['Replace', 'Add']
export const SANDBOX_ROUTES: readonly SandboxRoute[] = ['list', 'create', 'drop', 'upload']
export const BROKEN_BODIES: readonly BrokenBody[] = ['close', 'reset', 'stall', 'chunked']

export interface FaultRule {
  route: SandboxRoute
  /** Answer with this status (JSON body {"Message": "..."}), e.g. 429, 500, 502, 503, 504, 400, 404. */
  status?: number
  /** Adds a Retry-After header (meant for 429/503). */
  retryAfterSeconds?: number
  /** Delay before answering (or before applying the other effects). */
  latencyMs?: number
  /** Destroy the socket without an answer (connection reset). */
  reset?: boolean
  /** Answer 200 with a truncated, non-JSON body. */
  malformedJson?: boolean
  /** Answer 200 with valid JSON that lacks the expected fields ({}). */
  incompleteJson?: boolean
  /** Send 200 headers and the start of the body, then break the answer this way. Nothing is stored. */
  brokenBody?: BrokenBody
  /** List route only: always answer the same non-empty page with the same PagingToken. */
  repeatPagingToken?: boolean
  /** Drop route only: answer a drop URL with scheme http:// on a non-loopback host name. */
  insecureDropUrl?: boolean
  /** Apply to the next N matching requests only; default: every request until cleared. */
  times?: number
}

export interface SandboxAccount {
  token: string
  advertiserIds: string[]
}

export interface SandboxOptions {
  /** Default 0 (ephemeral). */
  port?: number
  /** Segments per listing page, default 100. */
  pageSize?: number
  /** Default 600_000 (10 minutes). */
  dropUrlTtlMs?: number
  /** Default 1500. */
  minDistinct?: number
  /** Default: one account with a random token and advertiser id 'sandbox-advertiser'. */
  accounts?: SandboxAccount[]
  faults?: FaultRule[]
  /** Request log lines (method, route name, status, ms); never tokens or PII. Default: none. */
  log?: (line: string) => void
}

export interface SegmentView {
  advertiserId: string
  crmDataId: string
  segmentName: string
  region: Region
  firstPartyDataId: number
  memberCount: number
}

export type DropStatus = 'pending' | 'uploaded' | 'rejected' | 'expired'

export interface DropView {
  referenceId: string
  advertiserId: string
  crmDataId: string
  piiType: PiiType
  mergeMode: MergeMode
  status: DropStatus
  lineCount: number
  distinctCount: number
  rejectedLines: number
  createdAt: string
  uploadedAt?: string
  /** The segment's member count right after this upload was applied; only for status 'uploaded'. */
  memberCountAfter?: number
}

/** A segment with the latest of its drops, oldest first: what the console draws as its timeline. */
export interface SegmentTimeline extends SegmentView {
  drops: DropView[]
  /** How many earlier drops were left out to keep the answer bounded. */
  earlierDrops: number
}

export interface AdvertiserOverview {
  advertiserId: string
  segments: SegmentTimeline[]
  /** Segments left out to keep the answer bounded. */
  moreSegments: number
}

/** GET /_sandbox/overview: everything the console shows, in one consistent snapshot. */
export interface SandboxOverview {
  generatedAt: string
  minDistinct: number
  advertisers: AdvertiserOverview[]
  faults: FaultRule[]
}

export type IdentifierKind = 'email' | 'phone' | 'hash'

/**
 * POST /_sandbox/lookup: whether an identifier is in each segment. Never holds the identifier itself, only the
 * member key it is stored under (a SHA-256 digest) and, when it is not valid, the reason.
 */
export type LookupAnswer =
  | { valid: false; kind: IdentifierKind; reason: string }
  | {
      valid: true
      kind: IdentifierKind
      memberKey: string
      segmentsChecked: number
      memberOfCount: number
      /** The segments holding it (at most the first 100 of memberOfCount). */
      memberOf: Pick<SegmentView, 'advertiserId' | 'crmDataId' | 'segmentName' | 'region'>[]
    }

export interface RequestRecord {
  method: string
  route: SandboxRoute | 'other'
  path: string
  /** 0 when the connection was reset without an answer. */
  status: number
  hadAuthHeader: boolean
}

export interface Sandbox {
  /** http://127.0.0.1:PORT */
  readonly origin: string
  /** origin + '/v3': what the destination uses instead of https://api.thetradedesk.com/v3 */
  readonly apiBaseUrl: string
  /** origin + '/': the console page (segments, their drop timelines, fault rules, a membership lookup) */
  readonly consoleUrl: string
  /** A token with rights on advertiserId (first account). */
  readonly token: string
  readonly advertiserId: string
  /** Every request, in order, without bodies. */
  readonly requests: RequestRecord[]
  segments(advertiserId?: string): SegmentView[]
  /** Newest last. */
  drops(crmDataId?: string): DropView[]
  /** Stored member keys of a segment (see memberKey). */
  members(crmDataId: string): Set<string>
  /** The key a given uploaded line is stored under. */
  memberKey(piiType: PiiType, normalizedValue: string): string
  /**
   * Create a segment directly (for duplicate-name / paging tests, and a dry run's copy of a target's segments,
   * which keeps their CrmDataIds).
   */
  seedSegment(advertiserId: string, segmentName: string, region: Region, crmDataId?: string): SegmentView
  setFaults(rules: FaultRule[]): void
  clearFaults(): void
  close(): Promise<void>
}
