import FindMyWay from 'find-my-way'
import { HttpError } from './http-error'

export type HTTPMethod = FindMyWay.HTTPMethod

/** A path's named parts (`:advertiserId`), decoded; never empty. */
export type PathParams = Readonly<Record<string, string>>

export type RouteMatch<Route> =
  { found: true; route: Route; params: PathParams } | { found: false; allowed: HTTPMethod[] }

// Longer than any id or name either server hands out, short enough that matching stays cheap.
const MAX_PARAM_LENGTH = 2048

/**
 * Method-and-path routing on find-my-way, for servers whose routes are whatever they call (`Route`). A miss says
 * which methods the path takes, so a server can answer 405 with Allow, or 404 when there are none.
 */
export class Router<Route> {
  private readonly tree = FindMyWay({ maxParamLength: MAX_PARAM_LENGTH })
  private readonly methods = new Set<HTTPMethod>()
  private readonly patterns: string[] = []

  on(methods: HTTPMethod | HTTPMethod[], pattern: string, route: Route): this {
    const list = Array.isArray(methods) ? methods : [methods]
    // find-my-way keeps a handler and a store per route; the route itself is the store, the handler unused
    this.tree.on(list, pattern, () => undefined, route)
    for (const method of list) this.methods.add(method)
    if (!this.patterns.includes(pattern)) this.patterns.push(pattern)
    return this
  }

  /** The route for a method and a pathname (percent-encoded, as in a URL). */
  find(method: string, pathname: string): RouteMatch<Route> {
    const hit = this.lookUp(method, pathname)
    if (hit) return { found: true, ...hit }
    return { found: false, allowed: [...this.methods].filter((other) => this.lookUp(other, pathname)) }
  }

  /** Every pattern, in the order they were added. */
  get paths(): readonly string[] {
    return this.patterns
  }

  private lookUp(method: string, pathname: string): { route: Route; params: PathParams } | undefined {
    if (!this.methods.has(method as HTTPMethod)) return undefined
    const hit = this.tree.find(method as HTTPMethod, pathname)
    if (!hit) return undefined
    const params = hit.params as Record<string, string>
    // find-my-way matches `/segment/` to `/segment/:id` with an empty id: no route takes one
    if (Object.values(params).some((value) => value === '')) return undefined
    return { route: hit.store as Route, params }
  }
}

/** 405 for a path that takes other methods, naming them in Allow. */
export function methodNotAllowed(pathname: string, allowed: readonly string[]): HttpError {
  return new HttpError(405, `${pathname} accepts ${allowed.join(', ')} only.`, { Allow: allowed.join(', ') })
}
