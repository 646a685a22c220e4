import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { MIN_DISTINCT_IDENTIFIERS } from '../../destinations/the-trade-desk-crm/constants'
import { describeColumns, headerNames, identifierColumns, quoteOpenAfter } from '../csv-input'
import { InputError, inspectInput, readBatches, type InputBatch, type InputFormat, type InputRequest } from '../input'
import { InputFile, MAX_LINE_BYTES, splitLines, type Line } from '../input-file'
import { engageEvent, tempDir, toJsonl } from '../../testing/audience-fixtures'

async function collect(iterable: AsyncIterable<InputBatch>): Promise<InputBatch[]> {
  const batches: InputBatch[] = []
  for await (const batch of iterable) batches.push(batch)
  return batches
}

async function inspect(path: string, request: InputRequest = {}) {
  return inspectInput(await InputFile.open(path), request)
}

/** Every event and unreadable line of a file, in one list, with the batch sizes. */
async function readAll(
  source: { path: string; format?: InputFormat; audienceKey?: string; request?: InputRequest },
  batchSize = 100_000
) {
  const file = await InputFile.open(source.path)
  const shape = await inspectInput(file, { format: source.format, ...source.request })
  const batches = await collect(readBatches({ file, shape, audienceKey: source.audienceKey }, batchSize))
  return {
    sizes: batches.map((batch) => batch.events.length),
    events: batches.flatMap((batch) => batch.events),
    lineNumbers: batches.flatMap((batch) => batch.lineNumbers),
    unreadable: batches.flatMap((batch) => batch.unreadable.map((record) => record.line)),
    unreadableRecords: batches.flatMap((batch) => batch.unreadable),
    unreadableCount: batches.reduce((sum, batch) => sum + batch.unreadable.length, 0),
    batches
  }
}

const files = tempDir()
afterAll(() => files.cleanup())

const emailsOf = (events: { context?: { traits?: Record<string, unknown> } }[]) =>
  events.map((event) => event.context?.traits?.email)

describe('CSV headers', () => {
  it.each([
    ['\uFEFFid, Email ,PHONE', { email: 1, phone: 2 }],
    ['Email Address,Phone Number', { email: 0, phone: 1 }],
    ['user_id,email_address,phone_number', { email: 1, phone: 2 }],
    ['"Mobile Phone",E-Mail', { email: 1, phone: 0 }],
    ['id,name', {}]
  ])('finds the identifier columns of %j', (line, columns) => {
    expect(identifierColumns(headerNames(line.replace(/^\uFEFF/, '')))).toEqual(columns)
  })

  it('lists found columns without ever printing an email or phone number', () => {
    expect(describeColumns(['id', 'name'])).toBe('"id", "name"')
    const described = describeColumns(['jane@example.com', '+1 415 555 0100'])
    expect(described).not.toContain('jane')
    expect(described).not.toContain('555')
    expect(described).toContain('is the header line missing?')
  })

  it('knows when a quoted field runs on to the next line', () => {
    expect(quoteOpenAfter('a,"b', false)).toBe(true)
    expect(quoteOpenAfter('a,"b""c",d', false)).toBe(false)
    expect(quoteOpenAfter('a,b"c', false)).toBe(false)
    expect(quoteOpenAfter('end of it",x', true)).toBe(false)
  })
})

describe('inspectInput', () => {
  it('tells the format by content, whatever the extension', async () => {
    const event = JSON.stringify(engageEvent('a@example.com'))
    expect(await inspect(files.write('a.txt', `${event}\n`))).toMatchObject({ format: 'jsonl', gzip: false })
    expect(await inspect(files.write('b.data', ` \n[${event}]`))).toMatchObject({ format: 'json', gzip: false })
    expect(await inspect(files.write('c.txt', 'Email Address\na@example.com\n'))).toMatchObject({
      format: 'csv',
      gzip: false,
      csv: { delimiter: ',', columns: { email: 0 } }
    })
    expect(await inspect(files.write('d.csv.gz', gzipSync('phone\n+14155550100\n')))).toMatchObject({
      format: 'csv',
      gzip: true,
      csv: { columns: { phone: 0 } }
    })
  })

  it('lets an empty file through as empty (whatever its extension), to be reported as holding no events', async () => {
    expect(await inspect(files.write('empty.csv', ''))).toMatchObject({ empty: true })
    expect(await inspect(files.write('blank.csv', '\n \n'))).toMatchObject({ empty: true })
  })

  it('follows --format over the content', async () => {
    expect((await inspect(files.write('e.csv', 'email\n'), { format: 'jsonl' })).format).toBe('jsonl')
  })

  it.each([
    [
      'binary',
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0xfe, 0x00]),
      /neither JSON nor CSV text: it looks binary/
    ],
    ['a .json that is not JSON', Buffer.from('hello'), /is not JSON/],
    ['a CSV without an identifier column', Buffer.from('id,name\n1,Jane\n'), /Columns found: "id", "name"/]
  ])('refuses %s with one clear error', async (name, content, message) => {
    const path = files.write(name === 'a .json that is not JSON' ? 'x.json' : `${name}.bin`, content)
    await expect(inspect(path)).rejects.toThrow(InputError)
    await expect(inspect(path)).rejects.toThrow(message)
  })

  it('refuses a directory and a missing file, in words, with a code', async () => {
    await expect(inspect(files.dir)).rejects.toMatchObject({ code: 'INPUT_NOT_A_FILE', message: /is a directory/ })
    await expect(inspect(files.dir + '/nope.jsonl')).rejects.toMatchObject({
      code: 'INPUT_NOT_FOUND',
      message: expect.stringMatching(/^Cannot read the input file .*nope\.jsonl: there is no such file\.$/)
    })
  })
})

describe('splitLines', () => {
  async function* chunks(parts: string[]) {
    for (const part of parts) yield Buffer.from(part)
  }
  async function lines(parts: string[], max: number): Promise<Line[]> {
    const out: Line[] = []
    for await (const list of splitLines(chunks(parts), max)) out.push(...list)
    return out
  }

  it('joins lines across chunks, drops CR and a byte order mark, and never holds a line over the limit', async () => {
    expect(await lines(['\uFEFFab', 'c\r\nde', 'f\nxxxxxxxxxx', 'xx\nlast'], 8)).toEqual([
      { number: 1, text: 'abc' },
      { number: 2, text: 'def' },
      { number: 3, text: undefined },
      { number: 4, text: 'last' }
    ])
  })

  it('keeps multi-byte characters cut between chunks', async () => {
    const bytes = Buffer.from('é@example.com\n')
    async function* split() {
      yield bytes.subarray(0, 1)
      yield bytes.subarray(1)
    }
    const out: Line[] = []
    for await (const list of splitLines(split(), 100)) out.push(...list)
    expect(out).toEqual([{ number: 1, text: 'é@example.com' }])
  })
})

describe('readBatches (JSON lines)', () => {
  it('yields batches of the requested size, skipping blank lines, with the line of each event', async () => {
    const events = Array.from({ length: 7 }, (_, i) => engageEvent(`person${i}@example.com`))
    const path = files.write('seven.jsonl', toJsonl(events).replace('\n', '\n\n  \n'))
    const read = await readAll({ path, format: 'jsonl' }, 3)
    // 7 events in batches of 3: all under the minimum anyway, so nothing is folded (3 + 1,500 > 7).
    expect(read.sizes).toEqual([7])
    expect(read.events[6]).toEqual(events[6])
    expect(read.lineNumbers).toEqual([1, 4, 5, 6, 7, 8, 9])
  })

  it('counts lines that are not JSON objects, or longer than the limit, as unreadable and goes on', async () => {
    const good = JSON.stringify(engageEvent('a@example.com'))
    const long = JSON.stringify(engageEvent('b@example.com', { phone: 'x'.repeat(MAX_LINE_BYTES) }))
    const path = files.write('mixed.jsonl', [good, '{not json', '[1,2]', 'null', long, good, '"text"'].join('\n'))
    const read = await readAll({ path, format: 'jsonl' })
    expect(read.events).toEqual([JSON.parse(good), JSON.parse(good)])
    expect(read.lineNumbers).toEqual([1, 6])
    expect(read.unreadable).toEqual([2, 3, 4, 5, 7])
  })

  it('reads gzip transparently', async () => {
    const events = Array.from({ length: 5 }, (_, i) => engageEvent(`gz${i}@example.com`))
    const path = files.write('people.jsonl.gz', gzipSync(toJsonl(events)))
    expect((await readAll({ path, format: 'jsonl' })).events).toEqual(events)
  })

  it('says when a gzip file is cut short', async () => {
    const events = Array.from({ length: 2000 }, (_, i) => engageEvent(`cut${i}@example.com`))
    const zipped = gzipSync(toJsonl(events))
    const path = files.write('cut.jsonl.gz', zipped.subarray(0, zipped.length - 200))
    await expect(readAll({ path, format: 'jsonl' })).rejects.toThrow(/gzip-compressed but corrupt or cut short/)
  })

  it('reads lazily: stopping after the first batch leaves the rest unread', async () => {
    const events = Array.from({ length: 4000 }, (_, i) => engageEvent(`lazy${i}@example.com`))
    const path = files.write('lazy.jsonl', toJsonl(events))
    const file = await InputFile.open(path)
    const iterator = readBatches({ file, shape: await inspectInput(file) }, 1500)
    const first = await iterator.next()
    expect(first.done).toBe(false)
    const batch = first.value as InputBatch
    expect(batch.events).toHaveLength(1500)
    expect(batch.position.fileBytes ?? 0).toBeGreaterThan(batch.position.bytesRead)
    await iterator.return(undefined)
    expect((await iterator.next()).done).toBe(true)
  })
})

describe('batch folding', () => {
  const path = (count: number) =>
    files.write(
      `fold-${count}.jsonl`,
      toJsonl(Array.from({ length: count }, (_, i) => engageEvent(`fold${i}@example.com`)))
    )

  it.each([
    // events, batch size, expected batch sizes, events folded into the last batch
    [6_000, 2_000, [2_000, 2_000, 2_000], 0],
    [6_400, 2_000, [2_000, 2_000, 2_400], 400],
    [7_499, 2_000, [2_000, 2_000, 3_499], 1_499],
    [7_500, 2_000, [2_000, 2_000, 2_000, 1_500], 0],
    [1_200, 2_000, [1_200], 0]
  ])('splits %i events in batches of %i as %j', async (count, size, sizes, folded) => {
    const read = await readAll({ path: path(count), format: 'jsonl' }, size)
    expect(read.sizes).toEqual(sizes)
    expect(read.batches.at(-1)?.folded).toBe(folded)
    expect(Math.max(...read.sizes)).toBeLessThanOrEqual(size + MIN_DISTINCT_IDENTIFIERS)
  })
})

describe('readBatches (JSON array)', () => {
  it('reads the body shape serve takes, element by element, with strings holding brackets and commas', async () => {
    const events = [engageEvent('a@example.com'), engageEvent('b]@example.com,{x'), engageEvent('c@example.com')]
    const text = '[\n' + events.map((event) => JSON.stringify(event, null, 2)).join(',\n') + '\n]\n'
    const read = await readAll({ path: files.write('array.json', text), format: 'json' })
    expect(read.events).toEqual(events)
    expect(read.lineNumbers[0]).toBe(2)
    expect(read.unreadableCount).toBe(0)
  })

  it('counts elements that are not objects, and text after the array, as unreadable', async () => {
    const event = JSON.stringify(engageEvent('a@example.com'))
    const read = await readAll({
      path: files.write('odd.json', `[${event}, 42, "x",\n ${event}] trailing`),
      format: 'json'
    })
    expect(read.events).toHaveLength(2)
    expect(read.unreadableCount).toBe(3)
  })

  it('counts an element over the line limit as unreadable and reads the next ones', async () => {
    const event = JSON.stringify(engageEvent('a@example.com'))
    const huge = JSON.stringify({ type: 'track', padding: 'x'.repeat(MAX_LINE_BYTES) })
    const read = await readAll({ path: files.write('huge.json', `[${huge},\n${event}]`), format: 'json' })
    expect(read.events).toEqual([JSON.parse(event)])
    expect(read.unreadable).toEqual([1])
  })

  it('counts an array cut short as one unreadable element', async () => {
    const event = JSON.stringify(engageEvent('a@example.com'))
    const read = await readAll({ path: files.write('cut.json', `[${event},\n{"type":"tr`), format: 'json' })
    expect(read.events).toHaveLength(1)
    expect(read.unreadable).toEqual([2])
  })
})

describe('readBatches (CSV)', () => {
  it('wraps each row into an Audience Entered event carrying the email and phone', async () => {
    const path = files.write(
      'people.csv',
      '\uFEFFname,Email Address,phone_number\r\n"Doe, Jane", Jane@Example.com ,"+1 415 555 0100"\r\nBob,,+44 20 7946 0000\r\n'
    )
    const read = await readAll({ path, format: 'csv', audienceKey: 'VIP' })
    expect(read.events).toEqual([
      {
        type: 'track',
        event: 'Audience Entered',
        messageId: 'csv-line-2',
        properties: { audience_key: 'VIP', VIP: true },
        context: {
          personas: { computation_class: 'audience', computation_key: 'VIP' },
          traits: { email: 'Jane@Example.com', phone: '+1 415 555 0100' }
        }
      },
      expect.objectContaining({ context: expect.objectContaining({ traits: { phone: '+44 20 7946 0000' } }) })
    ])
  })

  it('reads a quoted field with a line break, and loses only the line of a quote never closed', async () => {
    const path = files.write(
      'quotes.csv',
      [
        'email,note',
        'a@example.com,"two',
        'lines"',
        'c@example.com,x',
        'b@example.com,"never closed',
        'd@example.com,y'
      ].join('\n') + '\n'
    )
    const read = await readAll({ path, format: 'csv', audienceKey: 'VIP' })
    expect(emailsOf(read.events)).toEqual(['a@example.com', 'c@example.com', 'd@example.com'])
    expect(read.lineNumbers).toEqual([2, 4, 6])
    expect(read.unreadable).toEqual([5])
  })

  it('gives up on a quote still open after the line limit, losing only its first line', async () => {
    const filler = Array.from({ length: 40 }, () => 'y'.repeat(30_000))
    const path = files.write(
      'open-quote.csv',
      ['email,note', 'a@example.com,"opens', ...filler.map((text) => `${text}@example.com,x`), 'b@example.com,z'].join(
        '\n'
      )
    )
    const read = await readAll({ path, format: 'csv', audienceKey: 'VIP' })
    expect(read.unreadable).toEqual([2])
    expect(read.events).toHaveLength(41)
    expect(emailsOf(read.events).at(-1)).toBe('b@example.com')
  })

  it('reads gzip-compressed CSV', async () => {
    const path = files.write('people.csv.gz', gzipSync('email\na@example.com\nb@example.com\n'))
    expect(emailsOf((await readAll({ path, format: 'csv', audienceKey: 'VIP' })).events)).toEqual([
      'a@example.com',
      'b@example.com'
    ])
  })
})

describe('CSV as real tools export it', () => {
  const rows = (count: number, line: (i: number) => string) => Array.from({ length: count }, (_, i) => line(i))

  it.each([
    ['semicolons', ';'],
    ['tabs', '\t'],
    ['pipes', '|']
  ])('finds the delimiter from the header (%s) and reads the rows with it', async (_name, delimiter) => {
    const content = [
      ['Name', 'Email', 'Country'].join(delimiter),
      ['Doe, Jane', 'jane@example.com', 'FR'].join(delimiter)
    ]
    const path = files.write(`delimited-${delimiter.charCodeAt(0)}.csv`, content.join('\n') + '\n')
    const shape = await inspect(path)
    expect(shape.csv).toMatchObject({ delimiter, headerFields: 3, columns: { email: 1 } })
    expect(emailsOf((await readAll({ path, audienceKey: 'VIP' })).events)).toEqual(['jane@example.com'])
  })

  it('follows --delimiter over the header', async () => {
    const path = files.write('forced.csv', 'email;note\na@example.com;x\n')
    expect((await inspect(path, { delimiter: ';' })).csv?.delimiter).toBe(';')
    // Read with commas, the header is one column named "email;note", which is no identifier column.
    await expect(inspect(path, { delimiter: ',' })).rejects.toMatchObject({ code: 'CSV_NO_IDENTIFIER_COLUMN' })
  })

  it('takes the identifier columns named by --email-column and --phone-column, in any case', async () => {
    const path = files.write(
      'named.csv',
      'id,Email,Work Email,email_sha256,Mobile\n1,home@example.com,work@example.com,' +
        'a'.repeat(64) +
        ',+33612345678\n'
    )
    const work = await readAll({ path, audienceKey: 'VIP', request: { columns: { email: 'work email' } } })
    expect(emailsOf(work.events)).toEqual(['work@example.com'])
    const digest = await readAll({ path, audienceKey: 'VIP', request: { columns: { email: 'email_sha256' } } })
    expect(emailsOf(digest.events)).toEqual(['a'.repeat(64)])
    expect((await inspect(path, { columns: { phone: 'MOBILE' } })).csv?.columns).toEqual({ email: 1, phone: 4 })
    await expect(inspect(path, { columns: { email: 'Office Email' } })).rejects.toMatchObject({
      code: 'CSV_COLUMN_NOT_FOUND',
      message: expect.stringMatching(/no column named "Office Email" \(--email-column\)\. Columns found: "id", "Email"/)
    })
  })

  it('refuses CSV options for JSON input rather than ignoring them', async () => {
    const path = files.write('events.jsonl', toJsonl([engageEvent('a@example.com')]))
    await expect(inspect(path, { delimiter: ';' })).rejects.toMatchObject({
      code: 'CSV_OPTION_NOT_CSV',
      message: expect.stringMatching(/--delimiter reads a CSV, but the input .* is JSON lines/)
    })
  })

  it('holds back a record a stray quote ran across lines, reports its lines, and reads every other row', async () => {
    // 5,000 rows; line 10 opens a quote by mistake and line 19 happens to close one: read as one record, the
    // nine lines between would be lost without a word.
    const lines = ['name,email', ...rows(5000, (i) => `Person ${i},person${i}@example.com`)]
    lines[9] = `"Person 8,person8@example.com`
    lines[18] = `Person 17",person17@example.com`
    const read = await readAll({ path: files.write('stray.csv', lines.join('\n') + '\n'), audienceKey: 'VIP' })
    expect(read.unreadableRecords).toEqual([{ line: 10, lastLine: 19, code: 'OPEN_QUOTE' }])
    expect(read.events).toHaveLength(5000 - 10)
    expect(read.lineNumbers.slice(7, 9)).toEqual([9, 20])
    // Nothing silent: every data line is an event or inside the record held back.
    expect(read.events.length + 10).toBe(lines.length - 1)
  })

  it('holds back a record csv-parse refuses when it spans lines, with all its lines', async () => {
    const lines = [
      'name,email',
      '"Doe, Jane,jane@example.com',
      'Bob,bob@example.com',
      '"Roe, Ann",x"y',
      'c,c@example.com'
    ]
    const read = await readAll({ path: files.write('refused.csv', lines.join('\n')), audienceKey: 'VIP' })
    expect(read.unreadableRecords).toEqual([{ line: 2, lastLine: 4, code: 'OPEN_QUOTE' }])
    expect(emailsOf(read.events)).toEqual(['c@example.com'])
  })

  it('reads a real line break inside a quoted field (an address) as one row', async () => {
    const content = 'name,email,address\nJane,jane@example.com,"1 Main St\nSpringfield, IL"\nBob,bob@example.com,x\n'
    const read = await readAll({ path: files.write('address.csv', content), audienceKey: 'VIP' })
    expect(read.unreadableCount).toBe(0)
    expect(emailsOf(read.events)).toEqual(['jane@example.com', 'bob@example.com'])
    expect(read.lineNumbers).toEqual([2, 4])
  })
})

describe('encodings', () => {
  const csv = 'Name,Email\nRenée Müller,renee@example.com\nJosé,jose@example.com\n'

  it.each([
    [
      'UTF-16LE with its byte order mark',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]),
      'utf-16le'
    ],
    [
      'UTF-16BE with its byte order mark',
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(csv, 'utf16le').swap16()]),
      'utf-16be'
    ],
    ['UTF-8 with its byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv)]), 'utf-8']
  ])('reads %s, told by the mark', async (_name, bytes, encoding) => {
    const path = files.write(`${encoding}.csv`, bytes)
    expect((await inspect(path)).encoding).toEqual({ encoding, source: 'byte order mark' })
    const read = await readAll({ path, audienceKey: 'VIP' })
    expect(emailsOf(read.events)).toEqual(['renee@example.com', 'jose@example.com'])
  })

  it('reads Windows-1252 (what "looked binary") as a guess it says, or as told by --encoding', async () => {
    const path = files.write(
      'cp1252.csv',
      Buffer.from(
        csv.replace(/[éü]/g, (c) => (c === 'é' ? '\xe9' : '\xfc')),
        'latin1'
      )
    )
    const guessed = await inspect(path)
    expect(guessed.encoding).toMatchObject({ encoding: 'windows-1252', source: 'guessed' })
    expect(guessed.encoding.note).toMatch(/not valid UTF-8: read as Windows-1252/)
    expect((await inspect(path, { encoding: 'windows-1252' })).encoding).toEqual({
      encoding: 'windows-1252',
      source: '--encoding'
    })
    expect(emailsOf((await readAll({ path, audienceKey: 'VIP' })).events)).toEqual([
      'renee@example.com',
      'jose@example.com'
    ])
  })

  it('says when a byte order mark contradicts --encoding', async () => {
    const path = files.write(
      'bom-conflict.csv',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')])
    )
    await expect(inspect(path, { encoding: 'windows-1252' })).rejects.toMatchObject({ code: 'ENCODING_CONFLICT' })
  })
})

describe('standard input', () => {
  it('reads events from a stream once, the head replayed ahead of the rest, gzip included', async () => {
    const events = Array.from({ length: 3000 }, (_, i) => engageEvent(`stdin${i}@example.com`))
    for (const content of [Buffer.from(toJsonl(events)), gzipSync(toJsonl(events))]) {
      const file = await InputFile.open('-', Readable.from([content.subarray(0, 1), content.subarray(1)]))
      expect(file.label).toBe('standard input')
      const batches = await collect(readBatches({ file, shape: await inspectInput(file) }, 1500))
      expect(batches.flatMap((batch) => batch.events)).toEqual(events)
      expect(batches.at(-1)?.position.fileBytes).toBeUndefined()
    }
  })
})
