/**
 * Runs `work` once per key among callers that overlap in time within this process, so concurrent
 * batches that all miss a segment create it once. The entry is dropped when the work settles:
 * this is coordination of in-flight calls, not a cache.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>()

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key)
    if (existing) return existing
    const promise = work().finally(() => this.inFlight.delete(key))
    this.inFlight.set(key, promise)
    return promise
  }
}
