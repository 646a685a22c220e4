import { extname } from 'node:path'
import type { SegmentEvent } from '@segment/actions-core'
import { MIN_DISTINCT_IDENTIFIERS } from '../destinations/the-trade-desk-crm/constants'
import { engageEvent } from '../engage-events/engage-event'
import {
  CsvRecords,
  describeColumns,
  detectDelimiter,
  headerNames,
  identifierColumns,
  type ColumnChoice,
  type CsvDialect,
  type CsvProblem
} from './csv-input'
import { chooseEncoding, type Encoding, type EncodingChoice } from './encoding'
import { HEAD_BYTES, InputError, MAX_LINE_BYTES, splitLines, type InputFile } from './input-file'
import { JsonArrayElements } from './json-array'
import { hasCountryCode, type NationalPhones } from './phone-country'

export { InputError } from './input-file'

export const INPUT_FORMATS = ['jsonl', 'csv', 'json'] as const
export type InputFormat = (typeof INPUT_FORMATS)[number]

/** Why a record of the input was not read as an event; stable codes for --json and --rejects. */
export type UnreadableCode = 'NOT_JSON_OBJECT' | CsvProblem

/** What each code means, in the summary and the rejects file. */
export const UNREADABLE_REASONS: Record<UnreadableCode, string> = {
  NOT_JSON_OBJECT: 'not a JSON object (an event)',
  LINE_TOO_LONG: `longer than ${MAX_LINE_BYTES / (1024 * 1024)} MB`,
  CSV_UNREADABLE: 'not a readable CSV row (a quote in the wrong place?)',
  OPEN_QUOTE: 'a quoted field left open: held back, since which lines were meant is a guess'
}

/** A record that is not an event: the lines it spans (one, unless a CSV quote ran across lines). */
export interface UnreadableRecord {
  line: number
  lastLine: number
  code: UnreadableCode
}

/** A row the runner refused before sending it (a phone number it could not place in its country). */
export interface RefusedEvent {
  line: number
  reason: string
}

/** Phone values seen, and how many of them lack their country code (no leading `+`). */
export interface PhoneCounts {
  present: number
  withoutCountryCode: number
}

export interface InputBatch {
  events: SegmentEvent[]
  /** The input line each event starts on, index for index. */
  lineNumbers: number[]
  /** Records of this stretch of the file that were not an event. */
  unreadable: UnreadableRecord[]
  /** Events of this stretch the runner refused itself; they count as events with an invalid identifier. */
  refused: RefusedEvent[]
  /** Phone values of this stretch's events, before any country was applied. */
  phones: PhoneCounts
  /** Events beyond the batch size, folded in so that no batch after it falls under TTD's minimum. */
  folded: number
  /** Where reading stands once this batch is out, for the progress display. */
  position: { eventsRead: number; bytesRead: number; fileBytes: number | undefined }
}

/** National phone numbers and the country to read them in: --default-country, --country-column. */
export interface PhoneCountries {
  phones: NationalPhones
  defaultCountry?: string
}

export interface InputSource {
  file: InputFile
  shape: InputShape
  /** For CSV rows: the audience key the wrapped events carry (the segment name). */
  audienceKey?: string
  /** Set when national phone numbers are to be given their country code. */
  countries?: PhoneCountries
  /** Told where reading stands after each chunk of the file, for a live progress display. */
  onPosition?: (position: InputBatch['position']) => void
}

/** What the options say about reading the input; each unset one is decided from the content. */
export interface InputRequest {
  format?: InputFormat
  encoding?: Encoding
  delimiter?: string
  columns?: ColumnChoice
}

/** What the start of the input says: its encoding, its format, and for a CSV its dialect and header. */
export interface InputShape {
  format: InputFormat
  gzip: boolean
  /** Nothing but blank lines (or nothing at all). */
  empty: boolean
  encoding: EncodingChoice
  csv?: CsvDialect & { names: string[] }
}

/** At most this many line numbers are kept per batch for the summary; every one goes to --rejects. */
const SPILL_RECORDS = 10_000

/**
 * Reads the start of the input (decompressed when gzip) and decides its encoding, then its format: the given one,
 * else JSON when the content starts with `[` (an array) or `{` (one event per line), else CSV for text, whatever
 * the extension. For a CSV, the header line decides the delimiter and the identifier columns. An input that holds
 * neither (binary, or a .json that is not JSON) or a CSV without the columns asked for is one InputError.
 */
export async function inspectInput(file: InputFile, request: InputRequest = {}): Promise<InputShape> {
  const head = await file.head()
  const what = file.gzip ? `The input ${file.label} (gzip)` : `The input ${file.label}`
  const choice = chooseEncoding(head, request.encoding)
  if (choice === undefined) {
    throw new InputError(
      `${what} is neither JSON nor CSV text: it looks binary. Give events as JSON lines or a JSON array, or a CSV ` +
        'with a header line, optionally gzip-compressed; for text in another encoding, pass --encoding.',
      'INPUT_BINARY'
    )
  }
  if ('conflict' in choice) {
    throw new InputError(
      `${what} starts with a ${choice.conflict.toUpperCase()} byte order mark, but --encoding says ` +
        `${request.encoding}: leave out --encoding, or check the file.`,
      'ENCODING_CONFLICT'
    )
  }
  const encoding = choice
  // TextDecoder drops a byte order mark of its encoding, the one chooseEncoding took it from.
  const text = new TextDecoder(encoding.encoding).decode(head)
  const first = text.trimStart().charAt(0)
  const extension = file.isStdin ? '' : extname(file.label.replace(/\.gz$/i, '')).toLowerCase()
  const csvOnly = csvOptionsGiven(request)
  let format: InputFormat
  if (request.format) format = request.format
  else if (first === '[') format = 'json'
  else if (first === '{') format = 'jsonl'
  // An empty export is not a usage error: the sync runs, finds no audience event and says so (exit 4).
  else if (first === '') return { format: 'jsonl', gzip: file.gzip, empty: true, encoding }
  else if (extension === '.json' || extension === '.jsonl' || extension === '.ndjson') {
    throw new InputError(
      `${what} is not JSON: it should start with "[" (an array of events) or "{" (one per line).`,
      'INPUT_NOT_JSON'
    )
  } else format = 'csv'
  if (format !== 'csv') {
    if (csvOnly) {
      throw new InputError(
        `${csvOnly} reads a CSV, but the input ${file.label} is ${format === 'json' ? 'a JSON array' : 'JSON lines'}: ` +
          `leave out ${csvOnly}, or pass --format csv.`,
        'CSV_OPTION_NOT_CSV'
      )
    }
    return { format, gzip: file.gzip, empty: false, encoding }
  }

  const headerLine = text
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.replace(/\r$/, '')
  if (headerLine === undefined) return { format, gzip: file.gzip, empty: true, encoding }
  if (Buffer.byteLength(headerLine) >= HEAD_BYTES - 4) {
    throw new InputError(`${what} has no readable CSV header line.`, 'CSV_NO_HEADER')
  }
  const chosen = request.columns ?? {}
  const delimiter = request.delimiter ?? detectDelimiter(headerLine, chosen)
  const names = headerNames(headerLine, delimiter)
  const columns = identifierColumns(names, chosen)
  for (const [kind, option] of [
    ['email', '--email-column'],
    ['phone', '--phone-column'],
    ['country', '--country-column']
  ] as const) {
    if (chosen[kind] !== undefined && columns[kind] === undefined) {
      throw new InputError(
        `${what} has no column named ${JSON.stringify(chosen[kind])} (${option}). Columns found: ` +
          `${describeColumns(names)}.`,
        'CSV_COLUMN_NOT_FOUND'
      )
    }
  }
  if (columns.email === undefined && columns.phone === undefined) {
    throw new InputError(
      `${what} was read as CSV, but its header has no email or phone column. Columns found: ${describeColumns(names)}. ` +
        'Choose one with --email-column or --phone-column, name it "email" or "phone" (or e.g. "Email Address", ' +
        '"phone_number"), or pass --format.',
      'CSV_NO_IDENTIFIER_COLUMN'
    )
  }
  return {
    format,
    gzip: file.gzip,
    empty: false,
    encoding,
    csv: { delimiter, headerFields: names.length, columns, names }
  }
}

/** The first CSV-only option given, to refuse it for JSON input. */
function csvOptionsGiven(request: InputRequest): string | undefined {
  if (request.delimiter !== undefined) return '--delimiter'
  if (request.columns?.email !== undefined) return '--email-column'
  if (request.columns?.phone !== undefined) return '--phone-column'
  if (request.columns?.country !== undefined) return '--country-column'
  return undefined
}

/** One record of the input: an event, a row refused, or an unreadable record, with the lines it spans. */
type Item =
  | { kind: 'event'; line: number; event: SegmentEvent; phone?: string }
  | { kind: 'refused'; line: number; reason: string; phone?: string }
  | { kind: 'unreadable'; line: number; lastLine: number; code: UnreadableCode }

/**
 * Streams the input and yields one batch at a time: at most `batchSize` + 1,500 events are held in memory, and
 * the next records are read only once the caller asks for the next batch. A batch is let go only once 1,500
 * more events are waiting behind it, so the last one never falls under TTD's minimum when the input allows:
 * when fewer remain at the end, they are folded into the last batch (at most `batchSize` + 1,500 events).
 * Unreadable and refused records travel with the batch they were read with; when many pile up with no events
 * (a file of garbage), they leave in batches of their own, so memory stays bounded either way.
 */
export async function* readBatches(source: InputSource, batchSize: number): AsyncGenerator<InputBatch> {
  const { file } = source
  let events: SegmentEvent[] = []
  let lineNumbers: number[] = []
  let unreadable: UnreadableRecord[] = []
  let refused: RefusedEvent[] = []
  let phones: PhoneCounts = { present: 0, withoutCountryCode: 0 }
  let eventsRead = 0
  const position = () => ({ eventsRead, bytesRead: file.position(), fileBytes: file.size })
  const hold = batchSize + MIN_DISTINCT_IDENTIFIERS
  const cut = (size: number): InputBatch => {
    const batch: InputBatch = {
      events: events.slice(0, size),
      lineNumbers: lineNumbers.slice(0, size),
      unreadable,
      refused,
      phones,
      folded: Math.max(0, size - batchSize),
      position: position()
    }
    events = events.slice(size)
    lineNumbers = lineNumbers.slice(size)
    unreadable = []
    refused = []
    phones = { present: 0, withoutCountryCode: 0 }
    return batch
  }
  const countPhone = (phone: string | undefined) => {
    if (phone === undefined || phone.trim() === '') return
    phones.present++
    if (!hasCountryCode(phone)) phones.withoutCountryCode++
  }

  try {
    for await (const items of records(source)) {
      for (const item of items) {
        if (item.kind === 'unreadable') {
          unreadable.push({ line: item.line, lastLine: item.lastLine, code: item.code })
          continue
        }
        countPhone(item.phone)
        eventsRead++
        if (item.kind === 'refused') refused.push({ line: item.line, reason: item.reason })
        else {
          events.push(item.event)
          lineNumbers.push(item.line)
        }
      }
      source.onPosition?.(position())
      while (events.length >= hold) yield cut(batchSize)
      if (unreadable.length + refused.length >= SPILL_RECORDS) yield cut(0)
    }
    if (events.length > 0 || unreadable.length > 0 || refused.length > 0) yield cut(events.length)
  } finally {
    file.close()
  }
}

function records(source: InputSource): AsyncGenerator<Item[]> {
  const text = source.file.text(source.shape.encoding.encoding)
  if (source.shape.format === 'json') return jsonArrayItems(text, source.countries)
  if (source.shape.format === 'csv' && source.shape.csv) {
    return csvItems(text, source.shape.csv, source.audienceKey ?? 'audience', source.countries)
  }
  return jsonLineItems(text, source.countries)
}

async function* jsonLineItems(text: AsyncIterable<Buffer>, countries?: PhoneCountries): AsyncGenerator<Item[]> {
  for await (const lines of splitLines(text, MAX_LINE_BYTES)) {
    const items: Item[] = []
    for (const line of lines) {
      if (line.text !== undefined && line.text.trim() === '') continue
      items.push(
        line.text === undefined
          ? { kind: 'unreadable', line: line.number, lastLine: line.number, code: 'LINE_TOO_LONG' }
          : eventItem(line.number, line.text, countries)
      )
    }
    yield items
  }
}

async function* jsonArrayItems(text: AsyncIterable<Buffer>, countries?: PhoneCountries): AsyncGenerator<Item[]> {
  const elements = new JsonArrayElements()
  const toItems = (list: ReturnType<JsonArrayElements['push']>): Item[] =>
    list.map(({ number, text: json, tooLong }) =>
      json === undefined
        ? { kind: 'unreadable', line: number, lastLine: number, code: tooLong ? 'LINE_TOO_LONG' : 'NOT_JSON_OBJECT' }
        : eventItem(number, json, countries)
    )
  for await (const chunk of text) yield toItems(elements.push(chunk))
  yield toItems(elements.end())
}

async function* csvItems(
  text: AsyncIterable<Buffer>,
  dialect: CsvDialect,
  audienceKey: string,
  countries?: PhoneCountries
): AsyncGenerator<Item[]> {
  const csv = new CsvRecords(dialect)
  let header = true
  const toItems = (rows: ReturnType<CsvRecords['push']>): Item[] => {
    const items: Item[] = []
    for (const row of rows) {
      if (header && row.fields) {
        // The header: inspectInput read it already.
        header = false
        continue
      }
      items.push(
        row.fields
          ? csvItem(row.fields, dialect, audienceKey, row.number, countries)
          : { kind: 'unreadable', line: row.number, lastLine: row.lastLine, code: row.problem ?? 'CSV_UNREADABLE' }
      )
    }
    return items
  }
  for await (const lines of splitLines(text, MAX_LINE_BYTES)) yield toItems(csv.push(lines))
  yield toItems(csv.end())
}

/** A JSON line or array element as an event, its phone given its country when asked. */
function eventItem(line: number, json: string, countries?: PhoneCountries): Item {
  const event = parseEvent(json)
  if (!event) return { kind: 'unreadable', line, lastLine: line, code: 'NOT_JSON_OBJECT' }
  const traits = event.context?.traits as Record<string, unknown> | undefined
  const phone = typeof traits?.phone === 'string' ? traits.phone : undefined
  if (!countries || phone === undefined || !traits) return { kind: 'event', line, event, phone }
  const result = countries.phones.normalize(phone, undefined, countries.defaultCountry)
  if (!result.ok) return { kind: 'refused', line, reason: result.reason, phone }
  traits.phone = result.value
  return { kind: 'event', line, event, phone }
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
function csvItem(
  fields: string[],
  dialect: CsvDialect,
  audienceKey: string,
  line: number,
  countries?: PhoneCountries
): Item {
  const { columns } = dialect
  const email = columns.email === undefined ? undefined : fields[columns.email]?.trim()
  const raw = columns.phone === undefined ? undefined : fields[columns.phone]?.trim()
  let phone = raw
  if (countries && raw) {
    const country = columns.country === undefined ? undefined : fields[columns.country]
    const result = countries.phones.normalize(raw, country, countries.defaultCountry)
    if (!result.ok) return { kind: 'refused', line, reason: result.reason, phone: raw }
    phone = result.value
  }
  const event = engageEvent(audienceKey, {
    email: email || undefined,
    phone: phone || undefined,
    extra: { messageId: `csv-line-${line}` }
  })
  return { kind: 'event', line, event, phone: raw }
}
