import type { PiiType } from '../constants'
import { normalizeEmail } from './email'
import { existingDigestAsBase64, looksHashed, sha256Base64 } from './hash'
import { normalizePhone } from './phone'
import { reject, type NormalizeResult } from './result'

export type { NormalizeResult } from './result'
export { normalizeEmail } from './email'
export { normalizePhone } from './phone'
export { sha256Base64, isSha256Base64, isSha256Hex } from './hash'

/** Length of the shorter digest form, SHA-256 in base64. */
const SHORTEST_DIGEST = 44

export function isEmailType(piiType: PiiType): boolean {
  return piiType === 'Email' || piiType === 'EmailHashedUnifiedId2'
}

export function isHashedType(piiType: PiiType): boolean {
  return piiType === 'EmailHashedUnifiedId2' || piiType === 'PhoneNumberHashedUnifiedId2'
}

/**
 * Whether every upload line of `piiType` is ASCII: base64 digests and E.164 phones are, plain emails may hold any
 * character (they go out as UTF-8).
 */
export function hasAsciiLines(piiType: PiiType): boolean {
  return piiType !== 'Email'
}

/** What the identifier is called in messages a marketer reads. */
export function identifierLabel(piiType: PiiType): string {
  return isEmailType(piiType) ? 'Email' : 'Phone number'
}

/**
 * Turns one raw identifier into the line TTD receives for `piiType`: normalized, and for the hashed
 * types SHA-256/base64. A value that already is a SHA-256 digest (hex or base64) is passed through for
 * hashed types, because hashing it again would match nobody, and refused for plain types.
 * Never throws, whatever `raw` is.
 */
export function toUploadLine(piiType: PiiType, raw: unknown): NormalizeResult {
  const label = identifierLabel(piiType)
  if (raw === undefined || raw === null || raw === '') return reject(`${label} is missing.`)
  if (typeof raw !== 'string') return reject(`${label} must be text.`)

  // A digest is 44 or 64 characters: shorter input (most emails and phones) needs no digest check.
  if (raw.length >= SHORTEST_DIGEST) {
    const trimmed = raw.trim()
    if (isHashedType(piiType)) {
      const digest = existingDigestAsBase64(trimmed)
      if (digest !== undefined) return { ok: true, value: digest }
    } else if (looksHashed(trimmed)) {
      return reject(`${label} looks already hashed (SHA-256); choose the hashed PII type for hashed values.`)
    }
  }

  const normalized = isEmailType(piiType) ? normalizeEmail(raw) : normalizePhone(raw)
  if (!normalized.ok || !isHashedType(piiType)) return normalized
  // The result is fresh from normalize*: filling in the digest spares an allocation per person.
  normalized.value = sha256Base64(normalized.value)
  return normalized
}
