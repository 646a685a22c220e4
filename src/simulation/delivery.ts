import { segmentRetries } from '../destinations/the-trade-desk-crm/errors'
import { Backoff, RETRY_WINDOW_MS, assertRetryPolicy, type RetryPolicy } from './retry-policy'
import type { VirtualClock } from './virtual-clock'

/**
 * How the batches of one sync reach the destination:
 * - `sequential`: one invocation at a time; batch k+1's first attempt comes `gapMs` after batch k's;
 * - `parallel`: every batch's first attempt at the start, and attempts due at the same time run concurrently.
 * Either way, retries run at their due times, interleaved with later batches.
 */
export type Delivery = 'sequential' | 'parallel'

export interface DeliveryPlan {
  batchSizes: number[]
  delivery: Delivery
  retry: RetryPolicy
  /** Virtual time of the first batch's first attempt. */
  startAt: number
  /** Sequential delivery: virtual ms between one batch's first attempt and the next one's. */
  gapMs: number
  /** Distinguishes the random streams of different syncs of one world. */
  stream?: number
}

/** One invocation: some events of one batch (all of them on the first attempt, the failed ones on a retry). */
export interface Attempt {
  /** 0-based. */
  batch: number
  /** 1 for the batch's first attempt. */
  attempt: number
  /** Indices into the sync's events. */
  events: number[]
  at: number
}

/** How the destination answered one event of an attempt. */
export interface EventAnswer {
  status: number
  /** `body.code` of its multistatus entry, when any. */
  code?: string
  message?: string
  /** The invocation threw: the answer is the error's, for every event of the attempt. */
  thrown: boolean
}

/** Where one event ended: its last answer, and how it got there. */
export interface DeliveredEvent extends EventAnswer {
  batch: number
  attempts: number
  firstAt: number
  lastAt: number
  /** Its last answer was retryable, but the next attempt would have come more than four hours after its first. */
  retriesExhausted: boolean
}

/** What `send` reports of one attempt: an answer per event, and where it ran. */
export interface SentAttempt {
  answers: EventAnswer[]
  machine?: number
}

export interface AttemptRecord extends Omit<Attempt, 'events'> {
  events: number
  outcome: 'returned' | 'threw'
  /** How many of its events Segment retries. */
  retried: number
  /** Which machine ran it, when `send` says. */
  machine?: number
}

export interface DeliveryResult {
  events: DeliveredEvent[]
  attempts: AttemptRecord[]
}

interface Pending extends Attempt {
  /** When the batch's first attempt was due: retries stop four hours after it. */
  firstAt: number
  order: number
}

/**
 * Delivers one sync as Segment's pipeline would, on the virtual clock: `send` runs one attempt and answers each of
 * its events; events answered with a retryable status are sent again after the backoff, unless that falls more than
 * four hours after their first attempt, in which case their last answer is final.
 */
export async function deliver(
  plan: DeliveryPlan,
  clock: VirtualClock,
  send: (attempt: Attempt) => Promise<SentAttempt>
): Promise<DeliveryResult> {
  assertRetryPolicy(plan.retry)
  const backoffs = plan.batchSizes.map((_, b) => new Backoff(plan.retry, (plan.stream ?? 0) * 1_000 + b))
  // One record per event, updated in place after each attempt: a sweep makes hundreds of thousands of answers.
  const events: DeliveredEvent[] = []
  const attempts: AttemptRecord[] = []
  let order = 0
  let queue: Pending[] = []
  plan.batchSizes.forEach((size, batch) => {
    const indices: number[] = []
    for (let i = 0; i < size; i++) {
      indices.push(events.length)
      events.push({
        batch,
        attempts: 0,
        firstAt: 0,
        lastAt: 0,
        status: 0,
        code: undefined,
        message: undefined,
        thrown: false,
        retriesExhausted: false
      })
    }
    const at = plan.startAt + (plan.delivery === 'sequential' ? batch * plan.gapMs : 0)
    queue.push({ batch, attempt: 1, events: indices, at, firstAt: at, order: order++ })
  })

  while (queue.length > 0) {
    const at = Math.min(...queue.map((pending) => pending.at))
    clock.advanceTo(at)
    const due = queue.filter((pending) => pending.at === at).sort((a, b) => a.order - b.order)
    queue = queue.filter((pending) => pending.at !== at)

    const sent: SentAttempt[] = []
    if (plan.delivery === 'sequential') {
      for (const pending of due) sent.push(await sendChecked(send, pending))
    } else {
      sent.push(...(await Promise.all(due.map((pending) => sendChecked(send, pending)))))
    }

    due.forEach((pending, d) => {
      const { firstAt } = pending
      const retry: number[] = []
      pending.events.forEach((index, i) => {
        const answer = sent[d].answers[i]
        const event = events[index]
        event.attempts = pending.attempt
        event.firstAt = firstAt
        event.lastAt = at
        event.status = answer.status
        event.code = answer.code
        event.message = answer.message
        event.thrown = answer.thrown
        if (segmentRetries(answer.status)) retry.push(index)
      })
      const next = Math.round(at + backoffs[pending.batch].waitAfter(pending.attempt))
      const retried = retry.length > 0 && next <= firstAt + RETRY_WINDOW_MS
      if (retried)
        queue.push({
          batch: pending.batch,
          attempt: pending.attempt + 1,
          events: retry,
          at: next,
          firstAt,
          order: order++
        })
      else for (const index of retry) events[index].retriesExhausted = true
      attempts.push({
        batch: pending.batch,
        attempt: pending.attempt,
        at,
        events: pending.events.length,
        outcome: sent[d].answers.some((answer) => answer.thrown) ? 'threw' : 'returned',
        retried: retried ? retry.length : 0,
        machine: sent[d].machine
      })
    })
  }
  return { events, attempts }
}

async function sendChecked(send: (attempt: Attempt) => Promise<SentAttempt>, pending: Pending): Promise<SentAttempt> {
  const { batch, attempt, events, at } = pending
  const sent = await send({ batch, attempt, events, at })
  if (sent.answers.length !== events.length) {
    throw new Error(
      `Attempt ${attempt} of batch ${batch + 1} answered ${sent.answers.length} events of ${events.length}.`
    )
  }
  return sent
}
