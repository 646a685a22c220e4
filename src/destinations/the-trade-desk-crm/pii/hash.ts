import * as crypto from 'node:crypto'

const SHA256_HEX_LENGTH = 64
const SHA256_BASE64_LENGTH = 44
const SHA256_BYTES = 32

/** The portable way, on every Node 20: a Hash object per value. */
export function sha256Base64WithHashObject(normalized: string): string {
  return crypto.createHash('sha256').update(normalized, 'utf8').digest('base64')
}

/**
 * `crypto.hash` (Node 20.12 and later) hashes a string in one native call, about twice as fast as a Hash object
 * per value; `engines` allows any Node 20, whose earlier releases lack it, so it is used only where it exists.
 */
const oneShotHash: typeof crypto.hash | undefined = typeof crypto.hash === 'function' ? crypto.hash : undefined

/** TTD's hashed form: SHA-256 over the UTF-8 bytes, base64 with padding (44 characters). */
export const sha256Base64: (normalized: string) => string = oneShotHash
  ? (normalized) => oneShotHash('sha256', normalized, 'base64')
  : sha256Base64WithHashObject

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
}

function isBase64Code(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47
}

/** A SHA-256 digest written as 64 hex characters. */
export function isSha256Hex(value: string): boolean {
  if (value.length !== SHA256_HEX_LENGTH) return false
  for (let i = 0; i < SHA256_HEX_LENGTH; i++) if (!isHexCode(value.charCodeAt(i))) return false
  return true
}

/**
 * A SHA-256 digest already in TTD's form: 43 base64 characters and one `=`. Only canonical encodings
 * count (the last character's unused bits are zero), so re-encoding the bytes gives the same text.
 */
export function isSha256Base64(value: string): boolean {
  if (value.length !== SHA256_BASE64_LENGTH || value.charCodeAt(43) !== 61) return false
  for (let i = 0; i < 43; i++) if (!isBase64Code(value.charCodeAt(i))) return false
  const bytes = Buffer.from(value, 'base64')
  return bytes.length === SHA256_BYTES && bytes.toString('base64') === value
}

export function looksHashed(value: string): boolean {
  return isSha256Hex(value) || isSha256Base64(value)
}

/** The base64 form of an input that is already a SHA-256 digest, or undefined when it is not one. */
export function existingDigestAsBase64(value: string): string | undefined {
  if (isSha256Base64(value)) return value
  if (isSha256Hex(value)) return Buffer.from(value, 'hex').toString('base64')
  return undefined
}
