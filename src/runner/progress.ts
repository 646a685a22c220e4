import type { InputBatch } from './input'
import { formatLiveProgress, formatProgress } from './summary'
import type { BatchProgress } from './run-sync'

type Position = InputBatch['position']

const REDRAW_MS = 250
const CLEAR_LINE = '\r\u001b[K'

/**
 * Progress on stderr. On a terminal, one line rewritten in place (events read, position in the file, rate, time
 * left) while reading and uploading, with each finished batch printed above it; elsewhere (a log, a pipe) only
 * one line per batch, which is what a log wants.
 */
export class ProgressDisplay {
  private readonly started = Date.now()
  private position: Position | undefined
  private batch = 1
  private lastDraw = 0
  private shown = false
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly live: boolean,
    /** A dry run's batches say what a sync would upload. */
    private readonly dryRun = false
  ) {
    // Uploading a large batch reads nothing for seconds: keep the rate and time left moving meanwhile.
    if (live) this.timer = setInterval(() => this.draw(true), 1_000).unref()
  }

  reading(position: Position): void {
    this.position = position
    this.draw(false)
  }

  sending(batch: number, position: Position): void {
    this.batch = batch
    this.position = position
    this.draw(true)
  }

  batchDone(progress: BatchProgress): void {
    this.clear()
    this.out.write(formatProgress(progress, this.dryRun) + '\n')
    this.batch = progress.batch + 1
  }

  note(text: string): void {
    this.clear()
    this.out.write(text + '\n')
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.clear()
  }

  private draw(force: boolean): void {
    if (!this.live || !this.position) return
    const now = Date.now()
    if (!force && now - this.lastDraw < REDRAW_MS) return
    this.lastDraw = now
    this.out.write(CLEAR_LINE + formatLiveProgress(this.position, now - this.started, this.batch))
    this.shown = true
  }

  private clear(): void {
    if (!this.shown) return
    this.out.write(CLEAR_LINE)
    this.shown = false
  }
}
