import type { BatchProgress, SyncSummary } from './run-sync'
import type { Encoding, EncodingSource } from './encoding'
import type { InputFormat } from './input'
import { count, formatCount } from './messages'
import type { LeftOutCounts, SegmentSummary } from './tally'

/** Where the sync went, for the summary: a person must never have to guess whether TTD got the data. */
export interface TargetSummary {
  /**
   * `embedded-sandbox`: the sandbox inside the runner, gone when it exits unless kept (--keep-sandbox);
   * `standalone-sandbox`: an --api-url on this machine (a sandbox from npm run sandbox); `the-trade-desk`: any
   * other --api-url.
   */
  kind: 'embedded-sandbox' | 'standalone-sandbox' | 'the-trade-desk'
  apiBaseUrl: string
  /** Embedded sandbox only: kept running after the sync (--keep-sandbox). */
  kept?: boolean
}

/** Something a person should know that did not stop the run; `code` is stable. */
export interface Warning {
  code: string
  message: string
}

/** How the input was read. */
export interface InputSummary {
  /** The absolute path, or "-" for standard input. */
  path: string
  format: InputFormat
  gzip: boolean
  encoding: Encoding
  encodingSource: EncodingSource
  /** CSV only: the delimiter ("," ";" "\t" "|"). */
  delimiter?: string
}

/** Everything the runner reports about a sync: the tally's summary, where it went and how the input was read. */
export interface RunReport extends SyncSummary {
  /** The process's exit code for this result (see docs/runner.md). */
  exitCode: number
  target: TargetSummary
  input: InputSummary
  warnings: Warning[]
  /** --dry-run: the counts, segments and result are what a sync would have had; nothing was sent to the target. */
  dryRun: boolean
  /** --add: every upload adds (`Add`), none replaces. */
  add: boolean
  /** --rejects: where every refused line was written, and how many lines. */
  rejects?: { path: string; lines: number }
}

/** Up to this many batches are listed one by one; longer syncs show counts per merge mode. */
const LISTED_BATCHES = 12

const REASONS: { key: keyof LeftOutCounts; label: string; note?: string }[] = [
  { key: 'invalid', label: 'invalid identifier', note: 'reported, not fatal' },
  { key: 'exited', label: 'left the audience' },
  { key: 'notSubscribed', label: 'not an audience event' },
  { key: 'belowMinimum', label: 'below the 1,500 minimum' },
  { key: 'failed', label: 'other failures' }
]

const RESULT_LABELS: Record<SyncSummary['result'], string> = {
  ok: 'OK',
  failed: 'FAILED',
  'nothing-uploaded': 'NOTHING UPLOADED',
  'no-audience-events': 'NO AUDIENCE EVENTS',
  'unreadable-lines': 'SYNCED, BUT SOME LINES UNREADABLE',
  interrupted: 'INTERRUPTED'
}

/** Where the data went, in a sentence. */
export function describeTarget(target: TargetSummary): string {
  switch (target.kind) {
    case 'embedded-sandbox':
      return (
        `the TTD sandbox embedded in this run (${target.apiBaseUrl}), ` +
        (target.kept ? 'kept running until Ctrl-C (--keep-sandbox)' : 'discarded when the runner exits')
      )
    case 'standalone-sandbox':
      return `the TTD sandbox at ${target.apiBaseUrl}, on this machine`
    case 'the-trade-desk':
      return `The Trade Desk at ${target.apiBaseUrl}`
  }
}

/** One line per batch, for a log or a terminal; a dry run's say what a sync would upload. */
export function formatProgress(progress: BatchProgress, dryRun = false): string {
  const retries = progress.attempts > 1 ? `, ${progress.attempts} attempts` : ''
  if (progress.error) return `batch ${progress.batch}: ${progress.events} events, FAILED${retries}: ${progress.error}`
  const modes = progress.mergeModes.length > 0 ? progress.mergeModes.join('+') : 'no upload'
  const folded = progress.folded ? ` (${formatCount(progress.folded)} beyond --batch-size, folded in)` : ''
  const where = progress.position ? `; ${formatPosition(progress.position)}` : ''
  const held = progress.held ? `, ${formatCount(progress.held)} held below the minimum for the last round` : ''
  const from = progress.heldFrom ? ` (held from batch ${progress.heldFrom.join(', ')})` : ''
  return (
    `batch ${progress.batch}: ${count(progress.events, 'event')}${from}${folded}, ${modes}, ` +
    `${formatCount(progress.uploaded)} ${dryRun ? 'to upload' : 'uploaded'}, ${formatCount(progress.leftOut)} left ` +
    `out${held}${retries}${where}`
  )
}

/** "12,000 events read, 48% of the file"; without the share when the size is not known (standard input). */
export function formatPosition(position: NonNullable<BatchProgress['position']>): string {
  const read = `${count(position.eventsRead, 'event')} read`
  if (position.fileBytes === undefined) return read
  const percent =
    position.fileBytes > 0 ? Math.min(100, Math.floor((position.bytesRead / position.fileBytes) * 100)) : 100
  return `${read}, ${percent}% of the file`
}

/**
 * The live line on a terminal: events read, position, rate and time left, from the share of the file read so
 * far (for gzip, of the compressed bytes).
 */
export function formatLiveProgress(
  position: NonNullable<BatchProgress['position']>,
  elapsedMs: number,
  batch: number
): string {
  const seconds = elapsedMs / 1000
  const rate = seconds > 0 ? Math.round(position.eventsRead / seconds) : 0
  const share =
    position.fileBytes === undefined ? 0 : position.fileBytes > 0 ? position.bytesRead / position.fileBytes : 1
  const eta = share > 0 && share < 1 ? `, about ${formatDuration((seconds * (1 - share)) / share)} left` : ''
  return `batch ${batch}: ${formatPosition(position)}, ${formatCount(rate)} events/s${eta}`
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`
  return `${Math.round(seconds / 60)} min`
}

/** One JSON object for the whole run (every outcome of the runner prints one with --json). */
export function formatSummaryJson(report: RunReport): string {
  return JSON.stringify(report, null, 2)
}

export function formatSummaryText(report: RunReport): string {
  const leftOut = REASONS.reduce((sum, reason) => sum + report.leftOut[reason.key], 0)
  const width = Math.max(...REASONS.map((reason) => reason.label.length))
  const { unreadable } = report
  const dry = report.dryRun
  const lines = [
    dry ? 'Dry run summary: what a sync would do (nothing was created, dropped or uploaded)' : 'Sync summary',
    `  Target:      ${describeTarget(report.target)}` + (dry ? ': its segments were listed, nothing more' : ''),
    ...segmentLines(report),
    `  Merge mode:  ${mergeModeLine(report)}`,
    `  Batches:     ${batchLine(report)}`,
    `  Events read: ${formatCount(report.events)}` +
      (unreadable.count > 0 ? ` (and ${count(unreadable.count, 'unreadable record')})` : ''),
    `  ${dry ? 'To upload: ' : 'Uploaded:  '}  ${formatCount(report.uploaded)} identifiers (distinct within each batch)`,
    `  Duplicates:  ${formatCount(report.duplicates)} (same identifier as another event of the batch: ` +
      `${dry ? 'would be sent' : 'sent'} once)`,
    `  Left out:    ${formatCount(leftOut)}`,
    ...REASONS.map(({ key, label, note }) => {
      const counted = formatCount(report.leftOut[key]).padStart(8)
      return `    ${label.padEnd(width)} ${counted}${note && report.leftOut[key] > 0 ? `  (${note})` : ''}`
    })
  ]
  if (report.invalidReasons.length > 0) {
    lines.push('  Invalid identifiers, by reason:')
    for (const reason of report.invalidReasons) {
      const ranges = reason.lineNumbers.map((line) => [line, line] as [number, number])
      lines.push(`    ${formatCount(reason.count)} x ${reason.reason} (${formatLines(ranges, reason.count)})`)
    }
  }
  if (report.failures.length > 0) {
    lines.push('  Failures:')
    for (const failure of report.failures) {
      const where = failure.lineNumbers.length > 0 ? ` (from line ${failure.lineNumbers[0]})` : ''
      lines.push(`    ${formatCount(failure.count)} x ${failure.message}${where}`)
    }
  }
  if (unreadable.count > 0) {
    const spans = unreadable.lines === unreadable.count ? '' : `, ${count(unreadable.lines, 'line')}`
    lines.push(`  Unreadable:  ${count(unreadable.count, 'record')}${spans}, by reason:`)
    for (const entry of unreadable.byReason) {
      lines.push(`    ${formatCount(entry.count)} x ${entry.reason} (${formatLines(entry.lineRanges, entry.count)})`)
    }
  }
  const folded = report.batches.find((batch) => batch.folded)
  if (folded) {
    lines.push(
      `  Batch ${folded.batch} took ${count(folded.folded ?? 0, 'event')} beyond --batch-size, rather than leaving ` +
        'them to a batch under the 1,500 minimum.'
    )
  }
  if (report.rejects) {
    lines.push(
      `  Rejects:     ${count(report.rejects.lines, 'line')} written to ${report.rejects.path} (line, code, reason)`
    )
  }
  for (const warning of report.warnings) lines.push(`  Warning:     ${warning.message}`)
  lines.push(`  Elapsed:     ${(report.elapsedMs / 1000).toFixed(1)} s`)
  lines.push(`  Result:      ${RESULT_LABELS[report.result]}${dry ? ' (dry run: what a sync would return)' : ''}`)
  if (report.explanation) lines.push(`  ${report.explanation}`)
  return lines.join('\n') + '\n'
}

/**
 * "line 18", "lines 3, 8, 13", "lines 10–19, 25, …": the first few records' lines, each a range when a record
 * spans several, and an ellipsis when there are more than shown.
 */
export function formatLines(ranges: [number, number][], total: number): string {
  if (ranges.length === 0) return 'line numbers not known'
  const shown = ranges.map(([first, last]) => (first === last ? String(first) : `${first}–${last}`))
  const single = ranges.length === 1 && ranges[0][0] === ranges[0][1] && total === 1
  return `${single ? 'line' : 'lines'} ${shown.join(', ')}${total > ranges.length ? ', …' : ''}`
}

function segmentLines(report: RunReport): string[] {
  if (report.segments.length === 0) return [`  Segment:     none ${report.dryRun ? 'would be written' : 'written'}`]
  const lines = report.segments.map((segment) => `  Segment:     ${segmentLine(segment, report.dryRun)}`)
  if (report.moreSegments > 0) lines.push(`               and ${report.moreSegments} more`)
  return lines
}

/**
 * A segment, and what the sync did to it (a dry run: would do): its size before and after where a sandbox tells
 * them, and otherwise what a Replace or an Add means for its members, which The Trade Desk does not report.
 */
export function segmentLine(segment: SegmentSummary, dryRun: boolean): string {
  const name = `"${segment.name}"`
  const replaces = segment.mergeModes.includes('Replace')
  const { sizeBefore, size } = segment
  if (dryRun) {
    const sending = people(segment.wouldSend ?? 0)
    if (segment.created) return `${name} (would be created), with ${sending}`
    const now = typeof sizeBefore === 'number' ? `, ${people(sizeBefore)} now` : ''
    const change = replaces
      ? `a sync would replace its members with ${sending}`
      : `a sync would add ${sending} to its members (anyone already in it counts once)`
    const unknown = typeof sizeBefore === 'number' ? '' : ' (The Trade Desk does not report its size)'
    return `${name}, CrmDataId ${segment.crmDataId} (found)${now}; ${change}${unknown}`
  }
  const head = `${name}, CrmDataId ${segment.crmDataId} (${segment.created ? 'created' : 'reused'})`
  if (typeof size === 'number') {
    if (segment.created || typeof sizeBefore !== 'number') return `${head}, now ${people(size)}`
    const change = replaces ? 'replaced by the people this run uploaded' : 'the people this run uploaded were added'
    return `${head}, was ${people(sizeBefore)}, now ${formatCount(size)}: ${change}`
  }
  const change = segment.created
    ? 'it holds the people this run uploaded'
    : replaces
      ? 'replaced, so it holds the people this run uploaded and no one else'
      : 'the people this run uploaded were added to those already in it'
  return `${head}: ${change} (${size === null ? 'The Trade Desk does not report its size' : 'its size is not known'})`
}

function people(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'person' : 'people'}`
}

/** Replace then Add (a sync makes the segment equal to its list), or Add only (--add: nobody is removed). */
function mergeModeLine(report: RunReport): string {
  if (report.add) return 'Add only (--add): every upload adds, nobody is removed from the segment'
  return (
    "Replace, then Add: the first upload replaces the segment's members and the others add, so a complete sync " +
    'leaves it holding exactly this list'
  )
}

function batchLine(summary: SyncSummary): string {
  const labels = summary.batches.map((batch) =>
    batch.error ? 'failed' : batch.mergeModes.length > 0 ? batch.mergeModes.join('+') : 'no upload'
  )
  if (labels.length === 0) return '0'
  if (labels.length <= LISTED_BATCHES) return `${labels.length} (${labels.join(', ')})`
  const counts = new Map<string, number>()
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1)
  return `${labels.length} (${[...counts].map(([label, count]) => `${count} ${label}`).join(', ')})`
}
