import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Destination, type DestinationDefinition, type JSONObject, type StateContext } from '@segment/actions-core'
import { MemoryStateContext } from '../runner/memory-state-context'
import { actionRoute, authenticationRoute, type RouteContext } from './routes'
import { HttpError, sendError, sendJson } from './http-json'

export interface LocalServerOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: DestinationDefinition<any>
  /** Shared by every request, like Segment's runtime: consecutive batches of a sync replace once, then add. */
  stateContext?: StateContext
  /** One line per request: method, path, status, duration. Never bodies: they hold tokens and PII. */
  log?: (line: string) => void
}

type Route = { method: 'GET' | 'POST'; handle: (req: IncomingMessage) => Promise<{ status: number; body: unknown }> }

const AUDIENCE_ROUTES = ['/createAudience', '/getAudience']

/**
 * The routes of Segment's `serve` command for one destination, on node:http: `GET /` describes the
 * definition, `POST /authentication` runs testAuthentication, `POST /<action>` runs perform (one event) or
 * performBatch (an array). Answers are JSON, errors `{ ok: false, error, code? }` with their status.
 */
export function createLocalServer(options: LocalServerOptions): Server {
  const destination = new Destination<JSONObject>(options.definition)
  const context: RouteContext = {
    destination,
    stateContext: options.stateContext ?? new MemoryStateContext()
  }
  // JSON drops the functions (perform, testAuthentication, ...), leaving what a client needs to build requests.
  const definitionJson: unknown = JSON.parse(JSON.stringify(options.definition))

  const routes = new Map<string, Route>([
    ['/', { method: 'GET', handle: async () => ({ status: 200, body: definitionJson }) }],
    ['/authentication', { method: 'POST', handle: (req) => authenticationRoute(context, req) }]
  ])
  for (const slug of Object.keys(options.definition.actions)) {
    routes.set(`/${slug}`, { method: 'POST', handle: (req) => actionRoute(context, slug, req) })
  }

  return createServer((req, res) => {
    const started = performance.now()
    const method = req.method ?? 'GET'
    const path = pathOf(req.url)
    res.on('finish', () => {
      options.log?.(`${method} ${path.slice(0, 200)} ${res.statusCode} ${Math.round(performance.now() - started)}ms`)
    })
    dispatch(routes, options.definition.name, method, path, req, res).catch((error: unknown) => answerError(res, error))
  })
}

async function dispatch(
  routes: Map<string, Route>,
  destinationName: string,
  method: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const route = routes.get(path)
  if (!route) {
    req.resume()
    if (AUDIENCE_ROUTES.includes(path)) {
      throw new HttpError(
        404,
        `${destinationName} has no audience methods (no audienceConfig with createAudience/getAudience): ` +
          'its segments are found or created by name while syncAudience runs.'
      )
    }
    throw new HttpError(404, `No route ${path}. Routes: ${[...routes.keys()].join(', ')}.`)
  }
  if (method !== route.method) {
    req.resume()
    throw new HttpError(405, `${path} accepts ${route.method} only.`, { Allow: route.method })
  }
  const { status, body } = await route.handle(req)
  sendJson(res, status, body)
}

function answerError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (error instanceof HttpError) return sendError(res, error.status, error.message, {}, error.headers)
  const { status, message, code } = describeError(error)
  sendError(res, status, message, code ? { code } : {})
}

/** The status an action error carries (IntegrationError, RetryableError, schema errors), else 500. */
export function describeError(error: unknown): { status: number; message: string; code?: string } {
  const e = (error ?? {}) as { status?: unknown; name?: unknown; message?: unknown; code?: unknown }
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'Internal error'
  const code = typeof e.code === 'string' ? e.code : undefined
  if (typeof e.status === 'number' && e.status >= 400 && e.status <= 599) return { status: e.status, message, code }
  if (e.name === 'AggregateAjvError' || e.name === 'ValidationError') return { status: 400, message, code }
  return { status: 500, message, code }
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname
  } catch {
    return '/'
  }
}
