import {
  getErrorCodeFromHttpStatus,
  HTTPError,
  IntegrationError,
  InvalidAuthenticationError,
  RetryableError,
  type JSONLikeObject
} from '@segment/actions-core'
import { MIN_DISTINCT_IDENTIFIERS } from './constants'
import { redactSecrets } from './redact'

/**
 * Every failure the destination can meet, as data: a stable `code`, whether a later attempt may succeed, the
 * HTTP status Segment reads, and what else a caller needs to word or count it (the call, the host, the network
 * cause, whether an upload may have been stored). Messages are worded here, once, from that data; callers (the
 * batch results, Test Connection, the hook, the runner) read the code, never the message. This is the one place
 * TTD failures become Segment errors.
 */

/** The four calls of a sync, named as a marketer reads them in an error. */
export type TtdOperation = 'list CRM segments' | 'create the CRM segment' | 'request an upload location' | 'upload'

/** How a call that got no usable answer ended, when the network said. */
export type NetworkCause = 'dns' | 'refused' | 'reset' | 'unreachable' | 'timeout' | 'aborted'

/** Failures of a call to TTD's API or to its upload location. */
export type TtdFailureCode =
  /** No answer: the host could not be resolved or reached, the connection broke, or no complete answer in time. */
  | 'TTD_UNREACHABLE'
  /** TTD answered 5xx or 408: an outage on its side. */
  | 'TTD_UNAVAILABLE'
  /** TTD answered 429. */
  | 'TTD_RATE_LIMITED'
  /** An answer that could not be read (not JSON, fields missing): a proxy or deployment hiccup, worth a retry. */
  | 'TTD_UNREADABLE'
  /** 401 from TTD's API: the token. */
  | 'TTD_TOKEN_REJECTED'
  /** 403 from TTD's API: no rights on the advertiser. */
  | 'TTD_FORBIDDEN'
  /** 404 on the listing: the advertiser. */
  | 'TTD_ADVERTISER_NOT_FOUND'
  /** 404 on the drop request: the CrmDataId. */
  | 'TTD_SEGMENT_NOT_FOUND'
  /** 401/403 from the upload location: the pre-signed URL expired or was used; a new one fixes it. */
  | 'TTD_UPLOAD_URL_EXPIRED'
  /** The upload location TTD handed out is not https: nothing was sent there. */
  | 'TTD_UPLOAD_URL_UNSAFE'
  /** Any other refusal: TTD's own message says why. */
  | 'TTD_REJECTED'

/** Problems the destination finds itself, before or instead of a request TTD would refuse. */
export type RuleCode =
  | 'MISSING_SETTING'
  | 'INVALID_REGION'
  | 'BLANK_SEGMENT_NAME'
  | 'PHONE_IN_EU'
  | 'REGION_MISMATCH'
  | 'DUPLICATE_SEGMENT_NAME'
  | 'BELOW_MINIMUM'

/** The runtime's stores could not coordinate this batch (another batch holds a claim, or the cache failed). */
export type CoordinationCode = 'SEGMENT_BUSY' | 'STORE_FAILED'

export type FailureCode = TtdFailureCode | RuleCode | CoordinationCode

type RetryableStatus = NonNullable<ConstructorParameters<typeof RetryableError>[1]>

const MAX_TTD_MESSAGE_LENGTH = 300

/** What a failed call to TTD was, as data. */
export interface TtdFailure {
  code: TtdFailureCode
  operation: TtdOperation
  /** The host called: TTD's API or the upload location's storage host (never the URL: it is signed). */
  host: string
  /** TTD's HTTP status, when it answered. */
  status?: number
  /** How the call ended without an answer, when it did. */
  network?: NetworkCause
  /** For an upload: whether the file may have been stored although the call failed. */
  stored: 'no' | 'maybe'
  /** TTD's Retry-After, as it gave it. */
  retryAfter?: string
  /** TTD's own explanation, clipped and scrubbed of the token. */
  ttdMessage?: string
}

/** A failed call to TTD. Its fields say what happened; its message says it to a marketer. */
export class TtdError extends Error implements TtdFailure {
  readonly code: TtdFailureCode
  readonly operation: TtdOperation
  readonly host: string
  readonly status?: number
  readonly network?: NetworkCause
  readonly stored: 'no' | 'maybe'
  readonly retryAfter?: string
  readonly ttdMessage?: string
  readonly advertiserId: string

  constructor(failure: TtdFailure, advertiserId: string) {
    super(describeTtdFailure(failure, advertiserId))
    this.name = 'TtdError'
    this.code = failure.code
    this.operation = failure.operation
    this.host = failure.host
    this.status = failure.status
    this.network = failure.network
    this.stored = failure.stored
    this.retryAfter = failure.retryAfter
    this.ttdMessage = failure.ttdMessage
    this.advertiserId = advertiserId
  }

  get retryable(): boolean {
    return RETRYABLE_TTD_CODES.has(this.code)
  }

  /** The status Segment reads: TTD's own when it answered, else the conventional one for the failure. */
  get segmentStatus(): number {
    switch (this.code) {
      case 'TTD_UNREACHABLE':
        return this.network === 'timeout' || this.network === 'aborted' ? 504 : 503
      case 'TTD_UNREADABLE':
        return 502
      case 'TTD_UPLOAD_URL_EXPIRED':
        return 503
      case 'TTD_UPLOAD_URL_UNSAFE':
        return 502
      case 'TTD_UNAVAILABLE':
        return retryableStatus(this.status ?? 503)
      case 'TTD_RATE_LIMITED':
        return 429
      default:
        return this.status ?? 400
    }
  }
}

const RETRYABLE_TTD_CODES = new Set<TtdFailureCode>([
  'TTD_UNREACHABLE',
  'TTD_UNAVAILABLE',
  'TTD_RATE_LIMITED',
  'TTD_UNREADABLE',
  'TTD_UPLOAD_URL_EXPIRED'
])

/** A problem the destination found itself: no retry fixes it, and The Trade Desk is not to blame. */
export class SyncRuleError extends Error {
  readonly code: RuleCode
  readonly status: number
  /** Ids or counts a caller may show (never a person's identifier). */
  readonly details: JSONLikeObject

  constructor(code: RuleCode, message: string, details: JSONLikeObject = {}, status = 400) {
    super(message)
    this.name = 'SyncRuleError'
    this.code = code
    this.status = status
    this.details = details
  }
}

/** The runtime's stores could not coordinate the batch now: a later attempt will. */
export class CoordinationError extends Error {
  readonly code: CoordinationCode
  readonly status = 503

  constructor(code: CoordinationCode, message: string) {
    super(message)
    this.name = 'CoordinationError'
    this.code = code
  }
}

/** The destination's own failure types: anything else is a bug. */
export type SyncFailure = TtdError | SyncRuleError | CoordinationError

export function isSyncFailure(error: unknown): error is SyncFailure {
  return error instanceof TtdError || error instanceof SyncRuleError || error instanceof CoordinationError
}

export function isRetryable(error: SyncFailure): boolean {
  return error instanceof CoordinationError || (error instanceof TtdError && error.retryable)
}

// ---------------------------------------------------------------------------------------------------------------
// Raw failures of a call, classified.

/**
 * A call given up before its answer was complete: its own end-to-end deadline passed (headers and body alike),
 * or the runtime's signal stopped the invocation.
 */
export class CallCutShortError extends Error {
  constructor(readonly reason: 'deadline' | 'aborted') {
    super(reason === 'deadline' ? 'The call did not finish before its deadline' : 'The call was aborted')
    this.name = 'CallCutShortError'
  }
}

export interface CallContext {
  operation: TtdOperation
  host: string
  advertiserId: string
  /** Secret to scrub from anything TTD echoes back, however unlikely. */
  token: string
}

/** What a failed request (an HTTP error answer, a network error, a timeout) means, as a TtdError. */
export function classifyCallFailure(error: unknown, ctx: CallContext): Error {
  if (error instanceof TtdError) return error
  const base = { operation: ctx.operation, host: ctx.host }
  if (error instanceof HTTPError) {
    const status = error.response.status
    const failure: TtdFailure = {
      ...base,
      code: codeForStatus(status, ctx.operation),
      status,
      // The storage answered: it did not keep the file.
      stored: 'no',
      ttdMessage: ttdMessage(error, ctx.token)
    }
    const retryAfter = error.response.headers.get('retry-after')
    if (retryAfter) failure.retryAfter = retryAfter.slice(0, 20)
    return new TtdError(failure, ctx.advertiserId)
  }
  const network = networkCause(error)
  if (network) {
    // Refused or unresolved: nothing reached the storage. Anything else may have ended after the file was sent.
    const stored = network === 'dns' || network === 'refused' ? 'no' : 'maybe'
    return new TtdError({ ...base, code: 'TTD_UNREACHABLE', network, stored }, ctx.advertiserId)
  }
  return error instanceof Error ? error : new Error(String(error))
}

/** An answer that could not be read. */
export function unreadableAnswer(ctx: CallContext, what: string): TtdError {
  return new TtdError(
    { operation: ctx.operation, host: ctx.host, code: 'TTD_UNREADABLE', stored: 'no', ttdMessage: what },
    ctx.advertiserId
  )
}

function codeForStatus(status: number, operation: TtdOperation): TtdFailureCode {
  if (status === 429) return 'TTD_RATE_LIMITED'
  if (status === 408 || status >= 500) return 'TTD_UNAVAILABLE'
  if (operation === 'upload') return status === 401 || status === 403 ? 'TTD_UPLOAD_URL_EXPIRED' : 'TTD_REJECTED'
  if (status === 401) return 'TTD_TOKEN_REJECTED'
  if (status === 403) return 'TTD_FORBIDDEN'
  if (status === 404 && operation === 'request an upload location') return 'TTD_SEGMENT_NOT_FOUND'
  if (status === 404 && operation === 'list CRM segments') return 'TTD_ADVERTISER_NOT_FOUND'
  return 'TTD_REJECTED'
}

const NETWORK_CAUSES: Record<string, NetworkCause> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  // A body that ended early surfaces as a stream error from node-fetch's reader or Node's own streams.
  ERR_STREAM_PREMATURE_CLOSE: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ETIMEDOUT: 'timeout'
}

function networkCause(error: unknown): NetworkCause | undefined {
  if (error instanceof CallCutShortError) return error.reason === 'deadline' ? 'timeout' : 'aborted'
  const e = error as { name?: unknown; type?: unknown; code?: unknown }
  if (typeof e?.code === 'string' && NETWORK_CAUSES[e.code]) return NETWORK_CAUSES[e.code]
  // actions-core's and node-fetch's own names for a stopped or timed-out call.
  if (e?.name === 'AbortError' || e?.name === 'RequestClientError') return 'aborted'
  if (e?.name === 'TimeoutError' || e?.name === 'RequestTimeoutError') return 'timeout'
  if (e?.name === 'FetchError') return e.type === 'body-timeout' || e.type === 'request-timeout' ? 'timeout' : 'reset'
  return undefined
}

/** TTD's explanation from a JSON `Message`, else the start of the body; clipped and never carrying the token. */
function ttdMessage(error: HTTPError, token: string): string {
  const response = error.response as HTTPError['response'] & { data?: unknown; content?: string }
  const data = response.data
  let text = ''
  if (data && typeof data === 'object' && typeof (data as { Message?: unknown }).Message === 'string') {
    text = (data as { Message: string }).Message
  } else if (typeof response.content === 'string') {
    text = response.content
  }
  text = text
    .slice(0, 4 * MAX_TTD_MESSAGE_LENGTH)
    .replace(/\s+/g, ' ')
    .trim()
  text = redactSecrets(text, [token])
  if (text.length > MAX_TTD_MESSAGE_LENGTH) text = text.slice(0, MAX_TTD_MESSAGE_LENGTH) + '…'
  return text || error.response.statusText || 'no explanation given'
}

// ---------------------------------------------------------------------------------------------------------------
// Wording.

/** How a call without an answer ended, in words ("the connection was refused"). */
export function describeNetwork(cause: NetworkCause | undefined): string {
  return NETWORK_WORDS[cause ?? 'reset'] ?? NETWORK_WORDS.reset
}

const NETWORK_WORDS: Record<NetworkCause, string> = {
  dns: 'the host name could not be resolved',
  refused: 'the connection was refused',
  reset: 'the connection broke before the answer was complete',
  unreachable: 'the host could not be reached',
  timeout: 'no complete answer came in time',
  aborted: 'the call was stopped before the answer was complete'
}

function describeTtdFailure(f: TtdFailure, advertiserId: string): string {
  const call = `"${f.operation}"`
  switch (f.code) {
    case 'TTD_UNREACHABLE':
      return `Could not reach The Trade Desk for ${call} at ${f.host}: ${describeNetwork(f.network)}.`
    case 'TTD_UNAVAILABLE':
      return `The Trade Desk failed to ${f.operation} (${f.status}): an outage on its side.`
    case 'TTD_RATE_LIMITED':
      return (
        `The Trade Desk rate-limited ${call} (429)` +
        (f.retryAfter ? ` and asked to wait ${f.retryAfter} seconds.` : '.')
      )
    case 'TTD_UNREADABLE':
      return `The Trade Desk's answer to ${call} could not be read (${f.ttdMessage ?? 'malformed'}).`
    case 'TTD_TOKEN_REJECTED':
      return (
        'The Trade Desk rejected the API token (401). Check the Auth Token setting: it must be a current ' +
        "long-lived token from TTD's developer portal (Manage API Tokens)."
      )
    case 'TTD_FORBIDDEN':
      return (
        `The API token has no rights on advertiser "${advertiserId}" (403). Check the Advertiser ID setting and ` +
        'that the token belongs to a user with access to that advertiser.'
      )
    case 'TTD_ADVERTISER_NOT_FOUND':
      return `The Trade Desk does not know advertiser "${advertiserId}" (404). Check the Advertiser ID setting.`
    case 'TTD_SEGMENT_NOT_FOUND':
      return `The Trade Desk does not know this CRM segment (404): ${f.ttdMessage ?? ''}`.trim()
    case 'TTD_UPLOAD_URL_EXPIRED':
      return `The upload location refused the file (${f.status}); it has probably expired, and a new one is needed.`
    case 'TTD_UPLOAD_URL_UNSAFE':
      return (
        'The Trade Desk returned an upload location that is not https; no personal data was sent there. ' +
        'Contact The Trade Desk support if this persists.'
      )
    case 'TTD_REJECTED':
      return f.operation === 'upload'
        ? `The Trade Desk refused the uploaded file (${f.status}): ${f.ttdMessage}`
        : `The Trade Desk refused to ${f.operation} (${f.status}): ${f.ttdMessage}`
  }
}

/** Said after a retryable failure in a batch result: what Segment's retries do, without promising success. */
const RETRIED = ' Segment retries these events for up to four hours.'

/** The reason TTD's minimum is the reason: shared by the final failure and the hold. */
export function belowMinimumReason(distinct: number): string {
  return (
    `Too few distinct identifiers to upload: ${distinct.toLocaleString('en-US')} found, The Trade Desk requires at ` +
    `least ${MIN_DISTINCT_IDENTIFIERS.toLocaleString('en-US')} per upload. Nothing was sent. Grow the audience or ` +
    'wait for the next full sync.'
  )
}

export function belowMinimumError(distinct: number): SyncRuleError {
  return new SyncRuleError('BELOW_MINIMUM', belowMinimumReason(distinct), { distinctIdentifiers: distinct })
}

// ---------------------------------------------------------------------------------------------------------------
// Segment's side: thrown errors and per-event entries.

/** The error to throw where Segment expects one (Test Connection, audiences, pickers, hooks). */
export function toSegmentError(error: unknown): Error {
  if (error instanceof TtdError) {
    if (error.retryable) return new RetryableError(error.message, error.segmentStatus as RetryableStatus)
    if (error.code === 'TTD_TOKEN_REJECTED' || error.code === 'TTD_FORBIDDEN') {
      return new InvalidAuthenticationError(error.message)
    }
    return new IntegrationError(error.message, error.code, error.segmentStatus)
  }
  if (error instanceof CoordinationError) return new RetryableError(error.message, 503)
  if (error instanceof SyncRuleError) return new IntegrationError(error.message, error.code, error.status)
  return error instanceof Error ? error : new Error(String(error))
}

/** One failed event of a batch, as the multistatus entry Segment reads. */
export interface FailureEntry {
  status: number
  errortype: ReturnType<typeof getErrorCodeFromHttpStatus>
  errormessage: string
  body: JSONLikeObject
}

/**
 * The entry every event of a failed upload group gets: retryable failures carry a retryable status so that
 * Segment retries just these events; the body carries the failure's code and data for callers to read.
 */
export function toFailureEntry(error: SyncFailure): FailureEntry {
  const retryable = isRetryable(error)
  const status = error instanceof TtdError ? error.segmentStatus : error.status
  const body: JSONLikeObject = { code: error.code }
  if (error instanceof TtdError) {
    body.operation = error.operation
    body.host = error.host
    if (error.status !== undefined) body.ttdStatus = error.status
    if (error.network) body.network = error.network
    if (error.operation === 'upload') body.stored = error.stored
  } else if (error instanceof SyncRuleError) {
    Object.assign(body, error.details)
  }
  return {
    status,
    errortype: getErrorCodeFromHttpStatus(status),
    errormessage: retryable ? error.message + RETRIED : error.message,
    body
  }
}

/**
 * Test Connection's reading of a failed first listing. Whatever Segment would retry in a sync (no connection,
 * no answer in time, an unreadable answer, 429 or 5xx) says nothing about the settings, and a connection test
 * is not retried: say so, and leave the token, rights and advertiser errors as they are.
 */
export function forConnectionTest(error: unknown): Error {
  if (!(error instanceof TtdError) || !error.retryable) return toSegmentError(error)
  return new IntegrationError(
    `Cannot reach The Trade Desk at ${error.host} to test the connection (${unreachableReason(error)}). This is ` +
      'not a problem with the Auth Token or the Advertiser ID: test the connection again in a few minutes.',
    'TTD_UNREACHABLE',
    503
  )
}

function unreachableReason(error: TtdError): string {
  switch (error.code) {
    case 'TTD_RATE_LIMITED':
      return 'it asked to slow down, 429'
    case 'TTD_UNREADABLE':
      return 'its answer could not be read'
    case 'TTD_UNAVAILABLE':
      return `it failed with ${error.status}`
    default:
      return describeNetwork(error.network)
  }
}

/**
 * Whether Segment retries an event answered with this status (Segment's docs, "Retries between Segment and
 * destinations"): 5xx except 501 and 505, and of the 4xx 408, 410, 429 and 460.
 */
export function segmentRetries(status: number): boolean {
  if (status >= 500 && status <= 599) return status !== 501 && status !== 505
  return status === 408 || status === 410 || status === 429 || status === 460
}

function retryableStatus(status: number): RetryableStatus {
  const allowed = [408, 500, 502, 503, 504]
  return (allowed.includes(status) ? status : 503) as RetryableStatus
}
