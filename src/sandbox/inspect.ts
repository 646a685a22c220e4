import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SandboxContext } from './context'
import { FaultRuleError } from './faults'
import { HttpError, readJsonBody, sendJson } from './http'

export const INSPECT_PREFIX = '/_sandbox/'

/**
 * Read-only views of the sandbox state plus fault control, for people and tests poking at a running sandbox. They
 * need no token: the sandbox only ever listens on loopback, and the views hold no raw PII (members are counted).
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
