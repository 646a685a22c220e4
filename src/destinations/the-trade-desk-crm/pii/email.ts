import { accept, reject, type NormalizeResult } from './result'

const MAX_EMAIL_LENGTH = 254
const AT = 64
const DOT = 46
const PLUS = 43

/**
 * UID2/EUID email normalization as TTD applies it: trim, lowercase, and for gmail.com only drop the
 * dots and any `+suffix` of the local part. Addresses are limited to printable ASCII: whitespace or
 * control characters inside an address are always input errors, and internationalized addresses
 * match too unreliably to be worth a silent mismatch.
 * One pass over the characters and no regular expression, so hostile input cannot cause backtracking.
 */
export function normalizeEmail(raw: string): NormalizeResult {
  const trimmed = raw.trim()
  if (trimmed.length === 0) return reject('Email is empty.')
  if (trimmed.length > MAX_EMAIL_LENGTH) return reject(`Email is longer than ${MAX_EMAIL_LENGTH} characters.`)

  let at = -1
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i)
    if (c <= 32 || c >= 127) return reject('Email contains a space, a control character or a non-ASCII character.')
    if (c === AT) {
      if (at !== -1) return reject('Email contains more than one @.')
      at = i
    }
  }
  if (at === -1) return reject('Email has no @.')
  if (at === 0) return reject('Email has nothing before the @.')

  // Lowercase only once the text is known to be ASCII: toLowerCase maps the Kelvin sign (U+212A) to an ASCII k.
  const email = trimmed.toLowerCase()
  const domain = email.slice(at + 1)
  const dot = domain.indexOf('.')
  if (dot <= 0 || domain.charCodeAt(domain.length - 1) === DOT || domain.includes('..')) {
    return reject('Email domain is not a valid domain name (it needs a dot between two names).')
  }

  if (domain !== 'gmail.com') return accept(email)
  return normalizeGmailLocalPart(email.slice(0, at))
}

function normalizeGmailLocalPart(local: string): NormalizeResult {
  let out = ''
  for (let i = 0; i < local.length; i++) {
    const c = local.charCodeAt(i)
    if (c === PLUS) break
    if (c !== DOT) out += local[i]
  }
  if (out.length === 0) return reject('Email has nothing before the @ once gmail dots and +suffix are removed.')
  return accept(out + '@gmail.com')
}
