/** Segment's retry policy and the two deliveries, with a stand-in for the destination that answers as told. */
import { deliver, type Attempt, type DeliveryPlan, type EventAnswer, type SentAttempt } from '../delivery'
import { segmentRetries } from '../../destinations/the-trade-desk-crm/errors'
import { assertRetryPolicy, RETRY_WINDOW_MS, type RetryPolicy } from '../retry-policy'
import { VirtualClock } from '../virtual-clock'

const START = Date.parse('2026-11-28T00:00:00Z')
const MINUTE = 60_000
const NO_JITTER: RetryPolicy = { firstWaitMs: 15 * MINUTE, factor: 2, jitter: 0 }

const answer = (status: number, thrown = false): EventAnswer => ({ status, thrown, message: `answered ${status}` })

function plan(batchSizes: number[], overrides: Partial<DeliveryPlan> = {}): DeliveryPlan {
  return { batchSizes, delivery: 'sequential', retry: NO_JITTER, startAt: START, gapMs: MINUTE, ...overrides }
}

/** A destination that answers every event of every attempt by `status(event index, attempt)`, and records the calls. */
function destination(status: (event: number, attempt: Attempt) => number, clock?: VirtualClock) {
  const calls: (Attempt & { clockAt?: number })[] = []
  let inFlight = 0
  let mostInFlight = 0
  const send = async (attempt: Attempt): Promise<SentAttempt> => {
    calls.push({ ...attempt, clockAt: clock?.now() })
    inFlight++
    mostInFlight = Math.max(mostInFlight, inFlight)
    // Yield, so that attempts sent together are in flight together.
    await new Promise((resolve) => setImmediate(resolve))
    inFlight--
    return { answers: attempt.events.map((event) => answer(status(event, attempt))) }
  }
  return { send, calls, mostInFlight: () => mostInFlight }
}

const minutesAfterStart = (calls: Attempt[]) => calls.map((call) => (call.at - START) / MINUTE)

describe('which answers Segment retries', () => {
  it.each([500, 502, 503, 504, 599, 408, 410, 429, 460])('retries %s', (status) => {
    expect(segmentRetries(status)).toBe(true)
  })

  it.each([200, 207, 400, 401, 403, 404, 409, 422, 499, 501, 505])('does not retry %s', (status) => {
    expect(segmentRetries(status)).toBe(false)
  })
})

describe('deliver: only failed events are retried', () => {
  it('sends again only the events whose answer was retryable, and keeps each event’s last answer', async () => {
    const first = [200, 400, 500, 501, 505, 408, 429, 460]
    const ttd = destination((event, attempt) => (attempt.attempt === 1 ? first[event] : 200))

    const result = await deliver(plan([8]), new VirtualClock(START), ttd.send)

    expect(ttd.calls.map((call) => call.events)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [2, 5, 6, 7]
    ])
    expect(result.events.map((event) => [event.status, event.attempts])).toEqual([
      [200, 1],
      [400, 1],
      [200, 2],
      [501, 1],
      [505, 1],
      [200, 2],
      [200, 2],
      [200, 2]
    ])
    expect(result.attempts.map((attempt) => attempt.retried)).toEqual([4, 0])
  })

  it('retries a whole batch whose invocation threw a retryable error, and stops at a thrown permanent one', async () => {
    let attempts = 0
    const send = async (attempt: Attempt): Promise<SentAttempt> => {
      attempts++
      const status = attempts === 1 ? 503 : 400
      return { answers: attempt.events.map(() => answer(status, true)) }
    }

    const result = await deliver(plan([3]), new VirtualClock(START), send)

    expect(attempts).toBe(2)
    expect(result.events.map((event) => [event.status, event.thrown, event.attempts])).toEqual([
      [400, true, 2],
      [400, true, 2],
      [400, true, 2]
    ])
    expect(result.attempts.map((attempt) => attempt.outcome)).toEqual(['threw', 'threw'])
  })

  it('fails the run when the destination answers a different number of events than it was sent', async () => {
    const send = async (): Promise<SentAttempt> => ({ answers: [answer(200)] })
    await expect(deliver(plan([2]), new VirtualClock(START), send)).rejects.toThrow(
      'Attempt 1 of batch 1 answered 1 events of 2.'
    )
  })
})

describe('deliver: the backoff and the four hours', () => {
  it('waits first, first x factor, first x factor², ... and makes no attempt more than four hours after the first', async () => {
    const ttd = destination(() => 503)
    const result = await deliver(plan([2]), new VirtualClock(START), ttd.send)

    // 15, 30, 60 and 120 min: attempts at 0, 15, 45, 105 and 225 min; the next would come at 465 min.
    expect(minutesAfterStart(ttd.calls)).toEqual([0, 15, 45, 105, 225])
    expect(result.events.every((event) => event.status === 503 && event.attempts === 5)).toBe(true)
    expect(result.events.every((event) => event.retriesExhausted)).toBe(true)
  })

  it('still makes an attempt exactly four hours after the first, and none after it', async () => {
    const ttd = destination(() => 429)
    await deliver(
      plan([1], { retry: { firstWaitMs: RETRY_WINDOW_MS / 2, factor: 1, jitter: 0 } }),
      new VirtualClock(START),
      ttd.send
    )
    expect(minutesAfterStart(ttd.calls)).toEqual([0, 120, 240])
  })

  it('marks no event exhausted when its last answer was final', async () => {
    const ttd = destination((_event, attempt) => (attempt.attempt < 3 ? 503 : 400))
    const result = await deliver(plan([1]), new VirtualClock(START), ttd.send)
    expect(result.events[0]).toMatchObject({ status: 400, attempts: 3, retriesExhausted: false })
  })

  it('spreads each wait by the jitter, reproducibly from the seed', async () => {
    const retry: RetryPolicy = { firstWaitMs: 10 * MINUTE, factor: 1, jitter: 0.5, seed: 7 }
    const waits = async (policy: RetryPolicy) => {
      const ttd = destination(() => 503)
      await deliver(plan([1], { retry: policy }), new VirtualClock(START), ttd.send)
      const times = minutesAfterStart(ttd.calls)
      return times.slice(1).map((time, i) => time - times[i])
    }

    const first = await waits(retry)
    expect(first.length).toBeGreaterThan(10)
    expect(first.every((wait) => wait >= 5 && wait <= 15)).toBe(true)
    expect(new Set(first.map(Math.round)).size).toBeGreaterThan(3)
    expect(await waits(retry)).toEqual(first)
    expect(await waits({ ...retry, seed: 8 })).not.toEqual(first)
  })

  it('refuses a policy that would prove nothing', () => {
    expect(() => assertRetryPolicy({ firstWaitMs: 0, factor: 0.5, jitter: 1 })).toThrow(
      'Invalid retry policy: firstWaitMs must be above 0; factor must be at least 1; jitter must be in [0, 1).'
    )
  })
})

describe('deliver: sequential and parallel', () => {
  it('sequentially, starts batch k+1 a gap after batch k, runs retries at their due times in between, one at a time', async () => {
    const clock = new VirtualClock(START)
    // Batch 1 fails once; its retry (15 min) falls between batch 2 (1 min) and batch 3 (20 min).
    const ttd = destination((_event, attempt) => (attempt.batch === 0 && attempt.attempt === 1 ? 503 : 200), clock)

    await deliver(plan([2, 2, 2], { gapMs: 10 * MINUTE }), clock, ttd.send)

    expect(ttd.calls.map((call) => [call.batch, call.attempt, (call.at - START) / MINUTE])).toEqual([
      [0, 1, 0],
      [1, 1, 10],
      [0, 2, 15],
      [2, 1, 20]
    ])
    expect(ttd.mostInFlight()).toBe(1)
    expect(ttd.calls.every((call) => call.clockAt === call.at)).toBe(true)
  })

  it('in parallel, sends every batch at the start and runs the attempts due together at once', async () => {
    const clock = new VirtualClock(START)
    const ttd = destination((_event, attempt) => (attempt.attempt === 1 ? 500 : 200), clock)

    const result = await deliver(plan([2, 3, 1], { delivery: 'parallel' }), clock, ttd.send)

    expect(ttd.calls.map((call) => [call.batch, call.attempt, (call.at - START) / MINUTE])).toEqual([
      [0, 1, 0],
      [1, 1, 0],
      [2, 1, 0],
      [0, 2, 15],
      [1, 2, 15],
      [2, 2, 15]
    ])
    expect(ttd.mostInFlight()).toBe(3)
    expect(result.events.map((event) => event.batch)).toEqual([0, 0, 1, 1, 1, 2])
    expect(clock.now()).toBe(START + 15 * MINUTE)
  })

  it('never moves the clock back', () => {
    const clock = new VirtualClock(START)
    clock.advanceTo(START + 1)
    expect(() => clock.advanceTo(START)).toThrow('The virtual clock cannot go back')
  })
})
