import type { BatchProgress, SyncSummary } from './run-sync'
import type { LeftOutCounts } from './tally'

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
  interrupted: 'INTERRUPTED'
}

/** One line per batch, for a log or a terminal. */
export function formatProgress(progress: BatchProgress): string {
  const retries = progress.attempts > 1 ? `, ${progress.attempts} attempts` : ''
  if (progress.error) return `batch ${progress.batch}: ${progress.events} events, FAILED${retries}: ${progress.error}`
  const modes = progress.mergeModes.length > 0 ? progress.mergeModes.join('+') : 'no upload'
  const folded = progress.folded ? ` (${progress.folded} beyond --batch-size, folded in)` : ''
  const where = progress.position ? `; ${formatPosition(progress.position)}` : ''
  return (
    `batch ${progress.batch}: ${progress.events} events${folded}, ${modes}, ${progress.uploaded} uploaded, ` +
    `${progress.leftOut} left out${retries}${where}`
  )
}

/** "12,000 events read, 48% of the file" */
export function formatPosition(position: NonNullable<BatchProgress['position']>): string {
  const percent =
    position.fileBytes > 0 ? Math.min(100, Math.floor((position.bytesRead / position.fileBytes) * 100)) : 100
  return `${position.eventsRead} events read, ${percent}% of the file`
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
  const share = position.fileBytes > 0 ? position.bytesRead / position.fileBytes : 1
  const eta = share > 0 && share < 1 ? `, about ${formatDuration((seconds * (1 - share)) / share)} left` : ''
  return `batch ${batch}: ${formatPosition(position)}, ${rate} events/s${eta}`
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`
  return `${Math.round(seconds / 60)} min`
}

export function formatSummaryJson(summary: SyncSummary): string {
  return JSON.stringify(summary, null, 2)
}

export function formatSummaryText(summary: SyncSummary): string {
  const leftOut = REASONS.reduce((sum, reason) => sum + summary.leftOut[reason.key], 0)
  const width = Math.max(...REASONS.map((reason) => reason.label.length))
  const lines = [
    'Sync summary',
    ...segmentLines(summary),
    `  Batches:     ${batchLine(summary)}`,
    `  Events read: ${summary.events}` +
      (summary.unreadable.count > 0 ? ` (and ${summary.unreadable.count} unreadable lines)` : ''),
    `  Uploaded:    ${summary.uploaded} identifiers (distinct within each batch)`,
    `  Duplicates:  ${summary.duplicates} (same identifier as another event of the batch: sent once)`,
    `  Left out:    ${leftOut}`,
    ...REASONS.map(({ key, label, note }) => {
      const count = String(summary.leftOut[key]).padStart(8)
      return `    ${label.padEnd(width)} ${count}${note && summary.leftOut[key] > 0 ? `  (${note})` : ''}`
    })
  ]
  if (summary.invalidReasons.length > 0) {
    lines.push('  Invalid identifiers, by reason:')
    for (const reason of summary.invalidReasons) {
      lines.push(`    ${reason.count} x ${reason.reason} (lines ${reason.lineNumbers.join(', ')}${moreLines(reason)})`)
    }
  }
  if (summary.failures.length > 0) {
    lines.push('  Failures:')
    for (const failure of summary.failures) {
      const where = failure.lineNumbers.length > 0 ? ` (from line ${failure.lineNumbers[0]})` : ''
      lines.push(`    ${failure.count} x ${failure.message}${where}`)
    }
  }
  if (summary.unreadable.count > 0) {
    lines.push(
      `  Unreadable:  ${summary.unreadable.count} lines (not an event, or longer than 1 MB), including line ` +
        summary.unreadable.lineNumbers.join(', ')
    )
  }
  const folded = summary.batches.find((batch) => batch.folded)
  if (folded) {
    lines.push(
      `  Batch ${folded.batch} took ${folded.folded} events beyond --batch-size, rather than leaving them to a ` +
        'batch under the 1,500 minimum.'
    )
  }
  lines.push(`  Elapsed:     ${(summary.elapsedMs / 1000).toFixed(1)} s`)
  lines.push(`  Result:      ${RESULT_LABELS[summary.result]}`)
  if (summary.explanation) lines.push(`  ${summary.explanation}`)
  return lines.join('\n') + '\n'
}

function moreLines(reason: { count: number; lineNumbers: number[] }): string {
  return reason.count > reason.lineNumbers.length ? ', …' : ''
}

function segmentLines(summary: SyncSummary): string[] {
  if (summary.segments.length === 0) return ['  Segment:     none written']
  const lines = summary.segments.map((segment) => {
    const size =
      segment.size === undefined
        ? ''
        : segment.size === null
          ? ', size not known (The Trade Desk does not report it)'
          : `, now ${segment.size} people`
    return `  Segment:     "${segment.name}", CrmDataId ${segment.crmDataId} (${segment.created ? 'created' : 'reused'})${size}`
  })
  if (summary.moreSegments > 0) lines.push(`               and ${summary.moreSegments} more`)
  return lines
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
