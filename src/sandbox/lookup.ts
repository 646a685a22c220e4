// The destination's own normalization (UID2 rules) decides what a typed identifier becomes, so the answer is the
// one TTD would give for what the destination uploads; the sandbox's upload validation stays separate on purpose.
import { isSha256Base64, isSha256Hex, toUploadLine } from '../destinations/the-trade-desk-crm/pii'
import type { SandboxStore } from './store'
import type { IdentifierKind, LookupAnswer } from './types'

const MAX_LISTED_SEGMENTS = 100
const DIGEST_BYTES = 32

/** How a typed identifier is read: with an @ it is an email, a SHA-256 digest is taken as is, anything else a phone. */
export function identifierKind(identifier: string): IdentifierKind {
  const trimmed = identifier.trim()
  if (trimmed.includes('@')) return 'email'
  if (isSha256Base64(trimmed) || isSha256Hex(trimmed)) return 'hash'
  return 'phone'
}

/**
 * Answers whether a person is in each segment. The identifier is normalized and hashed as the destination uploads
 * it (a plain upload is stored under the same digest as its hashed twin), compared as bytes, and then dropped: it
 * is never stored, logged or part of the answer.
 */
export function lookUpIdentifier(store: SandboxStore, identifier: string): LookupAnswer {
  const kind = identifierKind(identifier)
  const line = toUploadLine(kind === 'phone' ? 'PhoneNumberHashedUnifiedId2' : 'EmailHashedUnifiedId2', identifier)
  if (!line.ok) return { valid: false, kind, reason: line.reason }
  const digest = Buffer.from(line.value, 'base64')
  if (digest.length !== DIGEST_BYTES) throw new Error('The destination produced a member key that is not SHA-256')
  const segments = store.allSegments()
  const holding = segments.filter((segment) => segment.members.has(digest))
  return {
    valid: true,
    kind,
    memberKey: line.value,
    segmentsChecked: segments.length,
    memberOfCount: holding.length,
    memberOf: holding.slice(0, MAX_LISTED_SEGMENTS).map(({ advertiserId, crmDataId, segmentName, region }) => ({
      advertiserId,
      crmDataId,
      segmentName,
      region
    }))
  }
}
