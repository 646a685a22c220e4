import { closeSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import { UsageError } from '../cli/usage-error'

const HEADER = 'line,code,reason\n'
const FLUSH_BYTES = 64 * 1024

/**
 * `--rejects FILE`: one CSV row per input line left out for a fault (unreadable, held back, invalid identifier,
 * refused by the destination or The Trade Desk, in a failed batch), with its stable code and the reason. Never the
 * line's values: reasons name the problem, not the email or phone number. Rows come in the order found; written in
 * blocks, so memory does not grow with the input.
 */
export class RejectsFile {
  private pending: string[] = []
  private pendingBytes = 0
  private written = 0
  private closed = false

  private constructor(
    readonly path: string,
    private readonly fd: number
  ) {}

  /** Creates (or empties) the file before anything is read, so a path that cannot be written fails at once. */
  static create(path: string): RejectsFile {
    let fd: number
    try {
      fd = openSync(path, 'w')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why =
        code === 'ENOENT'
          ? `the folder ${dirname(path)} does not exist`
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : code === 'EISDIR'
              ? 'it is a directory'
              : `system error ${code ?? 'unknown'}`
      throw new UsageError(`--rejects cannot write ${path}: ${why}.`, 'REJECTS_NOT_WRITABLE')
    }
    writeSync(fd, HEADER)
    return new RejectsFile(path, fd)
  }

  /** Lines written so far (the header aside). */
  get lines(): number {
    return this.written + this.pending.length
  }

  add(line: number, code: string, reason: string): void {
    const row = `${line},${code},${csvField(reason)}\n`
    this.pending.push(row)
    this.pendingBytes += row.length
    if (this.pendingBytes >= FLUSH_BYTES) this.flush()
  }

  /** Writes what is left and closes the file; once only, whoever calls it. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.flush()
    closeSync(this.fd)
  }

  private flush(): void {
    if (this.pending.length === 0) return
    writeSync(this.fd, this.pending.join(''))
    this.written += this.pending.length
    this.pending = []
    this.pendingBytes = 0
  }
}

/** A CSV field: quoted, with its quotes doubled, when it holds a comma, a quote or a line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.split('"').join('""')}"` : text
}
