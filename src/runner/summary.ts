import type { BatchProgress, SyncSummary } from './sync'
import type { LeftOutCounts } from './tally'

/** Up to this many batches are listed one by one; longer syncs show counts per merge mode. */
const LISTED_BATCHES = 12

const REASONS: { key: keyof LeftOutCounts; label: string; note?: string }[] = [
  { key: 'invalid', label: 'invalid identifier', note: 'reported, not fatal' },
  { key: 'duplicate', label: 'duplicate in its batch', note: 'uploaded once' },
  { key: 'exited', label: 'left the audience' },
  { key: 'notSubscribed', label: 'not an audience event' },
  { key: 'belowMinimum', label: 'below the 1,500 minimum' },
  { key: 'failed', label: 'other failures' },
  { key: 'unreadable', label: 'unreadable input lines' }
]

export function formatProgress(progress: BatchProgress): string {
  const retries = progress.attempts > 1 ? `, ${progress.attempts} attempts` : ''
  if (progress.error) return `batch ${progress.batch}: ${progress.events} events, FAILED${retries}: ${progress.error}`
  const modes = progress.mergeModes.length > 0 ? progress.mergeModes.join('+') : 'no upload'
  return (
    `batch ${progress.batch}: ${progress.events} events, ${modes}, ${progress.uploaded} uploaded, ` +
    `${progress.leftOut} left out${retries}`
  )
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
    `  Events read: ${summary.events}`,
    `  Uploaded:    ${summary.uploaded} identifiers (distinct within each batch)`,
    `  Left out:    ${leftOut}`,
    ...REASONS.map(({ key, label, note }) => {
      const count = String(summary.leftOut[key]).padStart(8)
      return `    ${label.padEnd(width)} ${count}${note && summary.leftOut[key] > 0 ? `  (${note})` : ''}`
    })
  ]
  if (summary.unreadableLineNumbers.length > 0) {
    lines.push(`  Unreadable lines include: ${summary.unreadableLineNumbers.join(', ')}`)
  }
  if (summary.failures.length > 0) {
    lines.push('  Failures:')
    for (const failure of summary.failures) lines.push(`    ${failure.count} x ${failure.message}`)
  }
  if (summary.stoppedAtBatch !== undefined) {
    lines.push(`  Stopped at batch ${summary.stoppedAtBatch}: the input after it was not sent.`)
  }
  lines.push(`  Elapsed:     ${(summary.elapsedMs / 1000).toFixed(1)} s`)
  lines.push(`  Result:      ${summary.ok ? 'OK' : 'FAILED'}`)
  return lines.join('\n') + '\n'
}

function segmentLines(summary: SyncSummary): string[] {
  if (summary.segments.length === 0) return ['  Segment:     none written']
  const lines = summary.segments.map(
    (segment) =>
      `  Segment:     "${segment.name}", CrmDataId ${segment.crmDataId} (${segment.created ? 'created' : 'reused'})`
  )
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
