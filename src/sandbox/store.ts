import { randomBytes, randomUUID } from 'node:crypto'
import { DigestSet } from './digest-set'
import type { UploadTally } from './upload-parser'
import type { DropView, MergeMode, PiiType, Region, SandboxAccount, SegmentView } from './types'

export interface Segment {
  advertiserId: string
  crmDataId: string
  segmentName: string
  region: Region
  firstPartyDataId: number
  members: DigestSet
}

// 'uploading' keeps a second, concurrent PUT out while the first body is still streaming in.
type DropState = 'pending' | 'uploading' | 'uploaded' | 'rejected'

export interface Drop {
  uploadId: string
  referenceId: string
  advertiserId: string
  crmDataId: string
  piiType: PiiType
  mergeMode: MergeMode
  state: DropState
  createdAtMs: number
  lineCount: number
  distinctCount: number
  rejectedLines: number
  uploadedAtMs?: number
  /** The segment's size right after this upload was applied (the console's timeline). */
  memberCountAfter?: number
}

export type Access = 'ok' | 'unknown-token' | 'unknown-advertiser' | 'forbidden'

export type ListResult = { segments: Segment[]; pagingToken: string | null } | 'bad-paging-token'

export type UploadOutcome = { applied: true } | { applied: false; distinctCount: number }

function randomId(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

/** Accounts, segments, drops and issued paging tokens of one sandbox. Everything lives in memory. */
export class SandboxStore {
  private readonly tokens = new Map<string, Set<string>>()
  private readonly knownAdvertisers = new Set<string>()
  private readonly segmentList: Segment[] = []
  private readonly segmentsById = new Map<string, Segment>()
  private readonly dropList: Drop[] = []
  private readonly dropsByUploadId = new Map<string, Drop>()
  // Paging tokens are random handles rather than encoded offsets, so a client that invents or edits one gets a 400.
  private readonly pagingTokens = new Map<string, { advertiserId: string; offset: number }>()
  private readonly repeatTokens = new Map<string, string>()
  private nextSegmentNumber = 1
  private nextFirstPartyDataId = 100_001

  constructor(
    accounts: SandboxAccount[],
    private readonly pageSize: number,
    private readonly dropUrlTtlMs: number,
    private readonly minDistinct: number
  ) {
    for (const account of accounts) {
      const rights = this.tokens.get(account.token) ?? new Set<string>()
      for (const advertiserId of account.advertiserIds) {
        rights.add(advertiserId)
        this.knownAdvertisers.add(advertiserId)
      }
      this.tokens.set(account.token, rights)
    }
  }

  isKnownToken(token: string | undefined): boolean {
    return token !== undefined && this.tokens.has(token)
  }

  access(token: string | undefined, advertiserId: string): Access {
    const rights = token === undefined ? undefined : this.tokens.get(token)
    if (!rights) return 'unknown-token'
    if (rights.has(advertiserId)) return 'ok'
    return this.knownAdvertisers.has(advertiserId) ? 'forbidden' : 'unknown-advertiser'
  }

  /** A new segment; `crmDataId` keeps one given by a copy of another account's segments (a dry run's). */
  createSegment(advertiserId: string, segmentName: string, region: Region, crmDataId?: string): Segment {
    if (crmDataId !== undefined && this.segmentsById.has(crmDataId)) {
      throw new TypeError(`The sandbox already has a segment with CrmDataId ${crmDataId}`)
    }
    const segment: Segment = {
      advertiserId,
      crmDataId: crmDataId ?? `crm-${this.nextSegmentNumber++}-${randomId(3)}`,
      segmentName,
      region,
      firstPartyDataId: this.nextFirstPartyDataId++,
      members: new DigestSet(16)
    }
    this.segmentList.push(segment)
    this.segmentsById.set(segment.crmDataId, segment)
    return segment
  }

  findSegment(advertiserId: string, crmDataId: string): Segment | undefined {
    const segment = this.segmentsById.get(crmDataId)
    return segment && segment.advertiserId === advertiserId ? segment : undefined
  }

  allSegments(): readonly Segment[] {
    return this.segmentList
  }

  segmentById(crmDataId: string): Segment | undefined {
    return this.segmentsById.get(crmDataId)
  }

  /** One listing page; a non-empty page always carries a token for the next one, an empty page ends the listing. */
  listPage(advertiserId: string, pagingToken: string | undefined): ListResult {
    let offset = 0
    if (pagingToken !== undefined) {
      const position = this.pagingTokens.get(pagingToken)
      if (!position || position.advertiserId !== advertiserId) return 'bad-paging-token'
      offset = position.offset
    }
    const segments = this.segmentList
      .filter((s) => s.advertiserId === advertiserId)
      .slice(offset, offset + this.pageSize)
    if (segments.length === 0) return { segments, pagingToken: null }
    const next = randomId(12)
    this.pagingTokens.set(next, { advertiserId, offset: offset + segments.length })
    return { segments, pagingToken: next }
  }

  firstSegments(advertiserId: string): Segment[] {
    return this.segmentList.filter((s) => s.advertiserId === advertiserId).slice(0, this.pageSize)
  }

  /**
   * The one token the repeatPagingToken fault keeps answering with. It is a genuine "page two" token, so once the
   * fault is used up a client that follows it gets the rest of the listing.
   */
  repeatedPagingToken(advertiserId: string): string {
    let token = this.repeatTokens.get(advertiserId)
    if (token === undefined) {
      token = randomId(12)
      this.repeatTokens.set(advertiserId, token)
    }
    this.pagingTokens.set(token, { advertiserId, offset: this.firstSegments(advertiserId).length })
    return token
  }

  createDrop(segment: Segment, piiType: PiiType, mergeMode: MergeMode, nowMs: number): Drop {
    const drop: Drop = {
      uploadId: randomId(24),
      referenceId: randomUUID(),
      advertiserId: segment.advertiserId,
      crmDataId: segment.crmDataId,
      piiType,
      mergeMode,
      state: 'pending',
      createdAtMs: nowMs,
      lineCount: 0,
      distinctCount: 0,
      rejectedLines: 0
    }
    this.dropList.push(drop)
    this.dropsByUploadId.set(drop.uploadId, drop)
    return drop
  }

  dropByUploadId(uploadId: string): Drop | undefined {
    return this.dropsByUploadId.get(uploadId)
  }

  isExpired(drop: Drop, nowMs: number): boolean {
    return nowMs - drop.createdAtMs > this.dropUrlTtlMs
  }

  /** Applies a complete upload, or nothing at all when it holds too few distinct identifiers. */
  finishUpload(drop: Drop, tally: UploadTally, nowMs: number): UploadOutcome {
    drop.lineCount = tally.lineCount
    drop.rejectedLines = tally.rejectedLines
    drop.distinctCount = tally.digests.size
    if (tally.digests.size < this.minDistinct) {
      drop.state = 'rejected'
      return { applied: false, distinctCount: tally.digests.size }
    }
    const segment = this.segmentsById.get(drop.crmDataId)
    if (segment) {
      if (drop.mergeMode === 'Replace') segment.members = tally.digests
      else segment.members.addAll(tally.digests)
    }
    drop.state = 'uploaded'
    drop.uploadedAtMs = nowMs
    if (segment) drop.memberCountAfter = segment.members.size
    return { applied: true }
  }

  /** Every advertiser an account has rights on, then any other one a segment was seeded for, in first-seen order. */
  advertiserIds(): string[] {
    const ids = new Set(this.knownAdvertisers)
    for (const segment of this.segmentList) ids.add(segment.advertiserId)
    return [...ids]
  }

  segmentViews(advertiserId?: string): SegmentView[] {
    return this.segmentList
      .filter((s) => advertiserId === undefined || s.advertiserId === advertiserId)
      .map(segmentView)
  }

  dropViews(crmDataId: string | undefined, nowMs: number): DropView[] {
    return this.dropList
      .filter((d) => crmDataId === undefined || d.crmDataId === crmDataId)
      .map((d) => this.dropView(d, nowMs))
  }

  private dropView(drop: Drop, nowMs: number): DropView {
    let status: DropView['status']
    if (drop.state === 'uploaded' || drop.state === 'rejected') status = drop.state
    else status = this.isExpired(drop, nowMs) ? 'expired' : 'pending'
    const view: DropView = {
      referenceId: drop.referenceId,
      advertiserId: drop.advertiserId,
      crmDataId: drop.crmDataId,
      piiType: drop.piiType,
      mergeMode: drop.mergeMode,
      status,
      lineCount: drop.lineCount,
      distinctCount: drop.distinctCount,
      rejectedLines: drop.rejectedLines,
      createdAt: new Date(drop.createdAtMs).toISOString()
    }
    if (drop.uploadedAtMs !== undefined) view.uploadedAt = new Date(drop.uploadedAtMs).toISOString()
    if (drop.memberCountAfter !== undefined) view.memberCountAfter = drop.memberCountAfter
    return view
  }
}

export function segmentView(segment: Segment): SegmentView {
  return {
    advertiserId: segment.advertiserId,
    crmDataId: segment.crmDataId,
    segmentName: segment.segmentName,
    region: segment.region,
    firstPartyDataId: segment.firstPartyDataId,
    memberCount: segment.members.size
  }
}
