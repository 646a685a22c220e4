import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SandboxContext } from './context'
import { FaultRuleError } from './faults'
import { HttpError, readJsonBody, readJsonObject, sendJson } from './http'
import { lookUpIdentifier } from './lookup'
import { buildOverview } from './overview'

export const INSPECT_PREFIX = '/_sandbox/'
export const LOOKUP_PATH = `${INSPECT_PREFIX}lookup`

// Far above any email (254) or phone number, far below what would make normalizing it costly.
const MAX_IDENTIFIER_LENGTH = 1000

/**
 * Read-only views of the sandbox state plus fault control, for people and tests poking at a running sandbox. They
 * need no token: the sandbox only ever listens on loopback, and the views hold no raw PII (members are counted).
 * The lookup takes its identifier in a POST body, never in the URL, so it stays out of request records and logs.
 */
export async function handleInspect(
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  searchParams: URLSearchParams
): Promise<void> {
  const resource = pathname.slice(INSPECT_PREFIX.length)
  const method = req.method ?? 'GET'
  if (resource === 'segments' && method === 'GET') {
    return sendJson(res, 200, ctx.store.segmentViews(searchParams.get('advertiserId') ?? undefined))
  }
  if (resource === 'overview' && method === 'GET') return sendJson(res, 200, buildOverview(ctx))
  if (resource === 'lookup') {
    if (method !== 'POST') throw new HttpError(405, 'Send the identifier as {"identifier": "..."} in a POST body')
    const identifier = (await readJsonObject(req)).identifier
    if (typeof identifier !== 'string' || identifier.trim() === '') {
      throw new HttpError(400, 'identifier is required: an email address, a phone number (E.164) or a SHA-256 digest')
    }
    if (identifier.length > MAX_IDENTIFIER_LENGTH) {
      throw new HttpError(400, `identifier is longer than ${MAX_IDENTIFIER_LENGTH} characters`)
    }
    return sendJson(res, 200, lookUpIdentifier(ctx.store, identifier))
  }
  if (resource === 'drops' && method === 'GET') {
    return sendJson(res, 200, ctx.store.dropViews(searchParams.get('crmDataId') ?? undefined, ctx.now()))
  }
  if (resource === 'faults') {
    if (method === 'GET') return sendJson(res, 200, ctx.faults.list())
    if (method === 'DELETE') {
      ctx.faults.clear()
      return sendJson(res, 200, [])
    }
    if (method === 'PUT') {
      const rules = await readJsonBody(req)
      try {
        ctx.faults.set(rules)
      } catch (error) {
        if (error instanceof FaultRuleError) throw new HttpError(400, error.message)
        throw error
      }
      return sendJson(res, 200, ctx.faults.list())
    }
  }
  throw new HttpError(404, `No sandbox route for ${method} ${pathname}`)
}
