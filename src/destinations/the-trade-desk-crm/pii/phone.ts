import { accept, reject, type NormalizeResult } from './result'

/** UID2 takes E.164 numbers of 10 to 15 digits, country code included, and refuses any other length. */
const MIN_DIGITS = 10
const MAX_DIGITS = 15
/** The longest country code: a `(0)` after more digits than this is not right after one. */
const MAX_COUNTRY_CODE_DIGITS = 3

const PLUS = 43
const OPEN = 40
const CLOSE = 41
const ZERO = 48

/** Separators people type inside phone numbers; anything else (letters, extensions) is refused. */
function isSeparator(c: number): boolean {
  return c === 32 || c === 45 || c === OPEN || c === CLOSE || c === 46 // space - ( ) .
}

/**
 * E.164 as UID2 expects it: `+`, country code and subscriber number, digits only, 10 to 15 digits. Without a
 * leading `+` the country code is unknown and guessing would send a wrong number, so such input is refused rather
 * than normalized.
 *
 * A `(0)` right after the country code (`+44 (0)20 7946 0958`) is the national trunk prefix that UK, German or
 * Swiss habit writes in parentheses; it is not part of the E.164 number, so it is dropped. A 0 written without
 * parentheses is kept: in some countries (Italy) it is part of the number.
 */
export function normalizePhone(raw: string): NormalizeResult {
  const phone = raw.trim()
  if (phone.length === 0) return reject('Phone number is empty.')
  if (phone.charCodeAt(0) !== PLUS) {
    return reject('Phone number must start with + and its country code (E.164).')
  }
  let digits = ''
  for (let i = 1; i < phone.length; i++) {
    const c = phone.charCodeAt(i)
    if (c >= ZERO && c <= 57) {
      digits += phone[i]
      if (digits.length > MAX_DIGITS) return reject(`Phone number has more than ${MAX_DIGITS} digits.`)
    } else if (!isSeparator(c)) {
      return reject('Phone number contains characters other than digits, spaces, dashes, dots and parentheses.')
    } else if (c === OPEN && isTrunkZero(phone, i, digits.length)) {
      i += 2
    }
  }
  if (digits.length < MIN_DIGITS) {
    return reject(
      `Phone number has fewer than ${MIN_DIGITS} digits; UID2 matches E.164 numbers of ${MIN_DIGITS} to ` +
        `${MAX_DIGITS} digits, country code included.`
    )
  }
  if (digits.charCodeAt(0) === ZERO) return reject('Phone number country code cannot start with 0.')
  return accept('+' + digits)
}

/** Whether the `(` at `open` starts a `(0)` right after the country code: after 1 to 3 digits and no more. */
function isTrunkZero(phone: string, open: number, digitsBefore: number): boolean {
  return (
    digitsBefore >= 1 &&
    digitsBefore <= MAX_COUNTRY_CODE_DIGITS &&
    phone.charCodeAt(open + 1) === ZERO &&
    phone.charCodeAt(open + 2) === CLOSE
  )
}
