import { parse, type Parser } from 'csv-parse'
import { parse as parseSync } from 'csv-parse/sync'
import { MAX_LINE_BYTES, type Line } from './input-file'

export interface CsvColumns {
  email?: number
  phone?: number
}

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

/** Splits one header line into its column names (csv-parse, so quoted names with commas work). */
export function headerNames(line: string): string[] {
  try {
    const [names] = parseSync(line, PARSER_OPTIONS) as string[][]
    return (names ?? []).map((name) => name.trim())
  } catch {
    return [line]
  }
}

/** The first column whose name is an alias of each identifier. */
export function identifierColumns(names: string[]): CsvColumns {
  const keys = names.map(headerKey)
  const columns: CsvColumns = {}
  const email = keys.findIndex((key) => EMAIL_HEADERS.includes(key))
  const phone = keys.findIndex((key) => PHONE_HEADERS.includes(key))
  if (email !== -1) columns.email = email
  if (phone !== -1) columns.phone = phone
  return columns
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

export interface CsvRow {
  /** The line the record starts on. */
  number: number
  /** Undefined when the record could not be read (too long, or a quote never closed within the size limit). */
  fields: string[] | undefined
}

/**
 * Turns lines into CSV records with csv-parse. Records are first delimited here, only so that memory stays
 * bounded: a quoted field may span lines, but a record still open after MAX_LINE_BYTES counts as one unreadable
 * line and the lines after its first are read again as records of their own (a stray quote loses one line, not
 * the rest of the file). Each complete record is then handed to one streaming csv-parse parser, which does the
 * actual parsing (quotes, escapes, a byte order mark, ragged rows).
 */
export class CsvRecords {
  private readonly parser: Parser
  private readonly queue: number[] = []
  private readonly out: CsvRow[] = []
  private open: Line[] = []
  private openBytes = 0
  private openQuote = false

  constructor() {
    this.parser = parse({
      ...PARSER_OPTIONS,
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
    // A quote still open at the end of the file: its first line is unreadable, the rest are records.
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
      this.out.push({ number: line.number, fields: undefined })
      return
    }
    if (this.open.length === 0 && line.text.trim() === '') return
    this.open.push(line)
    this.openBytes += line.text.length + 1
    this.openQuote = quoteOpenAfter(line.text, this.open.length > 1 && this.openQuote)
    if (!this.openQuote) return this.send()
    if (this.openBytes > MAX_LINE_BYTES) this.abandonOpenRecord()
  }

  private send(): void {
    this.queue.push(this.open[0].number)
    this.parser.write(this.open.map((line) => line.text).join('\n') + '\n')
    this.open = []
    this.openBytes = 0
    this.openQuote = false
    this.collect()
  }

  private abandonOpenRecord(): void {
    const [first, ...rest] = this.open
    this.out.push({ number: first.number, fields: undefined })
    this.open = []
    this.openBytes = 0
    this.openQuote = false
    for (const line of rest) this.take(line)
  }

  private skipped(): void {
    const number = this.queue.shift()
    if (number !== undefined) this.out.push({ number, fields: undefined })
  }

  private collect(): void {
    for (let record = this.parser.read() as string[] | null; record !== null; record = this.parser.read()) {
      const number = this.queue.shift() ?? 0
      this.out.push({ number, fields: record })
    }
  }

  private drain(): CsvRow[] {
    this.collect()
    return this.out.splice(0)
  }
}

/**
 * Whether a record is still inside a quoted field at the end of this line, following csv-parse's reading with
 * relaxed quotes: a quote opens a field only at its start, and `""` inside a quoted field is a quote.
 */
export function quoteOpenAfter(text: string, startsInQuote: boolean): boolean {
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
    } else if (c === 44) fieldStart = true
    else if (c === 34 && fieldStart) inQuote = true
    else fieldStart = false
  }
  return inQuote
}
