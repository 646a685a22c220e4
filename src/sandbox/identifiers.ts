import { isUtf8 } from 'node:buffer'
import * as crypto from 'node:crypto'
import type { PiiType } from './types'

// Uploads can hold a million lines, so lines are checked as bytes straight from the request body, in one pass
// each, without regular expressions (no backtracking) and without making a string per line.

const BASE64_VALUE = new Int8Array(256).fill(-1)
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
for (let i = 0; i < BASE64_ALPHABET.length; i++) BASE64_VALUE[BASE64_ALPHABET.charCodeAt(i)] = i

const AT = 64
const DOT = 46
const PLUS = 43
const EQUALS = 61
const GMAIL_DOMAIN = Buffer.from('gmail.com')

/**
 * A plausible email after UID2 normalization: lowercase, no whitespace, one '@', a non-empty local part and a
 * dotted domain. A gmail.com local part must also have lost its dots and '+suffix': that is part of the
 * normalization TTD matches against, so an address without it would never match.
 */
export function isNormalizedEmail(bytes: Uint8Array, start: number, end: number): boolean {
  const length = end - start
  if (length < 5 || length > 254) return false
  let at = -1
  let nonAscii = false
  for (let i = start; i < end; i++) {
    const c = bytes[i]
    if (c === AT) {
      if (at !== -1) return false
      at = i
    } else if (c <= 32 || c === 127 || (c >= 65 && c <= 90)) {
      return false
    } else if (c > 127) {
      nonAscii = true
    }
  }
  if (at <= start || at > end - 4 || bytes[at + 1] === DOT || bytes[end - 1] === DOT) return false
  let dottedDomain = false
  for (let i = at + 2; i < end - 1 && !dottedDomain; i++) dottedDomain = bytes[i] === DOT
  if (!dottedDomain) return false
  if (nonAscii) {
    const slice = bytes.subarray(start, end)
    if (!isUtf8(slice)) return false
    const text = Buffer.from(slice.buffer, slice.byteOffset, slice.length).toString('utf8')
    if (text !== text.toLowerCase() || /\s/u.test(text)) return false
  }
  if (end - at - 1 === GMAIL_DOMAIN.length && GMAIL_DOMAIN.equals(bytes.subarray(at + 1, end))) {
    for (let i = start; i < at; i++) if (bytes[i] === DOT || bytes[i] === PLUS) return false
  }
  return true
}

/** E.164: '+', a non-zero first digit, 6 to 15 digits in all. */
export function isE164Phone(bytes: Uint8Array, start: number, end: number): boolean {
  const length = end - start
  if (length < 7 || length > 16 || bytes[start] !== PLUS || bytes[start + 1] < 49 || bytes[start + 1] > 57) {
    return false
  }
  for (let i = start + 2; i < end; i++) if (bytes[i] < 48 || bytes[i] > 57) return false
  return true
}

/**
 * Decodes the canonical standard-base64 text of a 32-byte digest (43 alphabet characters and '=') into out[0..32).
 * The last alphabet character carries 2 padding bits that must be zero, or no encoder produced the text.
 */
export function decodeBase64Digest(bytes: Uint8Array, start: number, end: number, out: Uint8Array): boolean {
  if (end - start !== 44 || bytes[start + 43] !== EQUALS) return false
  let i = start
  for (let o = 0; o < 30; o += 3, i += 4) {
    const a = BASE64_VALUE[bytes[i]]
    const b = BASE64_VALUE[bytes[i + 1]]
    const c = BASE64_VALUE[bytes[i + 2]]
    const d = BASE64_VALUE[bytes[i + 3]]
    if ((a | b | c | d) < 0) return false
    out[o] = (a << 2) | (b >> 4)
    out[o + 1] = ((b & 15) << 4) | (c >> 2)
    out[o + 2] = ((c & 3) << 6) | d
  }
  const a = BASE64_VALUE[bytes[i]]
  const b = BASE64_VALUE[bytes[i + 1]]
  const c = BASE64_VALUE[bytes[i + 2]]
  if ((a | b | c) < 0 || (c & 3) !== 0) return false
  out[30] = (a << 2) | (b >> 4)
  out[31] = ((b & 15) << 4) | (c >> 2)
  return true
}

type OneShotHash = (algorithm: string, data: crypto.BinaryLike, encoding: 'binary' | 'base64') => string
// crypto.hash (Node >= 20.12) skips the Hash object and is about twice as fast per line as createHash.
const oneShotHash = (crypto as { hash?: OneShotHash }).hash

/**
 * Writes the SHA-256 of data into out[0..32). The digest comes back as a binary (latin1) string, one char per byte: a
 * Buffer result costs an external allocation per line and makes hashing a million lines three times slower.
 */
export function sha256Into(data: Uint8Array, out: Uint8Array): void {
  const digest = oneShotHash
    ? oneShotHash('sha256', data, 'binary')
    : crypto.createHash('sha256').update(data).digest('binary')
  for (let i = 0; i < 32; i++) out[i] = digest.charCodeAt(i)
}

export function sha256Base64(value: string): string {
  if (oneShotHash) return oneShotHash('sha256', value, 'base64') as string
  return crypto.createHash('sha256').update(value, 'utf8').digest('base64')
}

export function isPlainPii(piiType: PiiType): boolean {
  return piiType === 'Email' || piiType === 'Phone'
}

/**
 * Plain PII is never stored: Email and Phone lines are kept as the base64 SHA-256 of their UTF-8 bytes (the form
 * TTD's hashed types carry), hashed lines as they arrived. A plain upload and its hashed twin give the same keys.
 */
export function memberKey(piiType: PiiType, normalizedValue: string): string {
  return isPlainPii(piiType) ? sha256Base64(normalizedValue) : normalizedValue
}
