import type { IncomingMessage, ServerResponse } from 'node:http'
import type { PathParams } from '../http/router'
import type { FaultBook } from './faults'
import type { SandboxStore } from './store'
import type { FaultRule, SandboxRoute } from './types'

/** What the route handlers of one running sandbox share. */
export interface SandboxContext {
  readonly store: SandboxStore
  readonly faults: FaultBook
  /** http://127.0.0.1:PORT, known once the server listens. */
  readonly origin: string
  readonly minDistinct: number
  now(): number
  /** A delay that close() cancels, so a pending latency fault cannot keep the process alive. */
  sleep(ms: number): Promise<void>
}

/** One request as a route handler sees it. */
export interface SandboxCall {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** The path's named parts, decoded. */
  readonly params: PathParams
  readonly url: URL
  /** The fault rule the request took, on TTD's routes, when its effect is the handler's to play. */
  readonly fault?: FaultRule
}

/** A sandbox route: TTD's four (which faults and request records name) or one of the sandbox's own pages. */
export interface Endpoint {
  readonly route: SandboxRoute | 'other'
  handle(call: SandboxCall): Promise<void> | void
}
