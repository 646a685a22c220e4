import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SandboxContext } from './context'
import { handleCreate, handleDrop, handleList } from './crm-routes'
import { isConsolePath, serveConsole } from './console-page'
import { applyFault } from './fault-responses'
import { FaultBook } from './faults'
import { HttpError, drain, sendMessage } from './http'
import { memberKey } from './identifiers'
import { INSPECT_PREFIX, LOOKUP_PATH, handleInspect } from './inspect'
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

type RouteMatch =
  | { route: 'list'; advertiserId: string }
  | { route: 'create' }
  | { route: 'drop'; advertiserId: string; crmDataId: string }
  | { route: 'upload'; uploadId: string }
  | { route: 'other' }

function decodeSegment(segment: string): string | undefined {
  try {
    const decoded = decodeURIComponent(segment)
    return decoded === '' ? undefined : decoded
  } catch {
    return undefined
  }
}

function matchRoute(method: string, pathname: string): RouteMatch {
  const parts = pathname.split('/')
  if (method === 'PUT' && parts.length === 3 && parts[1] === 'drops' && parts[2] !== '') {
    return { route: 'upload', uploadId: parts[2] }
  }
  if (parts[1] !== 'v3' || parts[2] !== 'crmdata' || parts[3] !== 'segment') return { route: 'other' }
  const ids = parts.slice(4).map(decodeSegment)
  if (ids.some((id) => id === undefined)) return { route: 'other' }
  if (method === 'POST' && ids.length === 0) return { route: 'create' }
  if (method === 'GET' && ids.length === 1) return { route: 'list', advertiserId: ids[0] as string }
  if (method === 'POST' && ids.length === 2) {
    return { route: 'drop', advertiserId: ids[0] as string, crmDataId: ids[1] as string }
  }
  return { route: 'other' }
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

function resolveSettings(options: SandboxOptions): Settings {
  const accounts = options.accounts ?? [
    { token: `sandbox-${randomBytes(16).toString('hex')}`, advertiserIds: [DEFAULT_ADVERTISER_ID] }
  ]
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

async function route(
  ctx: SandboxContext,
  req: IncomingMessage,
  res: ServerResponse,
  match: RouteMatch,
  url: URL
): Promise<void> {
  let fault: FaultRule | undefined
  if (match.route !== 'other') {
    fault = ctx.faults.take(match.route)
    if (fault && (await applyFault(ctx, fault, match.route, req, res))) return
  }
  switch (match.route) {
    case 'list':
      return handleList(ctx, req, res, match.advertiserId, url.searchParams, fault)
    case 'create':
      return handleCreate(ctx, req, res)
    case 'drop':
      return handleDrop(ctx, req, res, match.advertiserId, match.crmDataId, fault)
    case 'upload':
      return handleUpload(ctx, req, res, match.uploadId)
    case 'other':
      if (url.pathname.startsWith(INSPECT_PREFIX)) return handleInspect(ctx, req, res, url.pathname, url.searchParams)
      if (isConsolePath(url.pathname)) return serveConsole(req, res, url.pathname)
      throw new HttpError(404, `No route for ${req.method} ${url.pathname}`)
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

  const server = createServer((req, res) => {
    const started = performance.now()
    const method = req.method ?? 'GET'
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1')
    } catch {
      url = new URL('http://127.0.0.1/')
    }
    const match = matchRoute(method, url.pathname)
    const record: RequestRecord = {
      method,
      route: match.route,
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
      log?.(`${method} ${match.route} ${record.status || 'reset'} ${Math.round(performance.now() - started)}ms`)
    })
    route(ctx, req, res, match, url).catch(async (error: unknown) => {
      if (res.headersSent || res.destroyed) return
      await drain(req)
      if (error instanceof HttpError) sendMessage(res, error.status, error.message)
      else sendMessage(res, 500, 'Sandbox internal error')
    })
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
    seedSegment: (advertiserId: string, segmentName: string, region: Region) => {
      if (!REGIONS.includes(region)) throw new TypeError(`Region must be one of ${REGIONS.join(', ')}`)
      return segmentView(store.createSegment(advertiserId, segmentName, region))
    },
    setFaults: (rules) => faults.set(rules),
    clearFaults: () => faults.clear(),
    close
  }
}
