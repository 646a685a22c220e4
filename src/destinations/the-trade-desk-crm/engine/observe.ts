import type { Logger, StatsContext } from '@segment/actions-core'
import type { MergeMode, PiiType } from '../constants'
import { TtdError, type SyncFailure } from '../errors'

/** Why an upload used its merge mode, as a tag and in the log. */
export type UploadReason =
  /** No sync window was open: this upload starts the sync and replaces the segment. */
  | 'starts-sync'
  /** A window was open: this upload adds to the sync. */
  | 'window-open'
  /** The run asked never to replace. */
  | 'add-only'

/**
 * What a batch did, counted through the runtime's `statsContext` and told through its `logger`, as Segment's own
 * destinations do. Tags and log lines carry codes, counts, merge modes, PII types and CrmDataIds: never a
 * person's identifier, a kept line or the token.
 */
export class SyncObserver {
  private readonly tags: string[]

  constructor(
    private readonly stats: StatsContext | undefined,
    private readonly logger: Logger | undefined
  ) {
    this.tags = Array.isArray(stats?.tags) ? stats.tags : []
  }

  /** Events refused before any upload (invalid identifiers, blank names), by reason code. */
  refused(code: string, count: number): void {
    this.incr('ttd_crm.refused_identifiers', count, [`reason:${code}`])
  }

  uploaded(upload: {
    mergeMode: MergeMode
    reason: UploadReason
    piiType: PiiType
    crmDataId: string
    lines: number
    own: number
    fromPool: number
    toppedUp: number
  }): void {
    const tags = [`merge_mode:${upload.mergeMode}`, `pii_type:${upload.piiType}`, `reason:${upload.reason}`]
    this.incr('ttd_crm.uploads', 1, tags)
    this.histogram('ttd_crm.upload_lines', upload.lines, tags)
    if (upload.fromPool > 0) this.incr('ttd_crm.pooled_lines_uploaded', upload.fromPool, tags)
    if (upload.toppedUp > 0) this.incr('ttd_crm.topped_up_lines', upload.toppedUp, tags)
    this.info(
      `${upload.mergeMode} to CRM segment ${upload.crmDataId} (${REASON_WORDS[upload.reason]}): ${upload.lines} ` +
        `lines, ${upload.own} from this batch, ${upload.fromPool} held from earlier batches, ${upload.toppedUp} ` +
        'topped up from this sync window'
    )
  }

  /** A short group's lines held in the pool; its events are handed back for a retry. */
  held(piiType: PiiType, own: number, pooled: number, events: number): void {
    const tags = [`pii_type:${piiType}`]
    this.incr('ttd_crm.held_lines', own, tags)
    this.incr('ttd_crm.held_events', events, tags)
    this.info(
      `Held ${events} events (${own} distinct lines) below The Trade Desk's minimum; this segment's sync has ` +
        `${pooled} held so far`
    )
  }

  segmentCreated(crmDataId: string): void {
    this.incr('ttd_crm.segments_created', 1, [])
    this.info(`Created CRM segment ${crmDataId}`)
  }

  /** A group whose upload failed: TTD's answer or the network by code and status, or the destination's own rule. */
  failed(error: SyncFailure, events: number): void {
    const tags = [`code:${error.code}`]
    if (error instanceof TtdError) {
      tags.push(`operation:${error.operation}`, `status:${error.status ?? 'none'}`)
      if (error.network) tags.push(`network:${error.network}`)
      this.incr('ttd_crm.ttd_errors', 1, tags)
    }
    this.incr('ttd_crm.failed_events', events, tags)
    this.log('warn', `${events} events not uploaded (${error.code})`)
  }

  private info(message: string): void {
    this.log('info', message)
  }

  // The runtime (and actions-core's test harness) may hand over a logger or stats client without every method.
  private log(level: 'info' | 'warn', message: string): void {
    const logger = this.logger
    if (typeof logger?.[level] === 'function') logger[level](`ttd-crm: ${message}`)
  }

  private incr(name: string, value: number, tags: string[]): void {
    const client = this.stats?.statsClient
    if (value > 0 && typeof client?.incr === 'function') client.incr(name, value, [...this.tags, ...tags])
  }

  private histogram(name: string, value: number, tags: string[]): void {
    const client = this.stats?.statsClient
    if (typeof client?.histogram === 'function') client.histogram(name, value, [...this.tags, ...tags])
  }
}

const REASON_WORDS: Record<UploadReason, string> = {
  'starts-sync': 'no sync window open: this upload starts the sync',
  'window-open': 'the sync window is open',
  'add-only': 'this run never replaces'
}
