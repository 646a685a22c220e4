import type { PhoneNumberUtil as PhoneNumberUtilType } from 'google-libphonenumber'
import type { NormalizeResult } from '../destinations/the-trade-desk-crm/pii'

/**
 * Phone numbers as people store them: national numbers (`06 12 34 56 78`, `(415) 555-0100`) with the country in
 * another column or known for the whole list. `--default-country` and `--country-column` turn them into E.164 with
 * google-libphonenumber, the phone library Segment's destinations carry, before the destination sees them. The
 * library and the country table are loaded only when one of those options is given (`loadNationalPhones`), so a
 * run without them pays nothing for them.
 */

/** A SHA-256 digest (64 hex, or 44 base64): sent as it is, never read as a number. */
const DIGEST = /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/

/** Whether a phone value already says its country (E.164's `+`), or is a digest that has no country to add. */
export function hasCountryCode(raw: string): boolean {
  const text = raw.trim()
  return text.startsWith('+') || DIGEST.test(text)
}

/** ISO 3166 names the United Kingdom GB; people and many CRMs write UK, a code ISO reserves for it. */
const EXCEPTIONAL_ALPHA2: Record<string, string> = { UK: 'GB' }

export class NationalPhones {
  private readonly countries = new Map<string, string | undefined>()

  constructor(
    private readonly util: PhoneNumberUtilType,
    private readonly format: number,
    /** libphonenumber's validation results that make a number usable, and words for the others. */
    private readonly possible: readonly number[],
    private readonly reasons: Record<number, string>,
    private readonly alpha2Of: (code: string) => string | undefined
  ) {}

  /**
   * ISO 3166 alpha-2 (`FR`) or alpha-3 (`FRA`), any case, as the alpha-2 code libphonenumber knows a numbering plan
   * for; undefined for anything else.
   */
  countryCode(text: string): string | undefined {
    const key = text.trim().toUpperCase()
    if (!this.countries.has(key)) {
      const alpha2 = this.alpha2Of(key)
      this.countries.set(key, alpha2 && this.util.getCountryCodeForRegion(alpha2) !== 0 ? alpha2 : undefined)
    }
    return this.countries.get(key)
  }

  /**
   * The number in E.164 when `raw` is national and a country applies: the row's `country` (a code) when it has one,
   * else `defaultCountry`. A number that already has its `+`, a digest, or a number with no country to apply comes
   * back as it is, for the destination to judge. A number that is not a possible one in its country, or a country
   * value that is no code, comes back refused with a reason that names the problem and the country, never the value.
   */
  normalize(raw: string, country: string | undefined, defaultCountry: string | undefined): NormalizeResult {
    if (raw.trim() === '' || hasCountryCode(raw)) return { ok: true, value: raw }
    let region = defaultCountry
    if (country !== undefined && country.trim() !== '') {
      region = this.countryCode(country)
      if (!region) {
        return {
          ok: false,
          reason:
            'The country is not an ISO 3166 code with a phone numbering plan (alpha-2 like FR, or alpha-3 like FRA).'
        }
      }
    }
    if (!region) return { ok: true, value: raw }
    let parsed
    try {
      parsed = this.util.parse(raw, region)
    } catch {
      return { ok: false, reason: `Phone number cannot be read as a number of ${region}.` }
    }
    const check = this.util.isPossibleNumberWithReason(parsed)
    if (!this.possible.includes(check)) {
      return { ok: false, reason: `Phone number is ${this.reasons[check] ?? 'not possible'} for ${region}.` }
    }
    return { ok: true, value: this.util.format(parsed, this.format) }
  }
}

/** Loads google-libphonenumber and the ISO 3166 table: only runs with --default-country or --country-column do. */
export async function loadNationalPhones(): Promise<NationalPhones> {
  const [{ PhoneNumberUtil, PhoneNumberFormat }, iso3166] = await Promise.all([
    import('google-libphonenumber'),
    import('iso-3166-1')
  ])
  const result = PhoneNumberUtil.ValidationResult
  const reasons: Record<number, string> = {
    [result.INVALID_COUNTRY_CODE]: 'not in a country libphonenumber knows',
    [result.TOO_SHORT]: 'too short',
    [result.TOO_LONG]: 'too long',
    [result.INVALID_LENGTH]: 'of an impossible length'
  }
  const alpha2Of = (code: string): string | undefined => {
    if (EXCEPTIONAL_ALPHA2[code]) return EXCEPTIONAL_ALPHA2[code]
    const country =
      code.length === 2 ? iso3166.whereAlpha2(code) : code.length === 3 ? iso3166.whereAlpha3(code) : undefined
    return country?.alpha2
  }
  // A number possible only locally (without its area code) is still given its country code: TTD matches what it is
  // sent, and the destination's own check (7 to 15 digits) has the last word.
  const possible = [result.IS_POSSIBLE, result.IS_POSSIBLE_LOCAL_ONLY]
  return new NationalPhones(PhoneNumberUtil.getInstance(), PhoneNumberFormat.E164, possible, reasons, alpha2Of)
}
