import type { SegmentEvent } from '@segment/actions-core'
import type { MergeMode } from '../destinations/the-trade-desk-crm/constants'
import type { RefusedEvent, UnreadableCode, UnreadableRecord } from './input'
import { UNREADABLE_REASONS } from './input'
import { RESULT_CODES } from '../destinations/the-trade-desk-crm/syncAudience/result-codes'
import {
  batchErrorMessage,
  count,
  eventFailureMessage,
  formatCount,
  RUNNER_CODES,
  runnerReason,
  type Wording
} from './messages'
import type { Outcome } from './outcomes'

export interface LeftOutCounts {
  /** The event's email or phone number is missing or could not be normalized: reported, not fatal. */
  invalid: number
  /** The person left the audience (Audience Exited, or the audience flag false). */
  exited: number
  /** Not an event the action subscribes to (not Audience Entered/Exited). */
  notSubscribed: number
  /** Its upload group held fewer distinct people than TTD accepts. */
  belowMinimum: number
  /** TTD refused the group, the batch failed, or anything else went wrong. */
  failed: number
}

export interface SegmentSummary {
  name: string
  /** Null only in a dry run, for a segment the sync would create (the copy's id is no id of the target's). */
  crmDataId: string | null
  /** True when this sync created the segment (a dry run: would create it), false when it reused an existing one. */
  created: boolean
  /** The merge modes of this run's uploads to it, in the order first used: Replace then Add, or Add alone. */
  mergeModes: MergeMode[]
  /** People in it before the sync: 0 when the sync created it, null when not known (The Trade Desk's API). */
  sizeBefore?: number | null
  /**
   * People in it after the sync (a dry run: after the sync it describes), read from a sandbox; null when not known
   * (The Trade Desk's API; a dry run adding to a segment whose members it cannot see).
   */
  size?: number | null
  /** Dry run only: the distinct people a sync would send to it, as its copy in the run's own sandbox counted them. */
  wouldSend?: number
}

export interface BatchSummary {
  batch: number
  events: number
  mergeModes: MergeMode[]
  uploaded: number
  /** Events beyond --batch-size folded into this (last) batch so that no batch fell under TTD's minimum. */
  folded?: number
  /**
   * Events held back below TTD's minimum: sent again once the rest of the input went out, and counted there (in the
   * record whose `heldFrom` names this batch).
   */
  held?: number
  /** For the run's last round: the batches whose held events it sends again. */
  heldFrom?: number[]
  error?: string
}

/** A reason, never a value: the destination's reasons name the problem, not the email or phone number. */
export interface ReasonCount {
  reason: string
  count: number
  /** The first few input lines with this reason. */
  lineNumbers: number[]
}

export interface FailureCount extends ReasonCount {
  /** Stable code: the destination's reason code, or the runner's (see messages.ts). */
  code: string
  /** What to do, in the runner's words (options and environment variables). */
  message: string
}

/** Unreadable records of one kind: how many, the lines they span, and where the first few are. */
export interface UnreadableCount {
  code: UnreadableCode
  reason: string
  /** Records (a CSV record held back for a quote left open spans several lines). */
  count: number
  lines: number
  /** First and last line of the first few records. */
  lineRanges: [number, number][]
}

export interface UnreadableSummary {
  /** Records that were not an event. */
  count: number
  /** Input lines they span. */
  lines: number
  /** The line each of the first few starts on. */
  lineNumbers: number[]
  byReason: UnreadableCount[]
}

export type SyncResult =
  'ok' | 'failed' | 'nothing-uploaded' | 'no-audience-events' | 'unreadable-lines' | 'interrupted'

/** Told of every line left out for a fault (never exited people or other event types), for --rejects. */
export type RejectListener = (line: number, code: string, reason: string) => void

export interface SyncSummary {
  result: SyncResult
  /** True only when result is "ok". */
  ok: boolean
  /** A plain sentence when the result is not "ok". */
  explanation?: string
  segments: SegmentSummary[]
  /** Segments beyond the ones listed (only when a file feeds many audiences). */
  moreSegments: number
  batches: BatchSummary[]
  /** Input records read: events plus unreadable records. */
  records: number
  /** Events read: uploaded + duplicates + the sum of leftOut, always. */
  events: number
  /** Identifiers uploaded, each distinct within its batch (a person in two batches counts twice). */
  uploaded: number
  /** Events repeating an identifier uploaded in the same batch: sent once, not left out. */
  duplicates: number
  leftOut: LeftOutCounts
  /** Why identifiers were invalid, most frequent first. */
  invalidReasons: ReasonCount[]
  /** Why events failed, most frequent first, without PII or tokens. */
  failures: FailureCount[]
  /** Records that were not an event (not JSON, not a readable CSV row, longer than the line limit, held back). */
  unreadable: UnreadableSummary
  /** Set when a batch failed and the sync stopped there; the input after it was not read. */
  stoppedAtBatch?: number
  /** True when a Replace emptied a segment in this run: if the run stopped early, it holds part of the audience. */
  replaced: boolean
  elapsedMs: number
}

const MAX_SEGMENTS = 50
const MAX_REASONS = 10
const SAMPLE_LINES = 5
const MAX_MESSAGE_LENGTH = 500
const OTHER_REASONS = '(other reasons)'

/** Accumulates counts batch by batch; nothing in here grows with the number of events. */
export class SyncTally {
  private readonly leftOut: LeftOutCounts = { invalid: 0, exited: 0, notSubscribed: 0, belowMinimum: 0, failed: 0 }
  private readonly segments = new Map<string, SegmentSummary>()
  private moreSegments = new Set<string>()
  private readonly batches: BatchSummary[] = []
  private readonly invalidReasons = new Map<string, ReasonCount>()
  private readonly failures = new Map<string, FailureCount>()
  private readonly unreadable = { count: 0, lines: 0, lineNumbers: [] as number[] }
  private readonly unreadableByCode = new Map<UnreadableCode, UnreadableCount>()
  private events = 0
  private uploaded = 0
  private duplicates = 0
  private replaced = false
  private stoppedAtBatch: number | undefined

  constructor(
    private readonly secrets: string[],
    private readonly wording: Wording,
    private readonly onReject: RejectListener = () => undefined
  ) {}

  addUnreadable(records: UnreadableRecord[]): void {
    for (const record of records) {
      const lines = record.lastLine - record.line + 1
      this.unreadable.count++
      this.unreadable.lines += lines
      if (this.unreadable.lineNumbers.length < SAMPLE_LINES) this.unreadable.lineNumbers.push(record.line)
      let entry = this.unreadableByCode.get(record.code)
      if (!entry) {
        entry = { code: record.code, reason: UNREADABLE_REASONS[record.code], count: 0, lines: 0, lineRanges: [] }
        this.unreadableByCode.set(record.code, entry)
      }
      entry.count++
      entry.lines += lines
      if (entry.lineRanges.length < SAMPLE_LINES) entry.lineRanges.push([record.line, record.lastLine])
      for (let line = record.line; line <= record.lastLine; line++) this.onReject(line, record.code, entry.reason)
    }
  }

  /** Events the runner refused before sending them: invalid identifiers like the destination's, with its reason. */
  addRefused(refused: RefusedEvent[]): void {
    for (const { line, reason } of refused) {
      this.events++
      this.countLeftOut({ kind: 'invalid', reason }, line)
    }
  }

  /** True once a Replace succeeded: the segment then holds only what this run has sent so far. */
  get hasReplaced(): boolean {
    return this.replaced
  }

  recordBatch(
    batch: number,
    events: SegmentEvent[],
    lineNumbers: number[],
    outcomes: Outcome[],
    extra: { folded?: number; held?: number; heldFrom?: number[] } = {}
  ): BatchSummary & { leftOut: number } {
    const mergeModes: MergeMode[] = []
    let uploaded = 0
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i]
      if (outcome.kind === 'uploaded') {
        if (!mergeModes.includes(outcome.mergeMode)) mergeModes.push(outcome.mergeMode)
        this.noteSegment(outcome.crmDataId, outcome.segmentName, outcome.created, outcome.mergeMode)
        if (outcome.duplicate) this.duplicates++
        else uploaded++
        continue
      }
      this.countLeftOut(outcome, lineNumbers[i] ?? 0)
    }
    if (mergeModes.includes('Replace')) this.replaced = true
    this.events += events.length
    this.uploaded += uploaded
    // The batch as it was sent; its held events are counted in the record of the round that sends them again.
    const summary: BatchSummary = { batch, events: events.length + (extra.held ?? 0), mergeModes, uploaded }
    if (extra.folded) summary.folded = extra.folded
    if (extra.held) summary.held = extra.held
    if (extra.heldFrom) summary.heldFrom = extra.heldFrom
    this.batches.push(summary)
    return { ...summary, leftOut: events.length - uploaded }
  }

  /**
   * The sync stops after this batch, for this failure of its events: what follows would build on a segment that is
   * not what it should be. The batch's record says why.
   */
  stopAt(batch: number, failure: Extract<Outcome, { kind: 'failed' }>): void {
    this.stoppedAtBatch = batch
    const record = this.batches.find((summary) => summary.batch === batch)
    if (record) record.error = eventFailureMessage(failure, this.wording, failure.attempts)
  }

  /** Every event of a batch that threw failed with it; returns the message as the summary shows it. */
  batchFailed(batch: number, lineNumbers: number[], error: unknown, attempts: number): string {
    const events = lineNumbers.length
    const reason = this.clean(error instanceof Error ? error.message : String(error))
    const { code, message } = batchErrorMessage(error, reason, attempts, this.wording)
    this.events += events
    this.leftOut.failed += events
    this.noteFailure(code, message, reason, events, lineNumbers[0] ?? 0)
    for (const line of lineNumbers) this.onReject(line, code, message)
    this.batches.push({ batch, events, mergeModes: [], uploaded: 0, error: message })
    this.stoppedAtBatch = batch
    return message
  }

  summary(elapsedMs: number, interrupted = false): SyncSummary {
    const { result, explanation } = this.result(interrupted)
    return {
      result,
      ok: result === 'ok',
      ...(explanation ? { explanation } : {}),
      segments: [...this.segments.values()].map((segment) => ({ ...segment, mergeModes: [...segment.mergeModes] })),
      moreSegments: this.moreSegments.size,
      batches: this.batches,
      records: this.events + this.unreadable.count,
      events: this.events,
      uploaded: this.uploaded,
      duplicates: this.duplicates,
      leftOut: { ...this.leftOut },
      invalidReasons: sorted(this.invalidReasons),
      failures: sorted(this.failures),
      unreadable: {
        count: this.unreadable.count,
        lines: this.unreadable.lines,
        lineNumbers: [...this.unreadable.lineNumbers],
        byReason: [...this.unreadableByCode.values()]
          .map((entry) => ({ ...entry, lineRanges: entry.lineRanges.map(([a, b]) => [a, b] as [number, number]) }))
          .sort((a, b) => b.count - a.count)
      },
      ...(this.stoppedAtBatch === undefined ? {} : { stoppedAtBatch: this.stoppedAtBatch }),
      replaced: this.replaced,
      elapsedMs
    }
  }

  private result(interrupted: boolean): { result: SyncResult; explanation?: string } {
    const { exited, notSubscribed, belowMinimum, failed } = this.leftOut
    if (interrupted) {
      return {
        result: 'interrupted',
        explanation: this.replaced
          ? 'Interrupted after a Replace: the segment now holds only part of the audience. The next full run ' +
            'replaces it again with the whole audience.'
          : 'Interrupted before any upload replaced a segment: the segments are as they were, plus what was added.'
      }
    }
    if (this.stoppedAtBatch !== undefined) {
      return {
        result: 'failed',
        explanation: `Stopped at batch ${this.stoppedAtBatch}: the input after it was not read.`
      }
    }
    const audienceEvents = this.events - notSubscribed
    if (this.events === 0 && this.unreadable.count === 0) {
      return { result: 'no-audience-events', explanation: 'The input held no events: nothing was sent.' }
    }
    if (audienceEvents === 0) {
      const parts = [
        `${count(this.events, 'event')} that ${this.events === 1 ? 'is' : 'are'} not Engage audience events (Audience Entered/Exited)`,
        count(this.unreadable.count, 'unreadable line')
      ]
      return {
        result: 'no-audience-events',
        explanation: `The input held no audience event (${parts.join(', ')}): nothing was sent.`
      }
    }
    if (this.uploaded === 0) {
      const members = audienceEvents - exited
      if (members === 0) {
        return {
          result: 'nothing-uploaded',
          explanation: `Nothing was uploaded: all ${formatCount(exited)} audience events are people who left; the segment is unchanged.`
        }
      }
      return {
        result: 'nothing-uploaded',
        explanation:
          `Nothing was uploaded: ${formatCount(members)} ${members === 1 ? 'person was' : 'people were'} in the audience but none reached The Trade Desk. ` +
          `Most common reason: ${this.topReason()}`
      }
    }
    // Invalid identifiers alone are reported, not fatal: the rest of the audience was synced.
    if (belowMinimum + failed > 0) {
      const notUploaded = belowMinimum + failed
      return {
        result: 'failed',
        explanation:
          `${count(notUploaded, 'audience member')} could not be uploaded. Most common reason: ` + this.topFailure()
      }
    }
    if (this.unreadable.count > 0) {
      const { count: records, lines } = this.unreadable
      const spans = lines === records ? count(lines, 'line') : `${count(records, 'record')} (${count(lines, 'line')})`
      return {
        result: 'unreadable-lines',
        explanation:
          `Everyone the readable lines named was synced, but ${spans} of the input could not be read as events, so ` +
          'whoever they hold is not in the segment. Fix them and run again (--rejects FILE lists every one).'
      }
    }
    return { result: 'ok' }
  }

  private topFailure(): string {
    const [failure] = sorted(this.failures)
    return failure ? `${failure.message} (${count(failure.count, 'event')})` : 'unknown'
  }

  private topReason(): string {
    const [invalid] = sorted(this.invalidReasons)
    const [failure] = sorted(this.failures)
    if (invalid && (!failure || invalid.count >= failure.count)) {
      return `${invalid.reason} (${count(invalid.count, 'event')}; is --pii-type right for this data?)`
    }
    return failure ? `${failure.message} (${count(failure.count, 'event')})` : 'unknown'
  }

  private countLeftOut(outcome: Exclude<Outcome, { kind: 'uploaded' }>, line: number): void {
    switch (outcome.kind) {
      case 'invalid':
        this.leftOut.invalid++
        noteReason(this.invalidReasons, outcome.reason, line, () => ({
          reason: outcome.reason,
          count: 0,
          lineNumbers: []
        }))
        this.onReject(line, RESULT_CODES.invalidIdentifier, outcome.reason)
        return
      case 'exited':
        this.leftOut.exited++
        return
      case 'not-subscribed':
        this.leftOut.notSubscribed++
        return
      case 'held': {
        this.leftOut.belowMinimum++
        const failure = { code: RESULT_CODES.heldForMinimum, status: 503, reason: outcome.reason, details: {} }
        const message = eventFailureMessage(failure, this.wording)
        this.onReject(line, failure.code, message)
        return this.noteFailure(failure.code, message, this.clean(outcome.reason), 1, line)
      }
      case 'failed': {
        if (outcome.code === 'BELOW_MINIMUM') this.leftOut.belowMinimum++
        else this.leftOut.failed++
        const message = eventFailureMessage(outcome, this.wording, outcome.attempts)
        this.onReject(line, outcome.code, message)
        return this.noteFailure(outcome.code, message, this.clean(outcome.reason), 1, line)
      }
      case 'unmapped': {
        this.leftOut.failed++
        const code = outcome.code ?? RUNNER_CODES.mapping
        const message = eventFailureMessage({ code, status: 400, reason: outcome.reason, details: {} }, this.wording)
        this.onReject(line, code, message)
        return this.noteFailure(code, message, this.clean(outcome.reason), 1, line)
      }
    }
  }

  private noteSegment(crmDataId: string, name: string, created: boolean, mergeMode: MergeMode): void {
    const known = this.segments.get(crmDataId)
    if (known) {
      known.created ||= created
      if (!known.mergeModes.includes(mergeMode)) known.mergeModes.push(mergeMode)
      return
    }
    if (this.segments.size < MAX_SEGMENTS)
      this.segments.set(crmDataId, { name, crmDataId, created, mergeModes: [mergeMode] })
    else if (this.moreSegments.size < 10_000) this.moreSegments.add(crmDataId)
  }

  private noteFailure(code: string, message: string, reason: string, count: number, line: number): void {
    const key = `${code}\u0000${reason}`
    const entry = noteReason(this.failures, key, line, () => ({ code, message, reason, count: 0, lineNumbers: [] }))
    entry.count += count - 1
  }

  /**
   * Messages come from the destination and TTD, which never echo PII; the token is scrubbed regardless, and words
   * meant for Segment's pipeline become the runner's.
   */
  private clean(message: string): string {
    const text = runnerReason(message, this.secrets)
    return text.length > MAX_MESSAGE_LENGTH ? text.slice(0, MAX_MESSAGE_LENGTH) + '…' : text
  }
}

/** Counts one occurrence under `key`, keeping at most MAX_REASONS distinct keys (the rest pooled) and a few lines. */
function noteReason<T extends ReasonCount>(map: Map<string, T>, key: string, line: number, create: () => T): T {
  let entry = map.get(key)
  if (!entry) {
    if (map.size >= MAX_REASONS) {
      entry = map.get(OTHER_REASONS)
      if (!entry) {
        entry = { ...create(), reason: OTHER_REASONS }
        map.set(OTHER_REASONS, entry)
      }
    } else {
      entry = create()
      map.set(key, entry)
    }
  }
  entry.count++
  if (entry.lineNumbers.length < SAMPLE_LINES && line > 0) entry.lineNumbers.push(line)
  return entry
}

function sorted<T extends ReasonCount>(map: Map<string, T>): T[] {
  return [...map.values()]
    .map((entry) => ({ ...entry, lineNumbers: [...entry.lineNumbers] }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
}
