import { extname } from 'node:path'
import type { SegmentEvent } from '@segment/actions-core'
import { MIN_DISTINCT_IDENTIFIERS } from '../destinations/the-trade-desk-crm/constants'
import { engageEvent } from '../engage-events/engage-event'
import { CsvRecords, describeColumns, headerNames, identifierColumns, type CsvColumns } from './csv-input'
import { InputError, MAX_LINE_BYTES, openInput, splitLines, type InputFile } from './input-file'
import { JsonArrayElements } from './json-array'

export { InputError } from './input-file'

export const INPUT_FORMATS = ['jsonl', 'csv', 'json'] as const
export type InputFormat = (typeof INPUT_FORMATS)[number]

export interface InputBatch {
  events: SegmentEvent[]
  /** The input line each event starts on, index for index. */
  lineNumbers: number[]
  /** Records of this stretch of the file that were not an event (not JSON, not a readable CSV row, too long). */
  unreadable: { count: number; sampleLineNumbers: number[] }
  /** Events beyond the batch size, folded in so that no batch after it falls under TTD's minimum. */
  folded: number
  /** Where reading stands once this batch is out, for the progress display. */
  position: { eventsRead: number; bytesRead: number; fileBytes: number }
}

export interface InputSource {
  path: string
  format: InputFormat
  /** For CSV rows: the audience key the wrapped events carry (the segment name). */
  audienceKey?: string
  /** Told where reading stands after each chunk of the file, for a live progress display. */
  onPosition?: (position: InputBatch['position']) => void
}

/** What the start of the file says: its format, and for a CSV the identifier columns of its header. */
export interface InputShape {
  format: InputFormat
  gzip: boolean
  csvColumns?: CsvColumns
}

const SAMPLE_LINES = 5
/** Enough of the content to tell JSON from CSV from binary. */
const HEAD_BYTES = 64 * 1024

/**
 * Reads the start of the input (decompressed when gzip) and decides its format: the given one, else JSON when the
 * content starts with `[` (an array) or `{` (one event per line), else CSV for text, whatever the extension; a
 * file that holds neither (binary, or a .json that is not JSON) is one InputError.
 */
export async function inspectInput(path: string, given?: InputFormat): Promise<InputShape> {
  const file = await openInput(path)
  let head: Buffer
  try {
    head = await readHead(file)
  } finally {
    file.close()
  }
  const what = file.gzip ? `The input ${path} (gzip)` : `The input ${path}`
  if (head.includes(0) || !isUtf8Text(head)) {
    throw new InputError(
      `${what} is neither JSON nor CSV text: it looks binary. Give events as JSON lines or a JSON array, or a CSV ` +
        'with a header line, optionally gzip-compressed.'
    )
  }
  const text = head.toString('utf8').replace(/^\uFEFF/, '')
  const first = text.trimStart().charAt(0)
  const extension = extname(path.replace(/\.gz$/i, '')).toLowerCase()
  let format: InputFormat
  if (given) format = given
  else if (first === '[') format = 'json'
  else if (first === '{') format = 'jsonl'
  // An empty export is not a usage error: the sync runs, finds no audience event and says so (exit 4).
  else if (first === '') return { format: 'jsonl', gzip: file.gzip }
  else if (extension === '.json' || extension === '.jsonl' || extension === '.ndjson') {
    throw new InputError(`${what} is not JSON: it should start with "[" (an array of events) or "{" (one per line).`)
  } else format = 'csv'

  const headerLine = text.split('\n').find((line) => line.trim() !== '')
  if (format !== 'csv' || headerLine === undefined) return { format, gzip: file.gzip }
  if (headerLine.length >= HEAD_BYTES - 1) throw new InputError(`${what} has no readable CSV header line.`)
  const names = headerNames(headerLine.replace(/\r$/, ''))
  const csvColumns = identifierColumns(names)
  if (csvColumns.email === undefined && csvColumns.phone === undefined) {
    throw new InputError(
      `${what} was read as CSV, but its header has no email or phone column. Columns found: ${describeColumns(names)}. ` +
        'Name the column "email" or "phone" (or e.g. "Email Address", "phone_number"), or pass --format.'
    )
  }
  return { format, gzip: file.gzip, csvColumns }
}

async function readHead(file: InputFile): Promise<Buffer> {
  const parts: Buffer[] = []
  let size = 0
  for await (const chunk of file.chunks()) {
    parts.push(chunk)
    size += chunk.length
    if (size >= HEAD_BYTES) break
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES)
}

/** Valid UTF-8, allowing a multi-byte character cut at the end of the head. */
function isUtf8Text(head: Buffer): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  for (let cut = 0; cut < 4 && cut < head.length; cut++) {
    try {
      decoder.decode(head.subarray(0, head.length - cut))
      return true
    } catch {
      // try again without the last bytes, in case a character was cut in two
    }
  }
  return head.length === 0
}

/** One record of the input: an event, or an unreadable record, with the line it starts on. */
type Item = { number: number; event: SegmentEvent | undefined }

/**
 * Streams the file and yields one batch at a time: at most `batchSize` + 1,500 events are held in memory, and
 * the next records are read only once the caller asks for the next batch. A batch is let go only once 1,500
 * more events are waiting behind it, so the last one never falls under TTD's minimum when the input allows:
 * when fewer remain at the end, they are folded into the last batch (at most `batchSize` + 1,500 events).
 */
export async function* readBatches(source: InputSource, batchSize: number): AsyncGenerator<InputBatch> {
  const file = await openInput(source.path)
  let events: SegmentEvent[] = []
  let lineNumbers: number[] = []
  let unreadable = { count: 0, sampleLineNumbers: [] as number[] }
  let eventsRead = 0
  const position = () => ({ eventsRead, bytesRead: file.position(), fileBytes: file.size })
  const hold = batchSize + MIN_DISTINCT_IDENTIFIERS
  const cut = (size: number): InputBatch => {
    const batch: InputBatch = {
      events: events.slice(0, size),
      lineNumbers: lineNumbers.slice(0, size),
      unreadable,
      folded: Math.max(0, size - batchSize),
      position: position()
    }
    events = events.slice(size)
    lineNumbers = lineNumbers.slice(size)
    unreadable = { count: 0, sampleLineNumbers: [] }
    return batch
  }

  try {
    for await (const items of records(source, file)) {
      for (const item of items) {
        if (item.event) {
          events.push(item.event)
          lineNumbers.push(item.number)
          eventsRead++
        } else {
          unreadable.count++
          if (unreadable.sampleLineNumbers.length < SAMPLE_LINES) unreadable.sampleLineNumbers.push(item.number)
        }
      }
      source.onPosition?.(position())
      while (events.length >= hold) yield cut(batchSize)
    }
    if (events.length > 0 || unreadable.count > 0) yield cut(events.length)
  } finally {
    file.close()
  }
}

function records(source: InputSource, file: InputFile): AsyncGenerator<Item[]> {
  if (source.format === 'json') return jsonArrayItems(file)
  if (source.format === 'csv') return csvItems(file, source.audienceKey ?? 'audience')
  return jsonLineItems(file)
}

async function* jsonLineItems(file: InputFile): AsyncGenerator<Item[]> {
  for await (const lines of splitLines(file.chunks(), MAX_LINE_BYTES)) {
    const items: Item[] = []
    for (const line of lines) {
      if (line.text !== undefined && line.text.trim() === '') continue
      items.push({ number: line.number, event: line.text === undefined ? undefined : parseEvent(line.text) })
    }
    yield items
  }
}

async function* jsonArrayItems(file: InputFile): AsyncGenerator<Item[]> {
  const elements = new JsonArrayElements()
  const toItems = (list: ReturnType<JsonArrayElements['push']>): Item[] =>
    list.map(({ number, text }) => ({ number, event: text === undefined ? undefined : parseEvent(text) }))
  for await (const chunk of file.chunks()) yield toItems(elements.push(chunk))
  yield toItems(elements.end())
}

async function* csvItems(file: InputFile, audienceKey: string): AsyncGenerator<Item[]> {
  const csv = new CsvRecords()
  let columns: CsvColumns | undefined
  const toItems = (rows: ReturnType<CsvRecords['push']>): Item[] => {
    const items: Item[] = []
    for (const row of rows) {
      if (!columns && row.fields) {
        columns = identifierColumns(row.fields.map((name) => name.trim()))
        continue
      }
      items.push({
        number: row.number,
        event: row.fields && columns ? csvEvent(row.fields, columns, audienceKey, row.number) : undefined
      })
    }
    return items
  }
  for await (const lines of splitLines(file.chunks(), MAX_LINE_BYTES)) yield toItems(csv.push(lines))
  yield toItems(csv.end())
}

function parseEvent(text: string): SegmentEvent | undefined {
  try {
    const value: unknown = JSON.parse(text)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
    return value as SegmentEvent
  } catch {
    return undefined
  }
}

/** Wraps a CSV row into the `Audience Entered` event Engage would send for that person. */
function csvEvent(fields: string[], columns: CsvColumns, audienceKey: string, lineNumber: number): SegmentEvent {
  const email = columns.email === undefined ? undefined : fields[columns.email]?.trim()
  const phone = columns.phone === undefined ? undefined : fields[columns.phone]?.trim()
  return engageEvent(audienceKey, {
    email: email || undefined,
    phone: phone || undefined,
    extra: { messageId: `csv-line-${lineNumber}` }
  })
}
