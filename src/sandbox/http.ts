import type { IncomingMessage, ServerResponse } from 'node:http'

// JSON request bodies of the CRM API are a few hundred bytes; anything far larger is a client bug.
const MAX_JSON_BODY_BYTES = 1024 * 1024

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  sendRaw(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers)
}

export function sendMessage(res: ServerResponse, status: number, message: string, headers?: Record<string, string>) {
  sendJson(res, status, { Message: message }, headers)
}

/** S3-style error document, which is what a pre-signed upload location answers with. */
export function sendXmlError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`
  sendRaw(res, status, body, 'application/xml', {})
}

export function sendRaw(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string>
): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...headers })
  res.end(body)
}

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_JSON_BODY_BYTES) {
      await drain(req)
      throw new HttpError(413, 'Request body is too large')
    }
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') throw new HttpError(400, 'Request body must be JSON; it is empty')
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON')
  }
}

export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJsonBody(req)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Request body must be a JSON object')
  }
  return body as Record<string, unknown>
}

/**
 * Reads and discards what is left of a request body. Answering before the client has finished sending makes some
 * clients (undici among them) fail the request with a socket error instead of reporting the answer.
 */
export function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve()
  return new Promise((resolve) => {
    req.once('end', resolve)
    // a client that goes away mid-body leaves nothing to answer
    req.once('close', resolve)
    req.once('error', () => resolve())
    req.resume()
  })
}
