/**
 * The one fake TTD of the unit tests: TTD's API and its upload storage behind nock, answering with TTD's shapes at
 * TTD's paths. Two ways to drive it:
 * - scripted answers (`nockSegments`, `nockCreate`, `nockDrop`, `nockUpload`, ...): each answers one request, so a
 *   test states exactly which calls it expects (`nock.isDone()`) and what TTD says to each, faults included, and
 *   reads what was sent from a `Captured`;
 * - `FakeTtd`: a TTD with state (segments with members, drops applied as Replace or Add when their upload succeeds,
 *   a log of what happened in which order) that answers every request until `nock.cleanAll()`, for flows of several
 *   batches or several destination instances.
 */
import nock from 'nock'
import type { CreateSegmentResponse, CrmSegment, DropResponse } from '../../ttd-wire-types'
import { SETTINGS } from './events'

export const API = 'https://api.thetradedesk.com'
export const DROP_HOST = 'https://drop.storage.example'
export const ADV = SETTINGS.advertiser_id
export const LIST_PATH = `/v3/crmdata/segment/${ADV}`
const CREATE_PATH = '/v3/crmdata/segment'
const dropPathOf = (crmDataId: string) => `/v3/crmdata/segment/${ADV}/${crmDataId}`

const listingPage = (segments: unknown[], pagingToken: string | null) => ({
  Segments: segments,
  PagingToken: pagingToken
})
const created = (crmDataId: string, firstPartyDataId = 42): CreateSegmentResponse => ({
  CrmDataId: crmDataId,
  FirstPartyDataId: firstPartyDataId
})
const dropLocation = (referenceId: string, url: string): DropResponse => ({ ReferenceId: referenceId, Url: url })

/** A segment as TTD's listing shows it. */
export const segment = (id: string, name: string, region = 'US') => ({
  CrmDataId: id,
  SegmentName: name,
  Region: region
})

/**
 * The headers of a request that reached an interceptor, one text each: nock 13 hands node-fetch's headers over as
 * arrays, nock 14 as text.
 */
export function headersOf(req: { headers: Record<string, unknown> }): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value === undefined ? value : String(value)
  }
  return headers
}

/** The lines of an uploaded file, as TTD reads them. */
function linesOf(body: string): string[] {
  return body.split('\n').filter((line) => line !== '')
}

// Scripted answers ---------------------------------------------------------------------------------------------

/** What the scripted answers saw: request bodies of drops and creations, uploaded files with their headers. */
export interface Captured {
  dropBodies: unknown[]
  uploads: { body: string; headers: Record<string, string | undefined> }[]
  createBodies: unknown[]
}

export function newCapture(): Captured {
  return { dropBodies: [], uploads: [], createBodies: [] }
}

export function uploadedLines(capture: Captured, index = 0): string[] {
  return linesOf(capture.uploads[index].body)
}

/** TTD's listing answering `segments` on one page, then an empty page (just the empty page for none). */
export function nockSegments(segments: unknown[]): void {
  if (segments.length === 0) {
    nock(API).get(LIST_PATH).reply(200, listingPage([], null))
    return
  }
  nock(API).get(LIST_PATH).reply(200, listingPage(segments, 'p1'))
  nock(API).get(LIST_PATH).query({ pagingToken: 'p1' }).reply(200, listingPage([], null))
}

/** TTD's listing over several pages, each leading to the next with a paging token, then an empty page. */
export function nockListingPages(...pages: unknown[][]): void {
  pages.forEach((segments, i) => {
    const scope = nock(API).get(LIST_PATH)
    const page = i === 0 ? scope : scope.query({ pagingToken: `t${i}` })
    page.reply(200, listingPage(segments, `t${i + 1}`))
  })
  nock(API)
    .get(LIST_PATH)
    .query({ pagingToken: `t${pages.length}` })
    .reply(200, listingPage([], null))
}

export function nockCreate(crmDataId: string, capture?: Captured): void {
  nock(API)
    .post(CREATE_PATH, (body) => {
      capture?.createBodies.push(body)
      return true
    })
    .reply(200, created(crmDataId))
}

export function nockDrop(crmDataId: string, capture?: Captured, dropPath = `/upload/${crmDataId}`): void {
  nock(API)
    .post(dropPathOf(crmDataId), (body) => {
      capture?.dropBodies.push(body)
      return true
    })
    .reply(200, dropLocation(`ref-${crmDataId}`, `${DROP_HOST}${dropPath}?sig=abc`))
}

export function nockUpload(capture: Captured, dropPath: string, status = 200): void {
  nock(DROP_HOST)
    .put(dropPath)
    .query(true)
    .reply(function (_uri, body) {
      capture.uploads.push({ body: String(body), headers: headersOf(this.req) })
      return [status, '']
    })
}

/** The whole happy path for an existing segment: listing, drop, upload. */
export function nockExistingSegmentFlow(crmDataId: string, capture: Captured, region = 'US'): void {
  nockSegments([segment(crmDataId, 'High Value', region)])
  nockDrop(crmDataId, capture)
  nockUpload(capture, `/upload/${crmDataId}`)
}

/**
 * Paths of requests that reached no interceptor, emptied before each test. With the network disabled anything
 * sent at all lands here, so an empty list proves a check ran before any request.
 */
export function unmatchedRequests(): string[] {
  const paths: string[] = []
  const record = (req: { path?: string }) => void paths.push(String(req.path))
  beforeAll(() => nock.emitter.on('no match', record))
  beforeEach(() => paths.splice(0))
  afterAll(() => nock.emitter.removeListener('no match', record))
  return paths
}

// A TTD with state ---------------------------------------------------------------------------------------------

export interface FakeDrop {
  n: number
  crmDataId: string
  mergeMode: 'Replace' | 'Add'
  piiType: string
}

/** How the fake storage answers the PUT of drop `n`. */
export interface UploadBehaviour {
  /** Answer after this long (the fake applies the file when it answers). */
  delayMs?: number
  /** Answer with this status; nothing is applied unless it is 2xx. */
  status?: number
  /** Apply the file, then never answer in time (the client's timeout fires). */
  storeThenHang?: number
}

/**
 * TTD with segments and their members, for tests where batches, or several destination instances, talk to one TTD.
 * Drop `n` (0-based, across all instances) is uploaded to `/upload/n` and applied as its merge mode says when the
 * upload succeeds. Its interceptors persist until `nock.cleanAll()`.
 */
export class FakeTtd {
  readonly segments: CrmSegment[] = []
  readonly members = new Map<string, Set<string>>()
  readonly drops: FakeDrop[] = []
  /** Uploaded lines of drop `n`, as the file held them. */
  readonly uploads = new Map<number, string[]>()
  readonly log: string[] = []
  lists = 0
  creates = 0
  /** Delay of each listing and create answer, so concurrent callers overlap. */
  apiDelayMs = 0
  private readonly behaviours = new Map<number, UploadBehaviour>()

  constructor() {
    nock(API)
      .persist()
      .get(LIST_PATH)
      .query(true)
      .reply((_uri, _body, callback) => {
        this.lists++
        const page = [...this.segments]
        setTimeout(() => callback(null, [200, listingPage(page, null)]), this.apiDelayMs)
      })
    nock(API)
      .persist()
      .post(CREATE_PATH)
      .reply((_uri, body, callback) => {
        setTimeout(() => {
          this.creates++
          const request = body as { SegmentName: string; Region: string }
          const id = `crm-${this.creates}`
          this.seedSegment(id, request.SegmentName, request.Region)
          this.log.push(`create ${id}`)
          callback(null, [200, created(id, this.creates)])
        }, this.apiDelayMs)
      })
    nock(API)
      .persist()
      .post(new RegExp(`^${dropPathOf('[^/]+')}$`))
      .reply((uri, body) => {
        const crmDataId = decodeURIComponent(uri.split('/').pop() ?? '')
        if (!this.members.has(crmDataId)) return [404, { Message: 'CRM data segment not found' }]
        const request = body as { MergeMode: 'Replace' | 'Add'; PiiType: string }
        const n = this.drops.length
        this.drops.push({ n, crmDataId, mergeMode: request.MergeMode, piiType: request.PiiType })
        this.log.push(`drop ${n} ${request.MergeMode}`)
        return [200, dropLocation(`ref-${n}`, `${DROP_HOST}/upload/${n}`)]
      })
    nock(DROP_HOST)
      .persist()
      .put(/^\/upload\/\d+$/)
      .reply((uri, body, callback) => {
        const n = Number(uri.split('/').pop())
        const behaviour = this.behaviours.get(n) ?? {}
        const lines = linesOf(String(body))
        const status = behaviour.status ?? 200
        if (behaviour.storeThenHang !== undefined) {
          this.apply(n, lines)
          this.log.push(`upload ${n} stored, no answer`)
          setTimeout(() => callback(null, [200, '']), behaviour.storeThenHang)
          return
        }
        setTimeout(() => {
          if (status < 300) this.apply(n, lines)
          this.log.push(`upload ${n} ${status}`)
          callback(null, [status, ''])
        }, behaviour.delayMs ?? 0)
      })
  }

  /** Sets how the upload of the `n`-th drop (0-based, across all instances) answers. */
  onUpload(n: number, behaviour: UploadBehaviour): void {
    this.behaviours.set(n, behaviour)
  }

  seedSegment(id: string, name: string, region = 'US'): void {
    this.segments.push(segment(id, name, region))
    this.members.set(id, new Set())
  }

  mergeModes(): string[] {
    return this.drops.map((drop) => drop.mergeMode)
  }

  private apply(n: number, lines: string[]): void {
    const drop = this.drops[n]
    this.uploads.set(n, lines)
    const members = this.members.get(drop.crmDataId) ?? new Set<string>()
    if (drop.mergeMode === 'Replace') members.clear()
    for (const line of lines) members.add(line)
    this.members.set(drop.crmDataId, members)
  }
}
