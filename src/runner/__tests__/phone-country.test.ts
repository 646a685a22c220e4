import { hasCountryCode, loadNationalPhones, type NationalPhones } from '../phone-country'
import { InputFile } from '../input-file'
import { inspectInput, readBatches, type InputBatch } from '../input'
import { tempDir } from '../../testing/audience-fixtures'

let phones: NationalPhones
beforeAll(async () => {
  phones = await loadNationalPhones()
})
const files = tempDir()
afterAll(() => files.cleanup())

describe('national phone numbers', () => {
  it.each([
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['(415) 555-0100', 'US', '+14155550100'],
    ['020 7946 0000', 'GB', '+442079460000'],
    ['0151 12345678', 'DE', '+4915112345678']
  ])('reads %s in %s as %s', (raw, country, e164) => {
    expect(phones.normalize(raw, undefined, country)).toEqual({ ok: true, value: e164 })
  })

  it("prefers the row's country (alpha-2, alpha-3, UK, any case) over the default", () => {
    expect(phones.normalize('06 12 34 56 78', 'fra', 'US')).toEqual({ ok: true, value: '+33612345678' })
    expect(phones.normalize('020 7946 0000', 'UK', 'US')).toEqual({ ok: true, value: '+442079460000' })
    expect(phones.normalize('020 7946 0000', 'gb', undefined)).toEqual({ ok: true, value: '+442079460000' })
    expect(phones.normalize('(415) 555-0100', ' ', 'US')).toEqual({ ok: true, value: '+14155550100' })
  })

  it('leaves alone what already has its country code, digests, and numbers with no country to apply', () => {
    for (const raw of ['+33 6 12 34 56 78', 'a'.repeat(64), `${'A'.repeat(43)}=`]) {
      expect(phones.normalize(raw, 'US', 'US')).toEqual({ ok: true, value: raw })
      expect(hasCountryCode(raw)).toBe(true)
    }
    expect(phones.normalize('0612345678', undefined, undefined)).toEqual({ ok: true, value: '0612345678' })
    expect(hasCountryCode('0612345678')).toBe(false)
  })

  it('refuses with a reason naming the problem and the country, never the value', () => {
    const short = phones.normalize('12', undefined, 'FR')
    expect(short).toEqual({ ok: false, reason: 'Phone number is too short for FR.' })
    const country = phones.normalize('0612345678', 'Narnia', 'FR')
    expect(country).toEqual({ ok: false, reason: expect.stringMatching(/^The country is not an ISO 3166 code/) })
    expect(phones.normalize('not a number', undefined, 'US')).toEqual({
      ok: false,
      reason: 'Phone number cannot be read as a number of US.'
    })
    expect(phones.countryCode('AQ')).toBeUndefined() // in ISO 3166, but no phone numbering plan
    expect(phones.countryCode('XYZ')).toBeUndefined()
  })

  it('gives CSV rows the country of their column, and refuses the rows it cannot place', async () => {
    const path = files.write(
      'countries.csv',
      'Phone,Country\n06 12 34 56 78,FR\n(415) 555-0100,\n020 7946 0000,GBR\n12,FR\n+4915112345678,DE\n'
    )
    const file = await InputFile.open(path)
    const shape = await inspectInput(file, { columns: { country: 'country' } })
    const batches: InputBatch[] = []
    const source = { file, shape, audienceKey: 'VIP', countries: { phones, defaultCountry: 'US' } }
    for await (const batch of readBatches(source, 1500)) batches.push(batch)
    const [batch] = batches
    expect(batch.events.map((event) => event.context?.traits?.phone)).toEqual([
      '+33612345678',
      '+14155550100',
      '+442079460000',
      '+4915112345678'
    ])
    expect(batch.lineNumbers).toEqual([2, 3, 4, 6])
    expect(batch.refused).toEqual([{ line: 5, reason: 'Phone number is too short for FR.' }])
    // Counted as found in the file, before a country was applied.
    expect(batch.phones).toEqual({ present: 5, withoutCountryCode: 4 })
  })
})
