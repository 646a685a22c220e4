import { accept, reject, type NormalizeResult } from './result'

const MAX_EMAIL_LENGTH = 254
const AT = 64
const DOT = 46
const UPPER_A = 65
const UPPER_Z = 90
const GMAIL = 'gmail.com'

/**
 * UID2/EUID email normalization as TTD applies it: trim, lowercase, and for gmail.com only drop the
 * dots and any `+suffix` of the local part. Addresses are limited to printable ASCII: whitespace or
 * control characters inside an address are always input errors, and internationalized addresses
 * match too unreliably to be worth a silent mismatch.
 * One pass over the characters validates the address and its domain, with no regular expression (so
 * hostile input cannot cause backtracking) and no intermediate strings in the common case: this runs
 * once per person of every daily sync.
 */
export function normalizeEmail(raw: string): NormalizeResult {
  const trimmed = hasOuterSpace(raw) ? raw.trim() : raw
  const length = trimmed.length
  if (length === 0) return reject('Email is empty.')
  if (length > MAX_EMAIL_LENGTH) return reject(`Email is longer than ${MAX_EMAIL_LENGTH} characters.`)

  let at = -1
  let hasUpperCase = false
  let domainDots = 0
  let emptyDomainLabel = false
  let previous = 0
  for (let i = 0; i < length; i++) {
    const c = trimmed.charCodeAt(i)
    if (c <= 32 || c >= 127) return reject('Email contains a space, a control character or a non-ASCII character.')
    if (c >= UPPER_A && c <= UPPER_Z) {
      hasUpperCase = true
    } else if (c === AT) {
      if (at !== -1) return reject('Email contains more than one @.')
      at = i
    } else if (c === DOT && at !== -1) {
      if (previous === AT || previous === DOT) emptyDomainLabel = true
      domainDots++
    }
    previous = c
  }
  if (at === -1) return reject('Email has no @.')
  if (at === 0) return reject('Email has nothing before the @.')
  if (domainDots === 0 || emptyDomainLabel || previous === DOT) {
    return reject('Email domain is not a valid domain name (it needs a dot between two names).')
  }

  // Lowercasing after the ASCII check matters: toLowerCase maps the Kelvin sign (U+212A) to an ASCII k.
  const email = hasUpperCase ? trimmed.toLowerCase() : trimmed
  if (length - at - 1 === GMAIL.length && email.endsWith(GMAIL)) return normalizeGmailLocalPart(email.slice(0, at))
  return accept(email)
}

/** Whether trim() has anything to do; checking first spares a copy of every already-clean address. */
function hasOuterSpace(value: string): boolean {
  if (value.length === 0) return false
  const first = value.charCodeAt(0)
  const last = value.charCodeAt(value.length - 1)
  return first <= 32 || first >= 127 || last <= 32 || last >= 127
}

function normalizeGmailLocalPart(local: string): NormalizeResult {
  const plus = local.indexOf('+')
  const beforePlus = plus === -1 ? local : local.slice(0, plus)
  const out = beforePlus.includes('.') ? beforePlus.replaceAll('.', '') : beforePlus
  if (out.length === 0) return reject('Email has nothing before the @ once gmail dots and +suffix are removed.')
  return accept(out + '@' + GMAIL)
}
