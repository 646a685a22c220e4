import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { pipeline, Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { Encoding } from './encoding'

/** A line (or CSV record, or JSON array element) longer than this is counted unreadable, not held in memory. */
export const MAX_LINE_BYTES = 1024 * 1024

/** `--input -`: the events come on standard input. */
export const STDIN = '-'

/** How much of the content (decompressed) is read to tell its encoding, format and CSV header. */
export const HEAD_BYTES = 64 * 1024

/**
 * A problem with the input as a whole (missing, a directory, binary, no identifier column): exit 2. `code` names
 * it for scripts (`--json` prints it), e.g. INPUT_NOT_FOUND, INPUT_BINARY, CSV_NO_IDENTIFIER_COLUMN.
 */
export class InputError extends Error {
  override name = 'InputError'

  constructor(
    message: string,
    readonly code: string
  ) {
    super(message)
  }
}

/** One line of the input; `text` is undefined when the line was longer than MAX_LINE_BYTES. */
export interface Line {
  number: number
  text: string | undefined
}

const GZIP_MAGIC = [0x1f, 0x8b]

/**
 * The input, read in one pass: a regular file, or standard input for `-`. Standard input cannot be read twice, so
 * neither is a file: the start of the content is read once (`head`), kept, and handed out again ahead of the rest
 * (`text`). Nothing is read before `head` is first called, so opening the input (which checks that the file is
 * there) costs no reading. gzip is recognised by its first two bytes and decompressed on the way.
 */
export class InputFile {
  /** True once `head` found gzip's first two bytes. */
  gzip = false
  private raw: Readable | undefined
  private content: Readable | undefined
  private contentChunks: AsyncIterator<Buffer> | undefined
  private readonly headChunks: Buffer[] = []
  private headRead: Promise<Buffer> | undefined
  private bytesRead = 0

  private constructor(
    /** What a person calls it: the absolute path, or "standard input". */
    readonly label: string,
    /** Bytes of the file on disk, for the progress display; undefined for standard input. */
    readonly size: number | undefined,
    private readonly openRaw: () => Readable
  ) {}

  /** Checks that the input is there (a readable regular file, or standard input) without reading it. */
  static async open(path: string, stdin?: Readable): Promise<InputFile> {
    if (path === STDIN) return new InputFile('standard input', undefined, () => stdin ?? process.stdin)
    const size = await regularFileSize(path)
    return new InputFile(path, size, () => createReadStream(path, { highWaterMark: 64 * 1024 }))
  }

  /** Whether the input is standard input, which has no size and no name to tell its format by. */
  get isStdin(): boolean {
    return this.size === undefined
  }

  /** Bytes read so far (compressed bytes for gzip). */
  position(): number {
    return this.bytesRead
  }

  /** Up to HEAD_BYTES of the content (decompressed), read once and kept for `text`. */
  head(): Promise<Buffer> {
    this.headRead ??= this.readHead()
    return this.headRead
  }

  /**
   * The whole content from its start, decoded from `encoding` into UTF-8 bytes (UTF-8 itself passes through as
   * it is). Can be iterated once. Ends with an InputError when the input cannot be read or a gzip stream is corrupt.
   */
  async *text(encoding: Encoding): AsyncGenerator<Buffer> {
    await this.head()
    const decode = decoderFor(encoding)
    const chunks = this.contentChunks as AsyncIterator<Buffer>
    try {
      for (const chunk of this.headChunks.splice(0)) yield decode(chunk, false)
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield decode(next.value, false)
      const tail = decode(Buffer.alloc(0), true)
      if (tail.length > 0) yield tail
    } catch (error) {
      throw this.failed(error)
    } finally {
      this.close()
    }
  }

  close(): void {
    this.content?.destroy()
    this.raw?.destroy()
  }

  private async readHead(): Promise<Buffer> {
    const raw = this.openRaw()
    this.raw = raw
    const rawChunks = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>
    // The first bytes decide gzip; they are replayed in front of the rest.
    const first: Buffer[] = []
    try {
      let got = 0
      while (got < GZIP_MAGIC.length) {
        const next = await rawChunks.next()
        if (next.done) break
        first.push(next.value)
        got += next.value.length
      }
    } catch (error) {
      raw.destroy()
      throw unreadable(this.label, error)
    }
    const start = Buffer.concat(first)
    this.gzip = start.length >= GZIP_MAGIC.length && GZIP_MAGIC.every((byte, i) => start[i] === byte)
    const count = (n: number) => (this.bytesRead += n)
    async function* replay(): AsyncGenerator<Buffer> {
      if (start.length > 0) {
        count(start.length)
        yield start
      }
      for (let next = await rawChunks.next(); !next.done; next = await rawChunks.next()) {
        count(next.value.length)
        yield next.value
      }
    }
    const replayed = Readable.from(replay(), { objectMode: false })
    this.content = this.gzip ? pipeline(replayed, createGunzip(), () => undefined) : replayed
    this.contentChunks = this.content[Symbol.asyncIterator]() as AsyncIterator<Buffer>
    let got = 0
    try {
      while (got < HEAD_BYTES) {
        const next = await this.contentChunks.next()
        if (next.done) break
        // Copied: a stream may reuse a chunk's memory.
        this.headChunks.push(Buffer.from(next.value))
        got += next.value.length
      }
    } catch (error) {
      throw this.failed(error)
    }
    return Buffer.concat(this.headChunks).subarray(0, HEAD_BYTES)
  }

  private failed(error: unknown): InputError {
    if (error instanceof InputError) return error
    const code = (error as NodeJS.ErrnoException).code ?? ''
    if (this.gzip && code.startsWith('Z_')) {
      return new InputError(
        `The input ${this.label} is gzip-compressed but corrupt or cut short after ${this.bytesRead} bytes; the ` +
          'events before that point were read.',
        'INPUT_GZIP_CORRUPT'
      )
    }
    return unreadable(this.label, error)
  }
}

/**
 * UTF-8 passes through as bytes (line splitting decodes it); any other encoding is decoded with TextDecoder, which
 * keeps a character cut between two chunks for the next one, and written out as UTF-8.
 */
function decoderFor(encoding: Encoding): (chunk: Buffer, last: boolean) => Buffer {
  if (encoding === 'utf-8') return (chunk) => chunk
  const decoder = new TextDecoder(encoding)
  return (chunk, last) => Buffer.from(decoder.decode(chunk, { stream: !last }), 'utf8')
}

/** The size of a readable regular file; anything else (missing, a directory, a device) is an InputError. */
async function regularFileSize(path: string): Promise<number> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    throw unreadable(path, error)
  }
  if (!info.isFile()) {
    throw new InputError(
      `The input ${path} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}: give a file.`,
      'INPUT_NOT_A_FILE'
    )
  }
  return info.size
}

/** A system error on the input, in words (no bare ENOENT), with its code as data. */
function unreadable(label: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code
  switch (code) {
    case 'ENOENT':
      return new InputError(`Cannot read the input file ${label}: there is no such file.`, 'INPUT_NOT_FOUND')
    case 'EACCES':
    case 'EPERM':
      return new InputError(
        `Cannot read the input file ${label}: permission denied (the file's permissions do not let you read it).`,
        'INPUT_NOT_READABLE'
      )
    case 'EISDIR':
      return new InputError(`The input ${label} is a directory: give a file.`, 'INPUT_NOT_A_FILE')
    default:
      return new InputError(
        `Cannot read the input ${label}${code ? ` (system error ${code})` : ''}.`,
        'INPUT_NOT_READABLE'
      )
  }
}

/**
 * Splits content into lines of at most `maxBytes`, yielding the lines of each chunk together (one await per
 * chunk, not per line). The complete lines of a chunk are decoded in one go (a chunk is far smaller than the
 * limit); only a line running across chunks is assembled from pieces, and one longer than the limit never is:
 * its bytes are dropped as they arrive and it comes out with `text` undefined, so memory stays bounded whatever
 * the file holds. Lines are cut at byte 0x0A, which never occurs inside a UTF-8 sequence, so each part decodes
 * on its own. A trailing CR and a UTF-8 byte order mark at the start are removed.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, maxBytes = MAX_LINE_BYTES): AsyncGenerator<Line[]> {
  let pieces: Buffer[] = []
  let pending = 0
  let tooLong = false
  let number = 0
  const push = (lines: Line[], text: string | undefined) => {
    number++
    if (text !== undefined) {
      if (text.endsWith('\r')) text = text.slice(0, -1)
      if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    }
    lines.push({ number, text })
  }
  const finishPending = (lines: Line[], tail: Buffer) => {
    const over = tooLong || pending + tail.length > maxBytes
    push(lines, over ? undefined : Buffer.concat([...pieces, tail]).toString('utf8'))
    pieces = []
    pending = 0
    tooLong = false
  }
  for await (const chunk of chunks) {
    const lines: Line[] = []
    let start = 0
    const first = chunk.indexOf(10)
    if (first !== -1 && (pending > 0 || tooLong)) {
      finishPending(lines, chunk.subarray(0, first))
      start = first + 1
    }
    const last = chunk.lastIndexOf(10)
    if (last >= start) {
      const whole = chunk.toString('utf8', start, last)
      if (whole.length > maxBytes) {
        // Only with chunks larger than the limit: split the slow way, by bytes.
        for (
          let from = start, nl = chunk.indexOf(10, from);
          nl !== -1 && nl <= last;
          from = nl + 1, nl = chunk.indexOf(10, from)
        ) {
          push(lines, nl - from > maxBytes ? undefined : chunk.toString('utf8', from, nl))
        }
      } else {
        for (const text of whole.split('\n')) push(lines, text)
      }
      start = last + 1
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start)
      if (tooLong || pending + rest.length > maxBytes) {
        tooLong = true
        pieces = []
      } else {
        // Copied: the stream may reuse the chunk's memory.
        pieces.push(Buffer.from(rest))
        pending += rest.length
      }
    }
    if (lines.length > 0) yield lines
  }
  if (pending > 0 || tooLong) {
    const lines: Line[] = []
    finishPending(lines, Buffer.alloc(0))
    yield lines
  }
}
