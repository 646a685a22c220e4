import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { answerErrors, requestUrl } from '../http/answer'
import { HttpError } from '../http/http-error'
import { Router, methodNotAllowed, type RouteMatch } from '../http/router'
import { answerError } from './answers'
import type { Endpoint, SandboxContext } from './context'
import { handleCreate, handleDrop, handleList } from './crm-routes'
import { addConsoleRoutes, isConsolePath } from './console-page'
import { applyFault } from './fault-responses'
import { FaultBook } from './faults'
import { memberKey } from './identifiers'
import { INSPECT_PREFIX, LOOKUP_PATH, addInspectRoutes, lookupMethodNotAllowed } from './inspect'
import { SandboxStore, segmentView } from './store'
import { handleUpload } from './upload-route'
import {
  REGIONS,
  type FaultRule,
  type Region,
  type RequestRecord,
  type Sandbox,
  type SandboxAccount,
  type SandboxOptions
} from './types'

export const DEFAULT_ADVERTISER_ID = 'sandbox-advertiser'

/** TTD's four routes, then the sandbox's own views and console page. */
function sandboxRouter(ctx: SandboxContext): Router<Endpoint> {
  const router = new Router<Endpoint>()
    .on('GET', '/v3/crmdata/segment/:advertiserId', { route: 'list', handle: (call) => handleList(ctx, call) })
    .on('POST', '/v3/crmdata/segment', { route: 'create', handle: (call) => handleCreate(ctx, call) })
    .on('POST', '/v3/crmdata/segment/:advertiserId/:crmDataId', {
      route: 'drop',
      handle: (call) => handleDrop(ctx, call)
    })
    .on('PUT', '/drops/:uploadId', { route: 'upload', handle: (call) => handleUpload(ctx, call) })
  addInspectRoutes(router, ctx)
  addConsoleRoutes(router)
  return router
}

/**
 * The refusal of a request no route takes. The sandbox's own pages answer a wrong method 405; TTD's routes answer
 * it 404 like any path they do not have, as the sandbox always has.
 */
function unmatched(method: string, pathname: string, allowed: readonly string[]): HttpError {
  if (pathname === LOOKUP_PATH) return lookupMethodNotAllowed()
  if (allowed.length > 0 && (pathname.startsWith(INSPECT_PREFIX) || isConsolePath(pathname))) {
    return methodNotAllowed(pathname, allowed)
  }
  return new HttpError(404, `No route for ${method} ${pathname}`)
}

async function serve(
  ctx: SandboxContext,
  match: RouteMatch<Endpoint>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL
): Promise<void> {
  if (!match.found) throw unmatched(req.method ?? 'GET', url.pathname, match.allowed)
  const { route, handle } = match.route
  let fault: FaultRule | undefined
  if (route !== 'other') {
    fault = ctx.faults.take(route)
    if (fault && (await applyFault(ctx, fault, route, req, res))) return
  }
  await handle({ req, res, params: match.params, url, fault })
}

interface Settings {
  port: number
  pageSize: number
  dropUrlTtlMs: number
  minDistinct: number
  accounts: SandboxAccount[]
}

function requireInteger(name: string, value: number | undefined, fallback: number, min: number, max: number) {
  const result = value ?? fallback
  if (!Number.isInteger(result) || result < min || result > max) {
    throw new TypeError(`Sandbox option ${name} must be an integer from ${min} to ${max}`)
  }
  return result
}

/**
 * A sandbox account: the token given, else a random one the sandbox makes up (it is its own, never a Trade Desk
 * token), with rights on the advertiser given, else DEFAULT_ADVERTISER_ID.
 */
export function sandboxAccount(token?: string, advertiserId?: string): SandboxAccount {
  return {
    token: token ?? `sandbox-${randomBytes(16).toString('hex')}`,
    advertiserIds: [advertiserId ?? DEFAULT_ADVERTISER_ID]
  }
}

function resolveSettings(options: SandboxOptions): Settings {
  const accounts = options.accounts ?? [sandboxAccount()]
  if (accounts.length === 0 || accounts[0].advertiserIds.length === 0) {
    throw new TypeError('Sandbox option accounts needs a first account with at least one advertiser id')
  }
  for (const account of accounts) {
    if (typeof account.token !== 'string' || account.token === '') {
      throw new TypeError('Every sandbox account needs a non-empty token')
    }
  }
  return {
    port: requireInteger('port', options.port, 0, 0, 65535),
    pageSize: requireInteger('pageSize', options.pageSize, 100, 1, Number.MAX_SAFE_INTEGER),
    dropUrlTtlMs: requireInteger('dropUrlTtlMs', options.dropUrlTtlMs, 600_000, 0, Number.MAX_SAFE_INTEGER),
    minDistinct: requireInteger('minDistinct', options.minDistinct, 1500, 0, Number.MAX_SAFE_INTEGER),
    accounts
  }
}

/** Starts a TTD CRM API sandbox on 127.0.0.1. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const settings = resolveSettings(options)
  const store = new SandboxStore(settings.accounts, settings.pageSize, settings.dropUrlTtlMs, settings.minDistinct)
  const faults = new FaultBook()
  faults.set(options.faults ?? [])
  const requests: RequestRecord[] = []
  const timers = new Set<NodeJS.Timeout>()
  const log = options.log
  let origin = ''
  let closed = false

  const ctx: SandboxContext = {
    store,
    faults,
    get origin() {
      return origin
    },
    minDistinct: settings.minDistinct,
    now: () => Date.now(),
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        if (closed) return
        const timer = setTimeout(() => {
          timers.delete(timer)
          resolve()
        }, ms)
        timers.add(timer)
      })
  }

  const router = sandboxRouter(ctx)
  const server = createServer((req, res) => {
    const started = performance.now()
    const method = req.method ?? 'GET'
    const url = requestUrl(req)
    const match = router.find(method, url.pathname)
    const route = match.found ? match.route.route : 'other'
    const record: RequestRecord = {
      method,
      route,
      // a lookup's identifier belongs in its body; one put in the URL anyway is not kept
      path: url.pathname === LOOKUP_PATH ? url.pathname : url.pathname + url.search,
      status: 0,
      hadAuthHeader: req.headers['ttd-auth'] !== undefined
    }
    requests.push(record)
    res.on('finish', () => {
      record.status = res.statusCode
    })
    res.on('close', () => {
      // Paths are left out: drop paths are capability URLs, and a misbehaving client could put anything in one.
      log?.(`${method} ${route} ${record.status || 'reset'} ${Math.round(performance.now() - started)}ms`)
    })
    answerErrors(req, res, serve(ctx, match, req, res, url), (error) => answerError(res, error))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(settings.port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      closed = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      server.close(() => resolve())
      // keep-alive sockets would otherwise hold close() (and jest) open until they time out
      server.closeAllConnections()
    })
    return closing
  }

  return {
    origin,
    apiBaseUrl: `${origin}/v3`,
    consoleUrl: `${origin}/`,
    token: settings.accounts[0].token,
    advertiserId: settings.accounts[0].advertiserIds[0],
    requests,
    segments: (advertiserId) => store.segmentViews(advertiserId),
    drops: (crmDataId) => store.dropViews(crmDataId, Date.now()),
    members: (crmDataId) => {
      const segment = store.segmentById(crmDataId)
      if (!segment) throw new Error(`The sandbox has no segment with CrmDataId ${crmDataId}`)
      return segment.members.toBase64Set()
    },
    memberKey,
    seedSegment: (advertiserId: string, segmentName: string, region: Region, crmDataId?: string) => {
      if (!REGIONS.includes(region)) throw new TypeError(`Region must be one of ${REGIONS.join(', ')}`)
      return segmentView(store.createSegment(advertiserId, segmentName, region, crmDataId))
    },
    setFaults: (rules) => faults.set(rules),
    clearFaults: () => faults.clear(),
    close
  }
}
