import type { IncomingMessage, ServerResponse } from 'node:http'

/** A request the server answers with an error status and a JSON body `{ ok: false, error, code? }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

/** Large enough for a full 100,000-event batch of Engage events, small enough to refuse a runaway upload. */
export const MAX_BODY_BYTES = 128 * 1024 * 1024

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers
  })
  res.end(text)
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {}
) {
  sendJson(res, status, { ok: false, error: message, ...extra }, headers)
}

/** Reads the whole body as a JSON object; anything else is the caller's mistake (400, or 413 when too big). */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, `The request body is larger than ${MAX_BODY_BYTES} bytes.`, { Connection: 'close' })
    chunks.push(chunk as Buffer)
  }
  let value: unknown
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.')
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, 'The request body must be a JSON object.')
  }
  return value as Record<string, unknown>
}

/** An optional member that must be a JSON object when present. */
export function objectField(body: Record<string, unknown>, name: string, required: boolean) {
  const value = body[name]
  if (value === undefined && !required) return undefined
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, `"${name}" must be a JSON object.`)
  }
  return value as Record<string, unknown>
}
