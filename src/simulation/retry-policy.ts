import { seededRandom } from '../testing/engage-events'

/**
 * Segment's retries between its pipeline and a destination, as its docs state them: failed events are retried with a
 * randomized exponential backoff for four hours after their first attempt. Segment publishes neither the first wait
 * nor the growth factor nor the randomization: they are parameters, swept by the tests.
 */
export interface RetryPolicy {
  /** The wait after a first failed attempt, in ms. */
  firstWaitMs: number
  /** How much each wait grows over the one before. */
  factor: number
  /** Each wait is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number
  /** Seeds the random factors, so that a run is reproducible. */
  seed?: number
}

/** No attempt is made later than this after an event's first attempt: its last answer is final. */
export const RETRY_WINDOW_MS = 4 * 3_600_000

/**
 * The waits of one batch's retries: wait n (after the n-th failed attempt) is firstWaitMs * factor^(n-1), times a
 * random factor. Each batch draws from its own seeded sequence, so concurrent batches finishing in any order get the
 * same waits from one run to the next.
 */
export class Backoff {
  private readonly random: () => number

  constructor(
    private readonly policy: RetryPolicy,
    stream: number
  ) {
    // Distinct, fixed streams per batch: the policy's seed mixed with the batch's number.
    this.random = seededRandom(((policy.seed ?? 1) * 0x9e3779b1 + stream * 0x85ebca6b) >>> 0)
  }

  /** The wait after failed attempt `attempt` (1 for the first). */
  waitAfter(attempt: number): number {
    const { firstWaitMs, factor, jitter } = this.policy
    const spread = 1 + jitter * (2 * this.random() - 1)
    return firstWaitMs * factor ** (attempt - 1) * spread
  }
}

/** Checks a policy before a run: a mistake here would make a sweep prove nothing. */
export function assertRetryPolicy(policy: RetryPolicy): void {
  const problems: string[] = []
  if (!(policy.firstWaitMs > 0)) problems.push('firstWaitMs must be above 0')
  if (!(policy.factor >= 1)) problems.push('factor must be at least 1')
  if (!(policy.jitter >= 0 && policy.jitter < 1)) problems.push('jitter must be in [0, 1)')
  if (problems.length > 0) throw new RangeError(`Invalid retry policy: ${problems.join('; ')}.`)
}
