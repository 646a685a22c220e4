import type { StateContext } from '@segment/actions-core'

export interface StateTtl {
  hour?: number
  minute?: number
  second?: number
}

/** How an invocation ended: it returned a response (multistatus errors included), or it threw. */
export type InvocationOutcome = 'returned' | 'threw'

export interface StateContextStoreOptions {
  /** The clock of the TTLs; injectable so tests move time instead of waiting. */
  now?: () => number
  /**
   * What becomes of the writes of an invocation that throws. Segment's runtime sends no normal response then, so
   * the safe assumption, and the default, is `lost`; `kept` models a runtime that saves them anyway.
   */
  thrownWrites?: 'lost' | 'kept'
}

/** One invocation of the destination: the `stateContext` it is handed, and how the runtime ends it. */
export interface StateInvocation {
  readonly context: StateContext
  /** What came with the request: the values `context` reads, for a runtime that sends them elsewhere. */
  readonly request: ReadonlyMap<string, string>
  /** Ends the invocation; its writes reach the store now, unless it threw and the store loses such writes. */
  settle(outcome: InvocationOutcome): void
}

/** A mistake in driving the store (not in the destination): carries what went wrong as `code`. */
export class StateContextStoreError extends Error {
  override name = 'StateContextStoreError'
  constructor(
    readonly code: 'ALREADY_SETTLED' | 'VALUE_NOT_TEXT',
    message: string
  ) {
    super(message)
  }
}

interface Entry {
  value: string
  expiresAt: number
}

interface PendingWrite {
  value: string
  ttlMs: number
}

/**
 * The store behind the `stateContext` Segment's runtime hands to one destination instance, with the runtime's
 * contract (request in, response out) and nothing stronger:
 * - an invocation reads a snapshot of the store taken when it begins: it never reads its own writes, nor those of
 *   an invocation still in flight;
 * - its writes reach the store when it settles, so only invocations that begin after that see them; when two
 *   invocations write one key, the one that settles last wins;
 * - an invocation that throws loses its writes unless the store was built with `thrownWrites: 'kept'`;
 * - a value lives its TTL from the moment its invocation settled, on the injectable clock; a TTL of zero removes
 *   the key (the runtime has no delete).
 * A value read from the snapshot stays readable for the whole invocation: it came with the request.
 */
export class StateContextStore {
  private readonly entries = new Map<string, Entry>()
  private readonly now: () => number
  private readonly keepThrownWrites: boolean

  constructor(options: StateContextStoreOptions = {}) {
    this.now = options.now ?? Date.now
    this.keepThrownWrites = options.thrownWrites === 'kept'
  }

  /** Starts an invocation: its context reads what the store holds now. */
  begin(): StateInvocation {
    const snapshot = this.live()
    const writes = new Map<string, PendingWrite>()
    let settled = false
    const context: StateContext = {
      getRequestContext(key: string, cb?: (res?: string) => unknown): string | undefined {
        const value = snapshot.get(key)
        // The runtime's signature also accepts a callback; answering both ways keeps either caller style working.
        cb?.(value)
        return value
      },
      setResponseContext(key: string, value: string, ttl: StateTtl): void {
        if (typeof value !== 'string') {
          throw new StateContextStoreError(
            'VALUE_NOT_TEXT',
            `stateContext values are strings; "${key}" got ${typeof value}.`
          )
        }
        // A write after the response went out reaches nobody, as in the runtime.
        if (settled) return
        writes.set(key, { value, ttlMs: ttlToMs(ttl) })
      }
    }
    return {
      context,
      request: snapshot,
      settle: (outcome) => {
        if (settled) throw new StateContextStoreError('ALREADY_SETTLED', 'This invocation has already settled.')
        settled = true
        if (outcome === 'threw' && !this.keepThrownWrites) return
        this.apply(writes)
      }
    }
  }

  /** Runs `fn` as one invocation and settles it by how `fn` ended. */
  async run<T>(fn: (context: StateContext) => Promise<T> | T): Promise<T> {
    const invocation = this.begin()
    let result: T
    try {
      result = await fn(invocation.context)
    } catch (error) {
      invocation.settle('threw')
      throw error
    }
    invocation.settle('returned')
    return result
  }

  /** How many live entries there are: lets tests check what a sync remembered without reading values. */
  get size(): number {
    return this.live().size
  }

  private apply(writes: Map<string, PendingWrite>): void {
    const now = this.now()
    this.dropExpired(now)
    for (const [key, { value, ttlMs }] of writes) {
      if (ttlMs <= 0) this.entries.delete(key)
      else this.entries.set(key, { value, expiresAt: now + ttlMs })
    }
  }

  /** The live values, dropping expired entries so that a long-running process never accumulates them. */
  private live(): Map<string, string> {
    const now = this.now()
    this.dropExpired(now)
    const values = new Map<string, string>()
    for (const [key, entry] of this.entries) values.set(key, entry.value)
    return values
  }

  private dropExpired(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key)
  }
}

export function ttlToMs(ttl: StateTtl): number {
  const part = (n: number | undefined) => (typeof n === 'number' && Number.isFinite(n) ? n : 0)
  return ((part(ttl.hour) * 60 + part(ttl.minute)) * 60 + part(ttl.second)) * 1000
}
