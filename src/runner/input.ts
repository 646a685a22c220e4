import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { SegmentEvent } from '@segment/actions-core'
import { AUDIENCE_ENTERED } from '../destinations/the-trade-desk-crm/constants'
import { identifierColumns, parseCsvLine, type CsvColumns } from './csv'
import type { InputFormat } from './args'

/** A problem with the input file as a whole (missing, no identifier column): the runner exits 2. */
export class InputError extends Error {
  override name = 'InputError'
}

export interface InputBatch {
  events: SegmentEvent[]
  /** Lines of this stretch of the file that were neither a JSON object nor a readable CSV row. */
  unreadable: { count: number; sampleLineNumbers: number[] }
}

export interface InputSource {
  path: string
  format: InputFormat
  /** For CSV rows: the audience key the wrapped events carry (the segment name). */
  audienceKey?: string
}

const SAMPLE_LINES = 5

/**
 * Streams the file and yields one batch at a time: at most `batchSize` lines (events plus unreadable
 * lines) are held in memory, and the next lines are read only once the caller asks for the next batch.
 * readline's async iterator pauses the file stream while its queue is full, which is what keeps memory
 * flat however large the file is.
 */
export async function* readBatches(source: InputSource, batchSize: number): AsyncGenerator<InputBatch> {
  const parse = source.format === 'csv' ? csvRowParser(source.audienceKey ?? 'audience') : parseJsonLine
  let events: SegmentEvent[] = []
  let unreadable = { count: 0, sampleLineNumbers: [] as number[] }
  let lineNumber = 0

  for await (const line of lines(source.path)) {
    lineNumber++
    if (line.trim() === '') continue
    const event = parse(line, lineNumber)
    if (event === 'header') continue
    if (event) {
      events.push(event)
    } else {
      unreadable.count++
      if (unreadable.sampleLineNumbers.length < SAMPLE_LINES) unreadable.sampleLineNumbers.push(lineNumber)
    }
    if (events.length + unreadable.count >= batchSize) {
      yield { events, unreadable }
      events = []
      unreadable = { count: 0, sampleLineNumbers: [] }
    }
  }
  if (events.length > 0 || unreadable.count > 0) yield { events, unreadable }
}

/** The identifier columns of a CSV file, read from its first non-empty line. */
export async function readCsvColumns(path: string): Promise<CsvColumns> {
  for await (const line of lines(path)) {
    if (line.trim() === '') continue
    const columns = identifierColumns(line)
    if (columns.email === undefined && columns.phone === undefined) {
      throw new InputError('The CSV header has no "email" or "phone" column.')
    }
    return columns
  }
  throw new InputError('The CSV file is empty: it needs a header with an "email" or "phone" column.')
}

async function* lines(path: string): AsyncGenerator<string> {
  const stream = createReadStream(path, { encoding: 'utf8' })
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', reject)
  })
  try {
    await opened
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new InputError(`Cannot read the input file ${path}${code ? ` (${code})` : ''}.`)
  }
  const reader = createInterface({ input: stream, crlfDelay: Infinity })
  try {
    yield* reader
  } finally {
    reader.close()
    stream.destroy()
  }
}

function parseJsonLine(line: string): SegmentEvent | undefined {
  try {
    const value: unknown = JSON.parse(line)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
    return value as SegmentEvent
  } catch {
    return undefined
  }
}

/** Wraps each CSV row into the `Audience Entered` event Engage would send for that person. */
function csvRowParser(audienceKey: string): (line: string, lineNumber: number) => SegmentEvent | 'header' | undefined {
  let columns: CsvColumns | undefined
  return (line, lineNumber) => {
    if (!columns) {
      columns = identifierColumns(line)
      return 'header'
    }
    const fields = parseCsvLine(line)
    if (!fields) return undefined
    const traits: Record<string, string> = {}
    const email = columns.email === undefined ? undefined : fields[columns.email]?.trim()
    const phone = columns.phone === undefined ? undefined : fields[columns.phone]?.trim()
    if (email) traits.email = email
    if (phone) traits.phone = phone
    return {
      type: 'track',
      event: AUDIENCE_ENTERED,
      messageId: `csv-line-${lineNumber}`,
      properties: { audience_key: audienceKey, [audienceKey]: true },
      context: { personas: { computation_class: 'audience', computation_key: audienceKey }, traits }
    }
  }
}
