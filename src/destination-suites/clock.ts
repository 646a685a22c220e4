export const HOUR = 3_600_000

/** A clock the test moves by hand, so claims, windows and TTLs expire without waiting. */
export function clock() {
  const c = { now: Date.parse('2026-11-28T00:00:00Z'), advance: (ms: number) => (c.now += ms) }
  return c
}
