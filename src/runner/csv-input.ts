import { parse, type Parser } from 'csv-parse'
import { parse as parseSync } from 'csv-parse/sync'
import { MAX_LINE_BYTES, type Line } from './input-file'

/** Where each column the runner reads sits in a row (0-based). */
export interface CsvColumns {
  email?: number
  phone?: number
  /** `--country-column`: each row's country, for phone numbers written without their country code. */
  country?: number
}

/** How a CSV is written: its delimiter and its header's columns. */
export interface CsvDialect {
  delimiter: string
  /** Fields in the header: a record that spans lines and holds another count is a quote left open. */
  headerFields: number
  columns: CsvColumns
}

/** The delimiters exports use; the header line decides among them (or `--delimiter`). */
export const DELIMITERS: { name: string; char: string }[] = [
  { name: 'comma', char: ',' },
  { name: 'semicolon', char: ';' },
  { name: 'tab', char: '\t' },
  { name: 'pipe', char: '|' }
]

/** Header names, compared without case, spaces or punctuation, that hold each identifier. */
const EMAIL_HEADERS = ['email', 'emailaddress', 'mail', 'emails', 'useremail', 'primaryemail', 'contactemail']
const PHONE_HEADERS = [
  'phone',
  'phonenumber',
  'phones',
  'mobile',
  'mobilephone',
  'mobilenumber',
  'cell',
  'cellphone',
  'telephone',
  'tel',
  'msisdn'
]
export const HEADER_ALIASES = { email: EMAIL_HEADERS, phone: PHONE_HEADERS }

const PARSER_OPTIONS = { relax_quotes: true, relax_column_count: true } as const

function headerKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '')
}

/** Splits one line into its fields (csv-parse, so quoted names with delimiters work). */
export function headerNames(line: string, delimiter = ','): string[] {
  try {
    const [names] = parseSync(line, { ...PARSER_OPTIONS, delimiter }) as string[][]
    return (names ?? []).map((name) => name.trim())
  } catch {
    return [line]
  }
}

/** Columns chosen by name (`--email-column` and the like): the exact name first, then the name in any case. */
export interface ColumnChoice {
  email?: string
  phone?: string
  country?: string
}

/** The email and phone columns: the ones named by `chosen`, else the first whose name is a usual alias. */
export function identifierColumns(names: string[], chosen: ColumnChoice = {}): CsvColumns {
  const columns: CsvColumns = {}
  const keys = names.map(headerKey)
  for (const kind of ['email', 'phone'] as const) {
    const index =
      chosen[kind] === undefined
        ? keys.findIndex((key) => HEADER_ALIASES[kind].includes(key))
        : named(names, chosen[kind])
    if (index !== -1) columns[kind] = index
  }
  if (chosen.country !== undefined) {
    const index = named(names, chosen.country)
    if (index !== -1) columns.country = index
  }
  return columns
}

function named(names: string[], wanted: string): number {
  const exact = names.indexOf(wanted.trim())
  if (exact !== -1) return exact
  const lower = wanted.trim().toLowerCase()
  return names.findIndex((name) => name.toLowerCase() === lower)
}

/**
 * The delimiter of a header line: among comma, semicolon, tab and pipe, one whose columns include an identifier
 * column (the chosen ones, else a usual name), the one giving the most columns if several do; when none does, the
 * one giving the most columns, so the error can list them. A header of one column reads as comma-separated.
 */
export function detectDelimiter(headerLine: string, chosen: ColumnChoice = {}): string {
  let best: { char: string; fields: number; identifier: boolean } = { char: ',', fields: 1, identifier: false }
  for (const { char } of DELIMITERS) {
    const names = headerNames(headerLine, char)
    const columns = identifierColumns(names, chosen)
    const identifier = columns.email !== undefined || columns.phone !== undefined
    const better = (identifier && !best.identifier) || (identifier === best.identifier && names.length > best.fields)
    if (better) best = { char, fields: names.length, identifier }
  }
  return best.char
}

/**
 * How a header without an identifier column is described: its names, except ones that look like an email address
 * or a phone number (a file without a header), which are never printed.
 */
export function describeColumns(names: string[]): string {
  const shown = names.slice(0, 20).map((name) => {
    if (name.includes('@')) return '(an email address: is the header line missing?)'
    if (/^\+?[\d\s().-]{7,}$/.test(name)) return '(a phone number: is the header line missing?)'
    return JSON.stringify(name.length > 40 ? name.slice(0, 40) + '…' : name)
  })
  return shown.join(', ') + (names.length > 20 ? `, and ${names.length - 20} more` : '')
}

/** Why a CSV record was not read as a row; stable codes for --json and --rejects. */
export type CsvProblem = 'CSV_UNREADABLE' | 'OPEN_QUOTE' | 'LINE_TOO_LONG'

export interface CsvRow {
  /** The line the record starts on. */
  number: number
  /** The line it ends on (the same for a record of one line). */
  lastLine: number
  /** Undefined when the record was not read: `problem` says why. */
  fields: string[] | undefined
  problem?: CsvProblem
}

/** A record handed to the parser: its lines, kept only when there are several (to judge it). */
type Sent = { first: number; last: number; lines?: string[] }

/**
 * Turns lines into CSV records with csv-parse. Records are first delimited here, so that memory stays bounded and
 * a stray quote cannot swallow lines unseen:
 *
 * - A quoted field may span lines. A record still open after MAX_LINE_BYTES, or at the end of the input, is a quote
 *   never closed: its first line is held back (`OPEN_QUOTE`) and the lines after it are read again as records of
 *   their own, so it costs one line, not the rest of the file.
 * - A record that spans lines and closes is held back whole (`OPEN_QUOTE`, with its first and last line) when it
 *   does not read as one row: csv-parse refuses it, its field count differs from the header's, or a line inside it
 *   reads on its own as a row of the file (the header's field count and an identifier in its column). That is a
 *   quote opened by mistake that a later quote closed; which lines were meant is a guess the runner does not make.
 *   A genuine line break inside a quoted field (an address, a note) passes these checks.
 *
 * Each complete record goes to one streaming csv-parse parser, which does the actual parsing (quotes, escapes, a
 * byte order mark, ragged rows).
 */
export class CsvRecords {
  private readonly parser: Parser
  private readonly queue: Sent[] = []
  private readonly out: CsvRow[] = []
  private readonly delimiterCode: number
  private open: Line[] = []
  private openBytes = 0
  private openQuote = false

  constructor(private readonly dialect: CsvDialect) {
    this.delimiterCode = dialect.delimiter.charCodeAt(0)
    this.parser = parse({
      ...PARSER_OPTIONS,
      delimiter: dialect.delimiter,
      skip_records_with_error: true,
      on_skip: () => {
        this.skipped()
        return undefined
      }
    })
    this.parser.on('error', () => undefined)
  }

  push(lines: Line[]): CsvRow[] {
    for (const line of lines) this.take(line)
    return this.drain()
  }

  end(): CsvRow[] {
    // A quote still open at the end of the file: its first line is held back, the rest are records.
    while (this.open.length > 0) this.abandonOpenRecord()
    this.parser.end()
    return this.drain()
  }

  private take(line: Line): void {
    if (line.text === undefined) {
      if (this.open.length > 0) {
        this.abandonOpenRecord()
        return this.take(line)
      }
      this.out.push({ number: line.number, lastLine: line.number, fields: undefined, problem: 'LINE_TOO_LONG' })
      return
    }
    if (this.open.length === 0 && line.text.trim() === '') return
    this.open.push(line)
    this.openBytes += line.text.length + 1
    this.openQuote = quoteOpenAfter(line.text, this.open.length > 1 && this.openQuote, this.delimiterCode)
    if (!this.openQuote) return this.send()
    if (this.openBytes > MAX_LINE_BYTES) this.abandonOpenRecord()
  }

  private send(): void {
    const texts = this.open.map((line) => line.text as string)
    const first = this.open[0].number
    const last = this.open[this.open.length - 1].number
    this.queue.push(texts.length > 1 ? { first, last, lines: texts } : { first, last })
    this.parser.write(texts.join('\n') + '\n')
    this.open = []
    this.openBytes = 0
    this.openQuote = false
    this.collect()
  }

  private abandonOpenRecord(): void {
    const [first, ...rest] = this.open
    this.out.push({ number: first.number, lastLine: first.number, fields: undefined, problem: 'OPEN_QUOTE' })
    this.open = []
    this.openBytes = 0
    this.openQuote = false
    for (const line of rest) this.take(line)
  }

  private skipped(): void {
    const sent = this.queue.shift()
    if (!sent) return
    const problem = sent.lines ? 'OPEN_QUOTE' : 'CSV_UNREADABLE'
    this.out.push({ number: sent.first, lastLine: sent.last, fields: undefined, problem })
  }

  private collect(): void {
    for (let record = this.parser.read() as string[] | null; record !== null; record = this.parser.read()) {
      const sent = this.queue.shift() ?? { first: 0, last: 0 }
      const held = sent.lines !== undefined && !this.readsAsOneRow(record, sent.lines)
      this.out.push(
        held
          ? { number: sent.first, lastLine: sent.last, fields: undefined, problem: 'OPEN_QUOTE' }
          : { number: sent.first, lastLine: sent.last, fields: record }
      )
    }
  }

  /** A record spanning `lines` is one row when it has the header's field count and no line inside is a row. */
  private readsAsOneRow(record: string[], lines: string[]): boolean {
    if (record.length !== this.dialect.headerFields) return false
    const { email, phone } = this.dialect.columns
    const column = email ?? phone
    if (column === undefined) return true
    const looksLikeIdentifier = email !== undefined ? (text: string) => text.includes('@') : isPhoneLike
    return !lines.slice(1).some((line) => {
      const fields = headerNames(line, this.dialect.delimiter)
      return fields.length === this.dialect.headerFields && looksLikeIdentifier(fields[column] ?? '')
    })
  }

  private drain(): CsvRow[] {
    this.collect()
    return this.out.splice(0)
  }
}

function isPhoneLike(text: string): boolean {
  return (text.match(/\d/g)?.length ?? 0) >= 7
}

/**
 * Whether a record is still inside a quoted field at the end of this line, following csv-parse's reading with
 * relaxed quotes: a quote opens a field only at its start, and `""` inside a quoted field is a quote.
 */
export function quoteOpenAfter(text: string, startsInQuote: boolean, delimiterCode = 44): boolean {
  let inQuote = startsInQuote
  let fieldStart = !startsInQuote
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inQuote) {
      if (c !== 34) continue
      if (text.charCodeAt(i + 1) === 34) i++
      else {
        inQuote = false
        fieldStart = false
      }
    } else if (c === delimiterCode) fieldStart = true
    else if (c === 34 && fieldStart) inQuote = true
    else fieldStart = false
  }
  return inQuote
}
