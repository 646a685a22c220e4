import type { IncomingMessage } from 'node:http'
import { BodyError } from './http-error'

// What is left of a refused body is read and thrown away up to this much (above the largest upload a sync makes, so
// a refused one still gets its answer); past it the connection is cut, so a runaway client cannot keep a server
// reading forever.
const MAX_DRAIN_BYTES = 256 * 1024 * 1024

/** The whole body as JSON, read up to maxBytes; a larger, empty or malformed body is a BodyError. */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) {
      // the connection is not reused: the rest of the body is not worth reading to keep it
      throw new BodyError('too-large', `The request body is larger than ${maxBytes} bytes.`, { Connection: 'close' })
    }
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') throw new BodyError('empty', 'The request body is empty: it must be JSON.')
  try {
    return JSON.parse(text)
  } catch {
    throw new BodyError('not-json', 'The request body is not valid JSON.')
  }
}

/** The whole body as a JSON object (not an array, not null), read up to maxBytes. */
export async function readJsonObject(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const body = await readJson(req, maxBytes)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BodyError('not-object', 'The request body must be a JSON object.')
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
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_DRAIN_BYTES) req.destroy()
    })
    req.once('end', resolve)
    // a client that goes away mid-body (or one cut off above) leaves nothing to answer
    req.once('close', resolve)
    req.once('error', () => resolve())
    req.resume()
  })
}
