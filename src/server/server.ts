import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Destination, type DestinationDefinition, type JSONObject, type StateContext } from '@segment/actions-core'
import { MemoryStateContext } from '../local-runtime/memory-state-context'
import { describeError } from './errors'
import { HttpError, sendError, sendJson } from './http-json'
import {
  actionRoute,
  authenticateRoute,
  authenticationRoute,
  audienceRoute,
  dynamicFieldRoute,
  hookRoute,
  type RouteContext
} from './routes'

export { describeError }

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
const HOOK_TYPES = ['onMappingSave', 'retlOnMappingSave'] as const

/**
 * The routes of Segment's `serve` command for one destination, on node:http: `GET /manifest` describes the
 * definition, `POST /authenticate` runs testAuthentication, `POST /createAudience` and `/getAudience` the
 * audience methods, `POST /<action>` runs perform (one event) or performBatch (an array), `POST
 * /<action>/<field>` a field's picker and `POST /<action>/hooks/<hook>` a hook (ours: Segment's CLI has none).
 * `GET /` and `POST /authentication` stay as the earlier names. Answers are JSON, errors `{ ok: false, error,
 * code? }`.
 */
export function createLocalServer(options: LocalServerOptions): Server {
  const destination = new Destination<JSONObject>(options.definition)
  const context: RouteContext = {
    destination,
    stateContext: options.stateContext ?? new MemoryStateContext()
  }
  // JSON drops the functions (perform, testAuthentication, ...), leaving what a client needs to build requests.
  const definitionJson: unknown = JSON.parse(JSON.stringify(options.definition))

  const routes = routeTable(options.definition, context, definitionJson)
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function routeTable(definition: DestinationDefinition<any>, context: RouteContext, definitionJson: unknown) {
  const manifest: Route = { method: 'GET', handle: async () => ({ status: 200, body: definitionJson }) }
  const routes = new Map<string, Route>([
    ['/manifest', manifest],
    ['/', manifest],
    ['/authenticate', { method: 'POST', handle: (req) => authenticateRoute(context, req) }],
    ['/authentication', { method: 'POST', handle: (req) => authenticationRoute(context, req) }]
  ])
  const audienceConfig = (definition as { audienceConfig?: Record<string, unknown> }).audienceConfig
  if (typeof audienceConfig?.createAudience === 'function' && typeof audienceConfig?.getAudience === 'function') {
    for (const method of ['createAudience', 'getAudience'] as const) {
      routes.set(`/${method}`, { method: 'POST', handle: (req) => audienceRoute(context, method, req) })
    }
  }
  for (const [slug, action] of Object.entries(definition.actions)) {
    routes.set(`/${slug}`, { method: 'POST', handle: (req) => actionRoute(context, slug, req) })
    for (const field of Object.keys(action.dynamicFields ?? {})) {
      routes.set(`/${slug}/${field}`, { method: 'POST', handle: (req) => dynamicFieldRoute(context, slug, field, req) })
    }
    for (const hookType of HOOK_TYPES) {
      if (!action.hooks?.[hookType]) continue
      routes.set(`/${slug}/hooks/${hookType}`, {
        method: 'POST',
        handle: (req) => hookRoute(context, slug, hookType, req)
      })
    }
  }
  return routes
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

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname
  } catch {
    return '/'
  }
}
