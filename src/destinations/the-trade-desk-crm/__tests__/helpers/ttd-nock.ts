import nock from 'nock'
import { createTestIntegration, type JSONObject, type SegmentEvent, type StateContext } from '@segment/actions-core'
import { StateContextStore } from '../../../../local-runtime/state-context-store'
import definition from '../../index'
import { API, DROP_HOST, SETTINGS, mapping } from './events'

export const ADV = SETTINGS.advertiser_id
export const LIST_PATH = `/v3/crmdata/segment/${ADV}`

/** Per-event result as actions-core reports it for a batch. */
export interface EventResult {
  status: number
  sent?: unknown
  body?: unknown
  errormessage?: string
  errortype?: string
}

export interface Captured {
  dropBodies: unknown[]
  uploads: { body: string; headers: Record<string, string | string[] | undefined> }[]
  createBodies: unknown[]
}

export function newCapture(): Captured {
  return { dropBodies: [], uploads: [], createBodies: [] }
}

/** TTD's listing answering `segments` on one page, then an empty page (just the empty page for none). */
export function nockSegments(segments: unknown[]): void {
  if (segments.length === 0) {
    nock(API).get(LIST_PATH).reply(200, { Segments: [], PagingToken: null })
    return
  }
  nock(API).get(LIST_PATH).reply(200, { Segments: segments, PagingToken: 'p1' })
  nock(API).get(LIST_PATH).query({ pagingToken: 'p1' }).reply(200, { Segments: [], PagingToken: null })
}

/** TTD's listing over several pages, each leading to the next with a paging token, then an empty page. */
export function nockListingPages(...pages: unknown[][]): void {
  pages.forEach((segments, i) => {
    const scope = nock(API).get(LIST_PATH)
    const page = i === 0 ? scope : scope.query({ pagingToken: `t${i}` })
    page.reply(200, { Segments: segments, PagingToken: `t${i + 1}` })
  })
  nock(API)
    .get(LIST_PATH)
    .query({ pagingToken: `t${pages.length}` })
    .reply(200, { Segments: [], PagingToken: null })
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

export function nockCreate(crmDataId: string, capture?: Captured): void {
  nock(API)
    .post('/v3/crmdata/segment', (body) => {
      capture?.createBodies.push(body)
      return true
    })
    .reply(200, { CrmDataId: crmDataId, FirstPartyDataId: 42 })
}

export function nockDrop(crmDataId: string, capture?: Captured, dropPath = `/upload/${crmDataId}`): void {
  nock(API)
    .post(`/v3/crmdata/segment/${ADV}/${crmDataId}`, (body) => {
      capture?.dropBodies.push(body)
      return true
    })
    .reply(200, { ReferenceId: `ref-${crmDataId}`, Url: `${DROP_HOST}${dropPath}?sig=abc` })
}

export function nockUpload(capture: Captured, dropPath: string, status = 200): void {
  nock(DROP_HOST)
    .put(dropPath)
    .query(true)
    .reply(function (_uri, body) {
      capture.uploads.push({ body: String(body), headers: { ...this.req.headers } })
      return [status, '']
    })
}

/** The whole happy path for an existing segment: listing, drop, upload. */
export function nockExistingSegmentFlow(crmDataId: string, capture: Captured, region = 'US'): void {
  nockSegments([{ CrmDataId: crmDataId, SegmentName: 'High Value', Region: region }])
  nockDrop(crmDataId, capture)
  nockUpload(capture, `/upload/${crmDataId}`)
}

/**
 * Runs one batch as one invocation of `state` (the runtime's stateContext store), or with `stateContext` as given
 * (a spy), or with none.
 */
export async function runBatch(
  events: SegmentEvent[],
  options: {
    mapping?: JSONObject
    state?: StateContextStore
    stateContext?: StateContext
    settings?: typeof SETTINGS
  } = {}
): Promise<EventResult[]> {
  const integration = createTestIntegration(definition)
  const run = (stateContext: StateContext | undefined) =>
    integration.testBatchAction('syncAudience', {
      events,
      mapping: options.mapping ?? mapping(),
      settings: options.settings ?? SETTINGS,
      useDefaultMappings: true,
      stateContext
    })
  if (options.state) await options.state.run(run)
  else await run(options.stateContext)
  return integration.results[0].multistatus as EventResult[]
}

export function uploadedLines(capture: Captured, index = 0): string[] {
  return capture.uploads[index].body.split('\n').filter((line) => line !== '')
}
