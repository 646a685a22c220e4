import { RetryableError } from '@segment/actions-core'

/**
 * Longest anyone waits on shared work. Every TTD call is bounded on its own, so this only matters if some
 * future path is not: a lookup that never settles must not hold every later batch of its key with it.
 */
export const DEFAULT_FLIGHT_BOUND_MS = 10 * 60_000

/**
 * Runs `work` once per key among callers that overlap in time within this process, so concurrent
 * batches that all miss a segment create it once. This is coordination of in-flight calls, not a cache:
 * the entry is dropped as soon as the work succeeds, fails or outlives the bound, so a later caller never
 * joins a promise that will not settle.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>()

  constructor(private readonly boundMs = DEFAULT_FLIGHT_BOUND_MS) {}

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key)
    if (existing) return existing
    const shared = bounded(startWork(work), this.boundMs)
    this.inFlight.set(key, shared)
    const release = () => {
      // A newer flight may hold the key already; only this one's own entry is removed.
      if (this.inFlight.get(key) === shared) this.inFlight.delete(key)
    }
    shared.then(release, release)
    return shared
  }
}

/** A `work` that throws before returning its promise fails like one that rejects, and is never shared. */
function startWork<T>(work: () => Promise<T>): Promise<T> {
  try {
    return work()
  } catch (error) {
    return Promise.reject(error)
  }
}

function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const outlived = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new RetryableError(
          `Looking up the CRM segment took longer than ${Math.round(ms / 1000)} seconds. Segment will retry.`,
          504
        )
      )
    }, ms)
    // Coordination must never keep a process alive on its own.
    timer.unref()
  })
  // The work may settle after the bound, or never: its outcome then has no one left to hear it.
  promise.catch(() => undefined)
  return Promise.race([promise, outlived]).finally(() => clearTimeout(timer))
}
