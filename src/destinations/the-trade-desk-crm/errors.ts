import { HTTPError, IntegrationError, InvalidAuthenticationError, RetryableError } from '@segment/actions-core'
import { redactSecrets } from './redact'

/** The four calls of a sync, named as a marketer reads them in an error. */
export type TtdOperation = 'list CRM segments' | 'create the CRM segment' | 'request an upload location' | 'upload'

type RetryableStatus = ConstructorParameters<typeof RetryableError>[1]

const MAX_TTD_MESSAGE_LENGTH = 300

/**
 * A permanent refusal by TTD (a 4xx other than auth and rate limiting), or a problem found before any
 * request that no retry can fix. performBatch turns it into a failure of every affected event.
 */
export class TtdRejectedError extends IntegrationError {
  constructor(message: string, status = 400) {
    super(message, 'TTD_REJECTED', status)
  }
}

/** The CRM segment a drop was requested for does not exist (any more) at TTD. */
export class SegmentNotFoundError extends TtdRejectedError {
  constructor(message: string) {
    super(message, 404)
  }
}

/**
 * A TTD call given up before its answer was complete: its own end-to-end deadline passed (headers and
 * body alike), or the runtime's signal stopped the invocation. Either way the outcome is unknown, so it
 * is retried like a timeout.
 */
export class CallCutShortError extends Error {
  constructor(readonly reason: 'deadline' | 'aborted') {
    super(reason === 'deadline' ? 'The call did not finish before its deadline' : 'The call was aborted')
    this.name = 'CallCutShortError'
  }
}

/** A malformed or incomplete answer from TTD: most likely a proxy or deployment hiccup, so worth a retry. */
export function unreadableAnswer(operation: TtdOperation, what: string): RetryableError {
  return new RetryableError(
    `The Trade Desk's answer to "${operation}" could not be read (${what}). Segment will retry.`,
    502
  )
}

export interface ErrorContext {
  operation: TtdOperation
  advertiserId: string
  /** Secret to scrub from anything TTD echoes back, however unlikely. */
  token: string
}

/**
 * The one place that turns a failed TTD call into the error Segment acts on:
 * auth problems stop the batch with a message to fix the settings, rate limits, 5xx, timeouts and
 * broken connections are retried, any other refusal fails the events with TTD's own explanation.
 */
export function toSegmentError(error: unknown, ctx: ErrorContext): Error {
  if (error instanceof HTTPError) return fromHttpStatus(error.response.status, ttdMessage(error, ctx.token), ctx, error)
  if (isAbort(error)) {
    return new RetryableError(
      `"${ctx.operation}" was stopped before The Trade Desk's answer was complete. Segment will retry.`,
      504
    )
  }
  if (isTimeout(error)) {
    return new RetryableError(`The Trade Desk did not answer "${ctx.operation}" in time. Segment will retry.`, 504)
  }
  if (isNetworkFailure(error)) {
    return new RetryableError(
      `The connection to The Trade Desk failed during "${ctx.operation}". Segment will retry.`,
      503
    )
  }
  return error instanceof Error ? error : new Error(String(error))
}

/**
 * Test Connection's reading of a failed first listing. Whatever Segment would retry in a sync (no
 * connection, no answer in time, an unreadable answer, 429 or 5xx) says nothing about the settings, and
 * a connection test is not retried: say so, and leave the token, rights and advertiser errors as they are.
 */
export function forConnectionTest(error: unknown): Error {
  if (!(error instanceof RetryableError)) return error instanceof Error ? error : new Error(String(error))
  return new IntegrationError(
    `Cannot reach The Trade Desk to test the connection (${unreachableReason(error.status)}). This is not a ` +
      'problem with the Auth Token or the Advertiser ID: test the connection again in a few minutes.',
    'TTD_UNREACHABLE',
    503
  )
}

function unreachableReason(status: number | undefined): string {
  switch (status) {
    case 429:
      return 'it asked to slow down, 429'
    case 502:
      return 'its answer could not be read'
    case 503:
      return 'the connection failed or the service is unavailable'
    case 504:
      return 'no complete answer in time'
    default:
      return `it failed with ${status ?? 'an error'}`
  }
}

function fromHttpStatus(status: number, message: string, ctx: ErrorContext, error: HTTPError): Error {
  const retryAfter = error.response.headers.get('retry-after')
  if (status === 429) {
    const wait = retryAfter ? ` and asked to wait ${retryAfter.slice(0, 20)} seconds` : ''
    return new RetryableError(`The Trade Desk rate-limited "${ctx.operation}" (429)${wait}. Segment will retry.`, 429)
  }
  if (status === 408 || status >= 500) {
    return new RetryableError(
      `The Trade Desk failed to "${ctx.operation}" (${status}). Segment will retry.`,
      retryableStatus(status)
    )
  }
  if (ctx.operation === 'upload') return fromUploadStatus(status, message)
  if (status === 401) {
    return new InvalidAuthenticationError(
      'The Trade Desk rejected the API token (401). Check the Auth Token setting: it must be a current ' +
        "long-lived token from TTD's developer portal (Manage API Tokens)."
    )
  }
  if (status === 403) {
    return new InvalidAuthenticationError(
      `The API token has no rights on advertiser "${ctx.advertiserId}" (403). Check the Advertiser ID setting and ` +
        'that the token belongs to a user with access to that advertiser.'
    )
  }
  if (status === 404 && ctx.operation === 'request an upload location') {
    return new SegmentNotFoundError(`The Trade Desk does not know this CRM segment (404): ${message}`)
  }
  if (status === 404 && ctx.operation === 'list CRM segments') {
    return new TtdRejectedError(
      `The Trade Desk does not know advertiser "${ctx.advertiserId}" (404). Check the Advertiser ID setting.`,
      404
    )
  }
  return new TtdRejectedError(`The Trade Desk refused to ${ctx.operation} (${status}): ${message}`, status)
}

/**
 * The upload goes to a pre-signed storage URL, not TTD's API: 401/403 there mean the URL expired or
 * was already used, which a retry fixes because the next attempt asks for a fresh one.
 */
function fromUploadStatus(status: number, message: string): Error {
  if (status === 401 || status === 403) {
    return new RetryableError(
      `The upload location refused the file (${status}); it has probably expired. Segment will retry with a new one.`,
      503
    )
  }
  return new TtdRejectedError(`The Trade Desk refused the uploaded file (${status}): ${message}`, status)
}

function retryableStatus(status: number): RetryableStatus {
  const allowed = [408, 500, 502, 503, 504]
  return (allowed.includes(status) ? status : 503) as RetryableStatus
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

/** The runtime's signal (or a caller's) stopped the call: actions-core and node-fetch name it either way. */
function isAbort(error: unknown): boolean {
  if (error instanceof CallCutShortError) return error.reason === 'aborted'
  const name = (error as { name?: unknown })?.name
  return name === 'AbortError' || name === 'RequestClientError'
}

/** Our own deadline, actions-core's header timeout, or node-fetch's timeouts on the socket and the body. */
function isTimeout(error: unknown): boolean {
  if (error instanceof CallCutShortError) return error.reason === 'deadline'
  const e = error as { name?: unknown; code?: unknown; type?: unknown }
  return (
    e?.name === 'TimeoutError' ||
    e?.name === 'RequestTimeoutError' ||
    e?.code === 'ETIMEDOUT' ||
    (e?.name === 'FetchError' && (e.type === 'body-timeout' || e.type === 'request-timeout'))
  )
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH'
])

function isNetworkFailure(error: unknown): boolean {
  const e = error as { name?: unknown; type?: unknown; code?: unknown; errno?: unknown }
  if (e?.name === 'FetchError') return true
  if (typeof e?.code === 'string' && NETWORK_CODES.has(e.code)) return true
  // A body that ended early surfaces as a stream error from node-fetch's reader or Node's own streams.
  return e?.code === 'ERR_STREAM_PREMATURE_CLOSE'
}
