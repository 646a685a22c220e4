import { Agent as HttpAgent } from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import type { RequestClient } from '@segment/actions-core'
import {
  API_TIMEOUT_MS,
  UPLOAD_BYTES_PER_MS,
  UPLOAD_TIMEOUT_BASE_MS,
  type MergeMode,
  type PiiType,
  type Region
} from './constants'
import { sha256Base64 } from './pii'
import { isLoopbackHost } from './loopback'
import {
  CallCutShortError,
  classifyCallFailure,
  TtdError,
  unreadableAnswer,
  type CallContext,
  type TtdOperation
} from './errors'
import type {
  CreateSegmentRequest,
  CreateSegmentResponse,
  CrmSegment,
  DropRequest,
  DropResponse,
  ListSegmentsResponse
} from './ttd-wire-types'

export interface TtdClientConfig {
  apiBaseUrl: string
  token: string
  advertiserId: string
  /** Test-only: lets a loopback sandbox hand out plain-http drop URLs. Production requires https. */
  allowLoopbackHttpDrops?: boolean
  /** Timeout of each JSON call; the default suits production. */
  apiTimeoutMs?: number
  /** Fixed part of the upload's timeout, which also grows with the body's size. */
  uploadTimeoutBaseMs?: number
  /** The runtime's signal from the execute input, when it gives one: stops every call of the invocation. */
  signal?: AbortSignal
}

/**
 * The bytes of an upload. Named by what Buffer.allocUnsafe returns, so that it reads as the fetch body type under
 * this project's @types/node (where Buffer is generic and only Buffer<ArrayBuffer> is a body) and under older ones
 * (where Buffer is not generic).
 */
export type UploadBody = ReturnType<typeof Buffer.allocUnsafe>

/** Where TTD's API is and how to reach it: fixed per definition, never from customer settings. */
export type TtdEndpoint = Omit<TtdClientConfig, 'token' | 'advertiserId' | 'signal'>

/** Upper bound on listing pages, in case TTD keeps handing out fresh tokens for empty-looking pages. */
const MAX_LIST_PAGES = 10_000

/**
 * Typed client for TTD's CRM Data API. It knows the four calls and their failure modes, nothing of
 * Segment payloads. The token goes into the `TTD-Auth` header of API calls only: the drop URL is a
 * pre-signed storage location that must never see it.
 */
export class TtdCrmClient {
  constructor(
    private readonly request: RequestClient,
    private readonly config: TtdClientConfig
  ) {}

  get advertiserId(): string {
    return this.config.advertiserId
  }

  /**
   * Identifies who is asking whom: API host, advertiser and a fingerprint of the token, so in-process
   * coordination never hands one caller's answer (or auth failure) to a caller with other credentials.
   */
  get callerKey(): string {
    const fingerprint = sha256Base64(this.config.token).slice(0, 16)
    return `${this.config.apiBaseUrl}|${this.config.advertiserId}|${fingerprint}`
  }

  /** The first listing page: enough to prove the token has rights on the advertiser. */
  async listFirstPage(): Promise<CrmSegment[]> {
    const body = await this.callApi<ListSegmentsResponse>('list CRM segments', this.listUrl(), { method: 'GET' })
    return Array.isArray(body.Segments) ? body.Segments : []
  }

  /** Every CRM segment of the advertiser, across all pages. */
  async listSegments(): Promise<CrmSegment[]> {
    const operation: TtdOperation = 'list CRM segments'
    const base = this.listUrl()
    const segments: CrmSegment[] = []
    const seenTokens = new Set<string>()
    let url = base
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const body = await this.callApi<ListSegmentsResponse>(operation, url, { method: 'GET' })
      const pageSegments = body.Segments
      // Only an explicit empty list ends the listing: a page without one could hide the segment and
      // lead to creating a duplicate.
      if (!Array.isArray(pageSegments)) throw unreadableAnswer(this.apiCall(operation), 'no Segments list')
      if (pageSegments.length === 0) break
      for (const segment of pageSegments) {
        if (!segment || typeof segment.CrmDataId !== 'string')
          throw unreadableAnswer(this.apiCall(operation), 'a segment has no CrmDataId')
        segments.push(segment)
      }
      const token = body.PagingToken
      if (typeof token !== 'string' || token === '' || seenTokens.has(token)) break
      seenTokens.add(token)
      url = `${base}?pagingToken=${encodeURIComponent(token)}`
    }
    return segments
  }

  async createSegment(segmentName: string, region: Region): Promise<CreateSegmentResponse> {
    const operation: TtdOperation = 'create the CRM segment'
    const json: CreateSegmentRequest = {
      AdvertiserId: this.config.advertiserId,
      SegmentName: segmentName,
      Region: region
    }
    const body = await this.callApi<CreateSegmentResponse>(operation, `${this.config.apiBaseUrl}/crmdata/segment`, {
      method: 'POST',
      json
    })
    if (typeof body.CrmDataId !== 'string' || body.CrmDataId === '') {
      throw unreadableAnswer(this.apiCall(operation), 'no CrmDataId')
    }
    return body
  }

  async requestDrop(crmDataId: string, piiType: PiiType, mergeMode: MergeMode): Promise<DropResponse> {
    const operation: TtdOperation = 'request an upload location'
    const path = `${encodeURIComponent(this.config.advertiserId)}/${encodeURIComponent(crmDataId)}`
    const json: DropRequest = { PiiType: piiType, MergeMode: mergeMode }
    const body = await this.callApi<DropResponse>(operation, `${this.config.apiBaseUrl}/crmdata/segment/${path}`, {
      method: 'POST',
      json
    })
    if (typeof body.Url !== 'string' || body.Url === '') throw unreadableAnswer(this.apiCall(operation), 'no Url')
    this.assertSafeDropUrl(body.Url)
    return body
  }

  /** PUTs the identifiers, one per line. No `TTD-Auth` header: the URL carries its own authorization. */
  async upload(url: string, body: UploadBody): Promise<void> {
    this.assertSafeDropUrl(url)
    const timeout =
      (this.config.uploadTimeoutBaseMs ?? UPLOAD_TIMEOUT_BASE_MS) + Math.ceil(body.length / UPLOAD_BYTES_PER_MS)
    await this.send('upload', url, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body }, timeout)
  }

  private listUrl(): string {
    return `${this.config.apiBaseUrl}/crmdata/segment/${encodeURIComponent(this.config.advertiserId)}`
  }

  /** PII goes to https only; a sandbox on loopback is the one exception, and only when allowed. */
  private assertSafeDropUrl(url: string): void {
    const ctx = this.apiCall('request an upload location')
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw unreadableAnswer(ctx, 'the upload URL is not a URL')
    }
    if (parsed.protocol === 'https:') return
    const loopback = isLoopbackHost(parsed)
    if (parsed.protocol === 'http:' && loopback && this.config.allowLoopbackHttpDrops) return
    throw new TtdError({ ...ctx, code: 'TTD_UPLOAD_URL_UNSAFE', stored: 'no' }, ctx.advertiserId)
  }

  /** Who is called for what, for the errors of a call to TTD's API. */
  private apiCall(operation: TtdOperation): CallContext {
    return this.callTo(operation, this.config.apiBaseUrl)
  }

  private callTo(operation: TtdOperation, url: string): CallContext {
    return { operation, host: hostOf(url), advertiserId: this.config.advertiserId, token: this.config.token }
  }

  private async callApi<T>(
    operation: TtdOperation,
    url: string,
    options: { method: 'GET' | 'POST'; json?: unknown }
  ): Promise<T> {
    const content = await this.send(
      operation,
      url,
      { ...options, headers: { 'TTD-Auth': this.config.token } },
      this.config.apiTimeoutMs ?? API_TIMEOUT_MS
    )
    return parseJsonObject<T>(this.apiCall(operation), content)
  }

  /**
   * One request, bounded end to end: the answer's headers and its whole body must arrive within
   * `timeoutMs`, or the call is given up, its connection torn down, and a retryable timeout thrown.
   * The body is read exactly once (no clone): a clone carries no timeout, and the unread original is a
   * stream whose connection error nobody would handle.
   */
  private async send(operation: TtdOperation, url: string, options: SendOptions, timeoutMs: number): Promise<string> {
    try {
      return await withinDeadline(timeoutMs, this.config.signal, async (signal) => {
        // actions-core merges per-call options deeply, so an AbortSignal passed here would reach fetch as a
        // plain object whenever the runtime put its own signal in the client's defaults (it always does, and
        // that one already reaches fetch). A connection of our own is what this call can reliably cut.
        const agent = connectionsFor(url, signal)
        const response = await this.request(url, { ...options, timeout: timeoutMs, skipResponseCloning: true, agent })
        // actions-core's response preparation has read the body; a client without it leaves that to us.
        const content = (response as unknown as { content?: unknown }).content
        return typeof content === 'string' ? content : await response.text()
      })
    } catch (error) {
      throw classifyCallFailure(error, this.callTo(operation, url))
    }
  }
}

type SendOptions = {
  method: 'GET' | 'POST' | 'PUT'
  headers: Record<string, string>
  json?: unknown
  body?: string | UploadBody
}

/**
 * Connections used by one call only, each destroyed when the call is given up: that ends a stalled answer
 * instead of leaving its socket open, and a connection the request client opens only after the deadline
 * (on a starved event loop) is closed at birth. actions-core destroys the agent once the body is read.
 */
function connectionsFor(url: string, signal: AbortSignal): HttpsAgent {
  const agent = url.startsWith('https:')
    ? new HttpsAgent({ keepAlive: false })
    : (new HttpAgent({ keepAlive: false }) as HttpsAgent)
  const open = agent.createConnection.bind(agent)
  agent.createConnection = (options, callback) => {
    const socket = open(options, callback)
    if (socket) {
      if (signal.aborted) socket.destroy()
      else signal.addEventListener('abort', () => socket.destroy(), { once: true })
    }
    return socket
  }
  return agent
}

/**
 * Runs `work` with a signal that aborts after `ms` or when `outer` aborts, and settles by then whatever
 * `work` does: a request client that ignored the signal could otherwise keep the caller waiting forever.
 */
async function withinDeadline<T>(
  ms: number,
  outer: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>
): Promise<T> {
  if (outer?.aborted) throw new CallCutShortError('aborted')
  const controller = new AbortController()
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true })
  })
  // Whichever loses the race settles later or never; neither may surface as an unhandled rejection.
  stopped.catch(() => undefined)
  const timer = setTimeout(() => controller.abort(new CallCutShortError('deadline')), ms)
  const onOuterAbort = () => controller.abort(new CallCutShortError('aborted'))
  outer?.addEventListener('abort', onOuterAbort, { once: true })
  try {
    const running = work(controller.signal)
    running.catch(() => undefined)
    return await Promise.race([running, stopped])
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', onOuterAbort)
    // Releases whatever the call still holds (its connection) once the caller has its answer or error.
    if (!controller.signal.aborted) controller.abort(new CallCutShortError('aborted'))
  }
}

function parseJsonObject<T>(ctx: CallContext, content: string): T {
  let parsed: unknown
  try {
    parsed = JSON.parse(content)
  } catch {
    throw unreadableAnswer(ctx, 'not JSON')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw unreadableAnswer(ctx, 'not a JSON object')
  }
  return parsed as T
}

/** The host a call goes to, for errors: never the whole URL, whose query signs the upload. */
function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'an invalid address'
  }
}
