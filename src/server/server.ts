import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Destination, type DestinationDefinition, type JSONObject } from '@segment/actions-core'
import { StateContextStore } from '../local-runtime/state-context-store'
import { answerErrors, requestUrl, sendJson } from '../http/answer'
import { readJsonObject } from '../http/body'
import { HttpError } from '../http/http-error'
import { Router, methodNotAllowed } from '../http/router'
import { describeError } from './errors'
import { DestinationRoutes, type RequestBody, type RouteAnswer } from './routes'

export { describeError }

export interface LocalServerOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: DestinationDefinition<any>
  /**
   * The stateContext store of the server's one destination instance, like Segment's runtime: each action request is
   * one invocation, whose writes reach the requests that start after it answered.
   */
  state?: StateContextStore
  /** One line per request: method, path, status, duration. Never bodies: they hold tokens and PII. */
  log?: (line: string) => void
}

/** Large enough for a full 100,000-event batch of Engage events, small enough to refuse a runaway upload. */
const MAX_BODY_BYTES = 128 * 1024 * 1024

/** A route answers from the request's JSON body (GET routes get none). */
type Route = (body: RequestBody) => Promise<RouteAnswer>

const AUDIENCE_METHODS = ['createAudience', 'getAudience'] as const
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
  const routes = new DestinationRoutes(destination, options.state ?? new StateContextStore())
  const router = routeTable(options.definition, routes)
  return createServer((req, res) => {
    const started = performance.now()
    const method = req.method ?? 'GET'
    const path = requestUrl(req).pathname
    res.on('finish', () => {
      options.log?.(`${method} ${path.slice(0, 200)} ${res.statusCode} ${Math.round(performance.now() - started)}ms`)
    })
    answerErrors(req, res, answer(router, options.definition.name, method, path, req, res), (error) =>
      answerError(res, error)
    )
  })
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function routeTable(definition: DestinationDefinition<any>, routes: DestinationRoutes): Router<Route> {
  // JSON drops the functions (perform, testAuthentication, ...), leaving what a client needs to build requests.
  const definitionJson: unknown = JSON.parse(JSON.stringify(definition))
  const manifest: Route = async () => ({ status: 200, body: definitionJson })
  const router = new Router<Route>()
    .on('GET', '/manifest', manifest)
    .on('GET', '/', manifest)
    .on('POST', '/authenticate', (body) => routes.authenticate(body))
    .on('POST', '/authentication', (body) => routes.authentication(body))
  const audienceConfig = (definition as { audienceConfig?: Record<string, unknown> }).audienceConfig
  if (typeof audienceConfig?.createAudience === 'function' && typeof audienceConfig?.getAudience === 'function') {
    for (const method of AUDIENCE_METHODS) router.on('POST', `/${method}`, (body) => routes.audience(method, body))
  }
  for (const [slug, action] of Object.entries(definition.actions)) {
    router.on('POST', `/${slug}`, (body) => routes.action(slug, body))
    for (const field of Object.keys(action.dynamicFields ?? {})) {
      router.on('POST', `/${slug}/${field}`, (body) => routes.dynamicField(slug, field, body))
    }
    for (const hookType of HOOK_TYPES) {
      if (action.hooks?.[hookType])
        router.on('POST', `/${slug}/hooks/${hookType}`, (body) => routes.hook(slug, hookType, body))
    }
  }
  return router
}

async function answer(
  router: Router<Route>,
  destinationName: string,
  method: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse
): Promise<void> {
  const match = router.find(method, path)
  if (!match.found) {
    if (match.allowed.length > 0) throw methodNotAllowed(path, match.allowed)
    if ((AUDIENCE_METHODS as readonly string[]).includes(path.slice(1))) {
      throw new HttpError(
        404,
        `${destinationName} has no audience methods (no audienceConfig with createAudience/getAudience): ` +
          'its segments are found or created by name while syncAudience runs.'
      )
    }
    throw new HttpError(404, `No route ${path}. Routes: ${router.paths.join(', ')}.`)
  }
  const body = method === 'POST' ? await readJsonObject(req, MAX_BODY_BYTES) : {}
  const { status, body: answerBody } = await match.route(body)
  sendJson(res, status, answerBody)
}

function answerError(res: ServerResponse, error: unknown): void {
  if (error instanceof HttpError) return sendJson(res, error.status, { ok: false, error: error.message }, error.headers)
  const { status, message, code } = describeError(error)
  sendJson(res, status, { ok: false, error: message, ...(code ? { code } : {}) })
}
