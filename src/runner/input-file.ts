import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'

/** A line (or CSV record, or JSON array element) longer than this is counted unreadable, not held in memory. */
export const MAX_LINE_BYTES = 1024 * 1024

/** A problem with the input file as a whole (missing, a directory, binary, no identifier column): exit 2. */
export class InputError extends Error {
  override name = 'InputError'
}

/** One line of the input; `text` is undefined when the line was longer than MAX_LINE_BYTES. */
export interface Line {
  number: number
  text: string | undefined
}

export interface InputFile {
  /** Bytes of the file on disk, for the progress display. */
  size: number
  gzip: boolean
  /** Bytes of the file read so far (compressed bytes for gzip). */
  position(): number
  /** The content, decompressed; ends with an InputError when a gzip stream is corrupt. */
  chunks(): AsyncGenerator<Buffer>
  close(): void
}

const GZIP_MAGIC = [0x1f, 0x8b]

/** Opens the input for streaming: a readable regular file, gunzipped when its first bytes say gzip. */
export async function openInput(path: string): Promise<InputFile> {
  const size = await regularFileSize(path)
  const gzip = await startsWith(path, GZIP_MAGIC)
  const file = createReadStream(path, { highWaterMark: 64 * 1024 })
  const content: Readable = gzip ? file.pipe(createGunzip()) : file
  file.on('error', (error) => content.destroy(error))
  return {
    size,
    gzip,
    position: () => file.bytesRead,
    async *chunks() {
      try {
        for await (const chunk of content) yield chunk as Buffer
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? ''
        if (gzip && code.startsWith('Z_')) {
          throw new InputError(
            `The input ${path} is gzip-compressed but corrupt or cut short after ${file.bytesRead} bytes; ` +
              'the events before that point were read.'
          )
        }
        throw new InputError(`Cannot read the input file ${path}${code ? ` (${code})` : ''}.`)
      } finally {
        content.destroy()
        file.destroy()
      }
    },
    close: () => {
      content.destroy()
      file.destroy()
    }
  }
}

/** The size of a readable regular file; anything else (missing, a directory, a device) is an InputError. */
export async function regularFileSize(path: string): Promise<number> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new InputError(`Cannot read the input file ${path}${code ? ` (${code})` : ''}.`)
  }
  if (!info.isFile()) {
    throw new InputError(
      `The input ${path} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}: give a file.`
    )
  }
  try {
    const handle = await open(path, 'r')
    await handle.close()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new InputError(`Cannot read the input file ${path}${code ? ` (${code})` : ''}.`)
  }
  return info.size
}

async function startsWith(path: string, bytes: number[]): Promise<boolean> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(bytes.length)
    const { bytesRead } = await handle.read(buffer, 0, bytes.length, 0)
    return bytesRead === bytes.length && bytes.every((byte, i) => buffer[i] === byte)
  } finally {
    await handle.close()
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
