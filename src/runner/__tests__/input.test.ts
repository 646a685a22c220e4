import { identifierColumns, parseCsvLine } from '../csv'
import { InputError, readBatches, readCsvColumns, type InputBatch } from '../input'
import { engageEvent, tempDir, toJsonl } from './helpers/audience'

async function collect(iterable: AsyncIterable<InputBatch>): Promise<InputBatch[]> {
  const batches: InputBatch[] = []
  for await (const batch of iterable) batches.push(batch)
  return batches
}

const files = tempDir()
afterAll(() => files.cleanup())

describe('parseCsvLine', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['a,,c,', ['a', '', 'c', '']],
    ['"x@example.com","+1 (415) 555-0100"', ['x@example.com', '+1 (415) 555-0100']],
    ['"say ""hi""",2', ['say "hi"', '2']],
    ['"a,b",c', ['a,b', 'c']],
    ['', ['']]
  ])('reads %j', (line, fields) => {
    expect(parseCsvLine(line)).toEqual(fields)
  })

  it.each(['"unterminated,x', '"closed"junk,x'])('refuses %j', (line) => {
    expect(parseCsvLine(line)).toBeUndefined()
  })

  it('finds identifier columns by name, ignoring case, spaces and a byte order mark', () => {
    expect(identifierColumns('\uFEFFid, Email ,PHONE')).toEqual({ email: 1, phone: 2 })
    expect(identifierColumns('id,name')).toEqual({})
  })
})

describe('readBatches (JSONL)', () => {
  it('yields batches of the requested size and the rest last, skipping blank lines', async () => {
    const events = Array.from({ length: 7 }, (_, i) => engageEvent(`person${i}@example.com`))
    const path = files.write('seven.jsonl', toJsonl(events).replace('\n', '\n\n  \n'))
    const batches = await collect(readBatches({ path, format: 'jsonl' }, 3))
    expect(batches.map((batch) => batch.events.length)).toEqual([3, 3, 1])
    expect(batches[2].events[0]).toEqual(events[6])
  })

  it('counts lines that are not JSON objects as unreadable, with their line numbers, toward the batch size', async () => {
    const good = JSON.stringify(engageEvent('a@example.com'))
    const path = files.write('mixed.jsonl', [good, '{not json', '[1,2]', 'null', good, '"text"'].join('\n'))
    const batches = await collect(readBatches({ path, format: 'jsonl' }, 4))
    expect(batches).toEqual([
      { events: [JSON.parse(good)], unreadable: { count: 3, sampleLineNumbers: [2, 3, 4] } },
      { events: [JSON.parse(good)], unreadable: { count: 1, sampleLineNumbers: [6] } }
    ])
  })

  it('reports a missing file as an input error', async () => {
    await expect(collect(readBatches({ path: files.dir + '/nope.jsonl', format: 'jsonl' }, 10))).rejects.toThrow(
      InputError
    )
  })

  it('reads lazily: stopping after the first batch leaves the rest unread', async () => {
    const events = Array.from({ length: 50 }, (_, i) => engageEvent(`lazy${i}@example.com`))
    const path = files.write('lazy.jsonl', toJsonl(events))
    const iterator = readBatches({ path, format: 'jsonl' }, 10)
    const first = await iterator.next()
    expect(first.done).toBe(false)
    expect((first.value as InputBatch).events).toHaveLength(10)
    await iterator.return(undefined)
    expect((await iterator.next()).done).toBe(true)
  })
})

describe('readBatches (CSV)', () => {
  it('wraps each row into an Audience Entered event carrying the email and phone', async () => {
    const path = files.write(
      'people.csv',
      '\uFEFFname,email,phone\r\n"Doe, Jane", Jane@Example.com ,"+1 415 555 0100"\r\nBob,,+44 20 7946 0000\r\n"broken,x,y\r\n'
    )
    const [batch] = await collect(readBatches({ path, format: 'csv', audienceKey: 'VIP' }, 100))
    expect(batch.unreadable).toEqual({ count: 1, sampleLineNumbers: [4] })
    expect(batch.events).toEqual([
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

  it('reads the identifier columns from the header, and refuses a header without one', async () => {
    expect(await readCsvColumns(files.write('phones.csv', '\n\nPhone\n+14155550100\n'))).toEqual({ phone: 0 })
    await expect(readCsvColumns(files.write('noid.csv', 'id,name\n1,x\n'))).rejects.toThrow(/no "email" or "phone"/)
    await expect(readCsvColumns(files.write('empty.csv', ''))).rejects.toThrow(/empty/)
  })
})
