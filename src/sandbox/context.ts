import type { FaultBook } from './faults'
import type { SandboxStore } from './store'

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
