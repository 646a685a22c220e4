/**
 * Polls `check` until it returns something other than undefined, and returns that. Fails after `timeoutMs`
 * with `what` and, when given, what `describe` says of the current state, so a test never waits unbounded.
 */
export async function waitUntil<T>(
  what: string,
  check: () => T | undefined,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {}
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000)
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() >= deadline) {
      const state = options.describe ? `\n${options.describe()}` : ''
      throw new Error(`Waited ${options.timeoutMs ?? 15_000} ms for ${what}.${state}`)
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20))
  }
}
