import type { IncomingMessage, ServerResponse } from 'node:http'
import { drain } from './body'

/** Sends a whole text answer, unless one has already begun or the connection is gone (a fault may have cut it). */
export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {}
): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers })
  res.end(body)
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers)
}

/** The request's URL, read against a placeholder origin: only its path and query matter to a route. */
export function requestUrl(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1')
  } catch {
    return new URL('http://127.0.0.1/')
  }
}

/**
 * Runs a request's handling; what it throws is answered by `answerError` once the rest of the body is read. An
 * answer already under way when the error came cannot be taken back: its connection is cut, so the client sees a
 * broken answer rather than a wrong whole one.
 */
export function answerErrors(
  req: IncomingMessage,
  res: ServerResponse,
  handling: Promise<void>,
  answerError: (error: unknown) => void
): void {
  handling.catch(async (error: unknown) => {
    if (res.headersSent) {
      if (!res.writableEnded) res.destroy()
      return
    }
    await drain(req)
    answerError(error)
  })
}
