import { sendJson } from '../http/answer'
import { readJson, readJsonObject } from '../http/body'
import { HttpError } from '../http/http-error'
import type { Router } from '../http/router'
import { MAX_JSON_BODY_BYTES } from './answers'
import type { Endpoint, SandboxCall, SandboxContext } from './context'
import { FaultRuleError } from './faults'
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
export function addInspectRoutes(router: Router<Endpoint>, ctx: SandboxContext): void {
  const view = (handle: (call: SandboxCall) => Promise<void> | void): Endpoint => ({ route: 'other', handle })
  router
    .on(
      'GET',
      `${INSPECT_PREFIX}segments`,
      view(({ res, url }) =>
        sendJson(res, 200, ctx.store.segmentViews(url.searchParams.get('advertiserId') ?? undefined))
      )
    )
    .on(
      'GET',
      `${INSPECT_PREFIX}overview`,
      view(({ res }) => sendJson(res, 200, buildOverview(ctx)))
    )
    .on(
      'POST',
      LOOKUP_PATH,
      view((call) => lookUp(ctx, call))
    )
    .on(
      'GET',
      `${INSPECT_PREFIX}drops`,
      view(({ res, url }) =>
        sendJson(res, 200, ctx.store.dropViews(url.searchParams.get('crmDataId') ?? undefined, ctx.now()))
      )
    )
    .on(
      'GET',
      `${INSPECT_PREFIX}faults`,
      view(({ res }) => sendJson(res, 200, ctx.faults.list()))
    )
    .on(
      'DELETE',
      `${INSPECT_PREFIX}faults`,
      view(({ res }) => {
        ctx.faults.clear()
        sendJson(res, 200, [])
      })
    )
    .on(
      'PUT',
      `${INSPECT_PREFIX}faults`,
      view((call) => setFaults(ctx, call))
    )
}

/** The lookup refuses other methods with a hint: the identifier belongs in a POST body, never in a URL. */
export function lookupMethodNotAllowed(): HttpError {
  return new HttpError(405, 'Send the identifier as {"identifier": "..."} in a POST body', { Allow: 'POST' })
}

async function lookUp(ctx: SandboxContext, { req, res }: SandboxCall): Promise<void> {
  const identifier = (await readJsonObject(req, MAX_JSON_BODY_BYTES)).identifier
  if (typeof identifier !== 'string' || identifier.trim() === '') {
    throw new HttpError(400, 'identifier is required: an email address, a phone number (E.164) or a SHA-256 digest')
  }
  if (identifier.length > MAX_IDENTIFIER_LENGTH) {
    throw new HttpError(400, `identifier is longer than ${MAX_IDENTIFIER_LENGTH} characters`)
  }
  sendJson(res, 200, lookUpIdentifier(ctx.store, identifier))
}

async function setFaults(ctx: SandboxContext, { req, res }: SandboxCall): Promise<void> {
  const rules = await readJson(req, MAX_JSON_BODY_BYTES)
  try {
    ctx.faults.set(rules)
  } catch (error) {
    if (error instanceof FaultRuleError) throw new HttpError(400, error.message)
    throw error
  }
  sendJson(res, 200, ctx.faults.list())
}
