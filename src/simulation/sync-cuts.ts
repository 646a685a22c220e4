import type { SegmentEvent } from '@segment/actions-core'
import { AUDIENCE_KEY, emailOf, engageEvent } from '../testing/audience-fixtures'

/** One batch of a sync, by how many events it holds and how many distinct people they name. */
export interface BatchCut {
  events: number
  /**
   * Distinct valid identifiers among the events. The other events thin the batch: alternately an address the
   * destination refuses and a repeat, in upper case, of an address of the same batch.
   */
  distinct: number
  /** Of the distinct identifiers, how many were already sent in an earlier batch of the sync. Default 0. */
  repeats?: number
}

export interface CutSync {
  /** Every event of the sync, batch after batch: all `Audience Entered`. */
  events: SegmentEvent[]
  /** The size of each batch, in order: what `World.sync` cuts `events` into. */
  batchSizes: number[]
  /** The distinct valid addresses of the sync: its members. */
  memberEmails: string[]
}

/**
 * A full sync of `Audience Entered` events cut into batches as `cuts` says, every count exact: e.g. 1,500 + 1,500 +
 * 755 events thinned to 1,468, 1,459 and 736 distinct, with 45 and 22 repeats of earlier batches, is 3,596 members.
 * `tag` keeps the addresses of different audiences apart; `key` is the audience key (the segment's name).
 */
export function cutSync(cuts: BatchCut[], options: { tag?: string; key?: string } = {}): CutSync {
  const tag = options.tag ?? 'sim'
  const key = options.key ?? AUDIENCE_KEY
  const memberEmails: string[] = []
  const events: SegmentEvent[] = []
  cuts.forEach((cut, b) => {
    const repeats = cut.repeats ?? 0
    const thinning = cut.events - cut.distinct
    if (thinning < 0 || repeats > cut.distinct || repeats > memberEmails.length || cut.distinct < 1) {
      throw new RangeError(
        `Batch ${b + 1}: ${cut.events} events cannot hold ${cut.distinct} distinct identifiers with ${repeats} ` +
          `repeats after ${memberEmails.length} members.`
      )
    }
    const own = memberEmails.slice(0, repeats)
    for (let i = repeats; i < cut.distinct; i++) {
      const email = emailOf(memberEmails.length, tag)
      memberEmails.push(email)
      own.push(email)
    }
    for (const email of own) events.push(engageEvent(email, { key }))
    for (let i = 0; i < thinning; i++) {
      const email = i % 2 === 0 ? `not-an-email-${b}-${i}` : own[i % own.length].toUpperCase()
      events.push(engageEvent(email, { key }))
    }
  })
  return { events, batchSizes: cuts.map((cut) => cut.events), memberEmails }
}
