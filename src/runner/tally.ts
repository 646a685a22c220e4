import type { SegmentEvent } from '@segment/actions-core'
import type { MergeMode } from '../destinations/the-trade-desk-crm/constants'
import type { Outcome } from './outcomes'

export interface LeftOutCounts {
  /** The event's email or phone number could not be normalized: reported, not fatal. */
  invalid: number
  /** Same identifier as an earlier event of the same batch (uploaded once). */
  duplicate: number
  /** The person left the audience (Audience Exited, or the audience flag false). */
  exited: number
  /** Not an event the action subscribes to (not Audience Entered/Exited). */
  notSubscribed: number
  /** Its upload group held fewer distinct people than TTD accepts. */
  belowMinimum: number
  /** TTD refused the group, the batch failed, or anything else went wrong. */
  failed: number
  /** Input lines that were not a JSON object or a readable CSV row. */
  unreadable: number
}

export interface SegmentSummary {
  name: string
  crmDataId: string
  /** True when this sync created the segment, false when it reused an existing one. */
  created: boolean
}

export interface BatchSummary {
  batch: number
  events: number
  mergeModes: MergeMode[]
  uploaded: number
  error?: string
}

export interface SyncSummary {
  /** False when a batch failed, or an event failed for a reason other than its own invalid identifier. */
  ok: boolean
  segments: SegmentSummary[]
  /** Segments beyond the ones listed (only when a file feeds many audiences). */
  moreSegments: number
  batches: BatchSummary[]
  events: number
  /** Identifiers uploaded, each distinct within its batch (a person in two batches counts twice). */
  uploaded: number
  leftOut: LeftOutCounts
  /** Why events failed, most frequent first, without PII or tokens. */
  failures: { message: string; count: number }[]
  unreadableLineNumbers: number[]
  /** Set when a batch failed and the sync stopped there; the input after it was not sent. */
  stoppedAtBatch?: number
  elapsedMs: number
}

const MAX_SEGMENTS = 50
const MAX_FAILURE_MESSAGES = 10
const MAX_UNREADABLE_SAMPLES = 5
const MAX_MESSAGE_LENGTH = 500
const OTHER_MESSAGES = '(other failure messages)'

/** Accumulates counts batch by batch; nothing in here grows with the number of events. */
export class SyncTally {
  private readonly leftOut: LeftOutCounts = {
    invalid: 0,
    duplicate: 0,
    exited: 0,
    notSubscribed: 0,
    belowMinimum: 0,
    failed: 0,
    unreadable: 0
  }
  private readonly segments = new Map<string, SegmentSummary>()
  private moreSegments = new Set<string>()
  private readonly batches: BatchSummary[] = []
  private readonly failures = new Map<string, number>()
  private readonly unreadableLineNumbers: number[] = []
  private events = 0
  private uploaded = 0
  private stoppedAtBatch: number | undefined

  constructor(private readonly secrets: string[]) {}

  addUnreadable(count: number, lineNumbers: number[]): void {
    this.leftOut.unreadable += count
    for (const line of lineNumbers) {
      if (this.unreadableLineNumbers.length < MAX_UNREADABLE_SAMPLES) this.unreadableLineNumbers.push(line)
    }
  }

  recordBatch(
    batch: number,
    events: SegmentEvent[],
    outcomes: Outcome[],
    createdIds: Set<string>,
    segmentName: (event: SegmentEvent) => string
  ): BatchSummary & { leftOut: number } {
    const mergeModes: MergeMode[] = []
    let uploaded = 0
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]
      if (outcome.kind === 'uploaded') {
        if (!mergeModes.includes(outcome.mergeMode)) mergeModes.push(outcome.mergeMode)
        this.noteSegment(outcome.crmDataId, createdIds.has(outcome.crmDataId), () => segmentName(events[i]))
        if (outcome.duplicate) this.leftOut.duplicate++
        else uploaded++
        continue
      }
      this.countLeftOut(outcome)
    }
    this.events += events.length
    this.uploaded += uploaded
    const summary: BatchSummary = { batch, events: events.length, mergeModes, uploaded }
    this.batches.push(summary)
    return { ...summary, leftOut: events.length - uploaded }
  }

  /** Every event of a batch that threw failed with it; returns the message as the summary keeps it. */
  batchFailed(batch: number, events: number, error: unknown): string {
    const message = this.clean(error instanceof Error ? error.message : String(error))
    this.events += events
    this.leftOut.failed += events
    this.noteFailure(message, events)
    this.batches.push({ batch, events, mergeModes: [], uploaded: 0, error: message })
    this.stoppedAtBatch = batch
    return message
  }

  summary(elapsedMs: number): SyncSummary {
    const { belowMinimum, failed, unreadable } = this.leftOut
    return {
      ok: this.stoppedAtBatch === undefined && belowMinimum + failed + unreadable === 0,
      segments: [...this.segments.values()],
      moreSegments: this.moreSegments.size,
      batches: this.batches,
      events: this.events,
      uploaded: this.uploaded,
      leftOut: { ...this.leftOut },
      failures: [...this.failures]
        .map(([message, count]) => ({ message, count }))
        .sort((a, b) => b.count - a.count || a.message.localeCompare(b.message)),
      unreadableLineNumbers: [...this.unreadableLineNumbers],
      ...(this.stoppedAtBatch === undefined ? {} : { stoppedAtBatch: this.stoppedAtBatch }),
      elapsedMs
    }
  }

  private countLeftOut(outcome: Exclude<Outcome, { kind: 'uploaded' }>): void {
    switch (outcome.kind) {
      case 'invalid':
        this.leftOut.invalid++
        return
      case 'exited':
        this.leftOut.exited++
        return
      case 'not-subscribed':
        this.leftOut.notSubscribed++
        return
      case 'below-minimum':
        this.leftOut.belowMinimum++
        this.noteFailure(this.clean(outcome.message), 1)
        return
      case 'failed':
        this.leftOut.failed++
        this.noteFailure(this.clean(outcome.message), 1)
    }
  }

  private noteSegment(crmDataId: string, created: boolean, name: () => string): void {
    const known = this.segments.get(crmDataId)
    if (known) {
      known.created ||= created
      return
    }
    if (this.segments.size < MAX_SEGMENTS) this.segments.set(crmDataId, { name: name(), crmDataId, created })
    else if (this.moreSegments.size < 10_000) this.moreSegments.add(crmDataId)
  }

  private noteFailure(message: string, count: number): void {
    const key = this.failures.has(message) || this.failures.size < MAX_FAILURE_MESSAGES ? message : OTHER_MESSAGES
    this.failures.set(key, (this.failures.get(key) ?? 0) + count)
  }

  /** Messages come from the destination and TTD, which never echo PII; the token is scrubbed regardless. */
  private clean(message: string): string {
    let text = message
    for (const secret of this.secrets) text = text.split(secret).join('[redacted]')
    return text.length > MAX_MESSAGE_LENGTH ? text.slice(0, MAX_MESSAGE_LENGTH) + '…' : text
  }
}
