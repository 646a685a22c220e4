import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT_OK, EXIT_UNREADABLE_LINES } from '../run'
import type { RunReport } from '../summary'
import { emailOf, memberKeyOfEmail } from '../../testing/audience-fixtures'
import { runnerHarness } from '../../testing/runner-harness'
import { normalizePhone, sha256Base64 } from '../../destinations/the-trade-desk-crm/pii'

// Counts loads of the phone library: a run without a country option must not pay for it.
const mockPhoneLibrary = { loads: 0 }
jest.mock('google-libphonenumber', () => {
  mockPhoneLibrary.loads++
  return jest.requireActual('google-libphonenumber')
})

const harness = runnerHarness()
const { files, runner } = harness

function report(stdout: string): RunReport {
  return JSON.parse(stdout) as RunReport
}

function phoneKey(e164: string): string {
  const normalized = normalizePhone(e164)
  if (!normalized.ok) throw new Error('test phone does not normalize')
  return sha256Base64(normalized.value)
}

const emails = Array.from({ length: 1600 }, (_, i) => emailOf(i, 'export'))

describe('exports as CRMs and spreadsheets write them', () => {
  it('syncs a semicolon-separated Windows-1252 export, saying how it read it', async () => {
    const rows = emails.map((email, i) => `Müller ${i};${email};FR`)
    const input = files.write('export.csv', Buffer.from(['Name;Email;Country', ...rows].join('\r\n'), 'latin1'))

    const result = await runner(['--input', input, '--segment-name', 'From Excel', '--json'])

    expect(result.code).toBe(EXIT_OK)
    expect(result.stderr).toContain('(CSV separated by semicolons, windows-1252 (guessed))')
    const summary = report(result.stdout)
    expect(summary.input).toEqual({
      path: input,
      format: 'csv',
      gzip: false,
      encoding: 'windows-1252',
      encodingSource: 'guessed',
      delimiter: ';'
    })
    expect(summary.warnings).toEqual([{ code: 'ENCODING_GUESSED', message: expect.stringContaining('Windows-1252') }])
    expect(summary.uploaded).toBe(1600)
    expect(harness.sandbox.members(harness.sandbox.segments()[0].crmDataId)).toEqual(
      new Set(emails.map(memberKeyOfEmail))
    )
  })

  it('takes the email column chosen by name, e.g. "Work Email" beside "Email"', async () => {
    const rows = emails.map((email, i) => `home${i}@example.org,${email}`)
    const input = files.write('work.csv', ['Email,Work Email', ...rows].join('\n'))
    const result = await runner(['--input', input, '--segment-name', 'Work', '--email-column', 'Work Email'])
    expect(result.code).toBe(EXIT_OK)
    expect(harness.sandbox.members(harness.sandbox.segments()[0].crmDataId)).toEqual(
      new Set(emails.map(memberKeyOfEmail))
    )
  })

  it('holds back the lines a stray quote ran together, syncs the rest, and exits 5 saying so', async () => {
    const lines = ['name,email', ...emails.map((email, i) => `Person ${i},${email}`)]
    lines[9] = `"Person 8,${emails[8]}`
    lines[18] = `Person 17",${emails[17]}`
    const rejects = join(files.dir, 'stray-rejects.csv')
    const input = files.write('stray.csv', lines.join('\n'))

    const text = await runner(['--input', input, '--segment-name', 'Stray', '--rejects', rejects])

    expect(text.code).toBe(EXIT_UNREADABLE_LINES)
    expect(text.stdout).toContain('Events read: 1,590 (and 1 unreadable record)')
    expect(text.stdout).toContain(
      '  Unreadable:  1 record, 10 lines, by reason:\n' +
        '    1 x a quoted field left open: held back, since which lines were meant is a guess (lines 10–19)\n'
    )
    expect(text.stdout).toMatch(
      /Result: {6}SYNCED, BUT SOME LINES UNREADABLE\n {2}.*but 1 record \(10 lines\) of the input/
    )
    expect(harness.sandbox.members(harness.sandbox.segments()[0].crmDataId).size).toBe(1590)
    const written = readFileSync(rejects, 'utf8').trim().split('\n')
    expect(written[0]).toBe('line,code,reason')
    expect(written.slice(1).map((row) => row.split(',')[0])).toEqual([
      '10',
      '11',
      '12',
      '13',
      '14',
      '15',
      '16',
      '17',
      '18',
      '19'
    ])
    expect(written.slice(1).every((row) => row.split(',')[1] === 'OPEN_QUOTE')).toBe(true)
    expect(readFileSync(rejects, 'utf8')).not.toContain('@')
    expect(text.stdout).toContain(`Rejects:     10 lines written to ${rejects} (line, code, reason)`)
  })
})

describe('phones as people store them', () => {
  // French mobiles written nationally (06 ...), with their country in a column, some as alpha-3.
  const nationals = Array.from(
    { length: 1600 },
    (_, i) => `06 ${String(10_000_000 + i).replace(/(\d\d)(?=\d)/g, '$1 ')}`
  )
  const e164 = nationals.map((phone) => `+33${phone.replace(/\s/g, '').slice(1)}`)

  it('turns national numbers into E.164 with the country column, loading the phone library only then', async () => {
    const rows = nationals.map((phone, i) => `${phone},${i % 2 === 0 ? 'FR' : 'FRA'}`)
    const input = files.write('phones.csv', ['Phone,Country', ...rows, '12,FR'].join('\n'))

    const before = mockPhoneLibrary.loads
    const withoutCountry = await runner(['--input', input, '--segment-name', 'No country', '--json'])
    expect(mockPhoneLibrary.loads).toBe(before)
    expect(withoutCountry.code).toBe(3)
    expect(report(withoutCountry.stdout).warnings).toEqual([
      {
        code: 'PHONES_WITHOUT_COUNTRY_CODE',
        message: expect.stringMatching(/^1,601 of 1,601 phone numbers have no country code .* --default-country/)
      }
    ])

    const rejects = join(files.dir, 'phone-rejects.csv')
    const result = await runner(
      ['--input', input, '--segment-name', 'French mobiles', '--country-column', 'Country', '--rejects', rejects],
      {}
    )
    expect(mockPhoneLibrary.loads).toBe(before + 1)
    expect(result.code).toBe(EXIT_OK)
    expect(result.stdout).toContain('1 x Phone number is too short for FR. (line 1602)')
    expect(result.stdout).not.toContain('Warning:')
    const segment = harness.sandbox.segments().find((s) => s.segmentName === 'French mobiles')
    expect(harness.sandbox.members(segment?.crmDataId ?? '')).toEqual(new Set(e164.map(phoneKey)))
    expect(readFileSync(rejects, 'utf8')).toBe(
      'line,code,reason\n1602,INVALID_IDENTIFIER,Phone number is too short for FR.\n'
    )
    for (const text of [result.stdout, result.stderr]) expect(text).not.toContain(nationals[0])
  })

  it('reads national numbers of JSON events with --default-country', async () => {
    const events = nationals.map((phone) => ({
      type: 'track',
      event: 'Audience Entered',
      properties: { audience_key: 'fr_mobiles', fr_mobiles: true },
      context: { personas: { computation_key: 'fr_mobiles' }, traits: { phone } }
    }))
    const input = files.write('phones.jsonl', events.map((event) => JSON.stringify(event)).join('\n'))
    const result = await runner([
      '--input',
      input,
      '--pii-type',
      'PhoneNumberHashedUnifiedId2',
      '--default-country',
      'FR'
    ])
    expect(result.code).toBe(EXIT_OK)
    expect(harness.sandbox.members(harness.sandbox.segments()[0].crmDataId)).toEqual(new Set(e164.map(phoneKey)))
  })

  it('refuses a country option for an email sync, and a country that is none, before syncing anything', async () => {
    const input = files.write('emails.csv', ['email', ...emails].join('\n'))
    const email = await runner(['--input', input, '--segment-name', 'x', '--default-country', 'FR'])
    expect(email.code).toBe(2)
    expect(email.stderr).toMatch(/^--default-country applies to phone numbers, and this sync uploads emails/)
    const phones = files.write('few-phones.csv', 'phone\n0612345678\n')
    const narnia = await runner(['--input', phones, '--segment-name', 'x', '--default-country', 'NAR'])
    expect(narnia.code).toBe(2)
    expect(narnia.stderr).toMatch(/^--default-country NAR is not an ISO 3166 country/)
    expect(harness.sandbox.drops()).toHaveLength(0)
  })
})
