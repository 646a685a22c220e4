import { accept, reject, type NormalizeResult } from './result'

const MIN_DIGITS = 7
const MAX_DIGITS = 15

/** Separators people type inside phone numbers; anything else (letters, extensions) is refused. */
function isSeparator(c: number): boolean {
  return c === 32 || c === 45 || c === 40 || c === 41 || c === 46 // space - ( ) .
}

/**
 * E.164 as UID2 expects it: `+`, country code and subscriber number, digits only, at most 15 digits.
 * Without a leading `+` the country code is unknown and guessing would send a wrong number, so such
 * input is refused rather than normalized.
 */
export function normalizePhone(raw: string): NormalizeResult {
  const phone = raw.trim()
  if (phone.length === 0) return reject('Phone number is empty.')
  if (phone.charCodeAt(0) !== 43) {
    return reject('Phone number must start with + and its country code (E.164).')
  }
  let digits = ''
  for (let i = 1; i < phone.length; i++) {
    const c = phone.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      digits += phone[i]
      if (digits.length > MAX_DIGITS) return reject(`Phone number has more than ${MAX_DIGITS} digits.`)
    } else if (!isSeparator(c)) {
      return reject('Phone number contains characters other than digits, spaces, dashes, dots and parentheses.')
    }
  }
  if (digits.length < MIN_DIGITS) return reject(`Phone number has fewer than ${MIN_DIGITS} digits.`)
  if (digits.charCodeAt(0) === 48) return reject('Phone number country code cannot start with 0.')
  return accept('+' + digits)
}
