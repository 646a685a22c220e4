import { accept, reject, type NormalizeResult } from './result'

/** The longest address mail can be sent to (RFC 5321's 256-octet path less its brackets), in UTF-8 bytes. */
const MAX_EMAIL_BYTES = 254
const AT = 64
const DOT = 46
const PLUS = 43
const UPPER_A = 65
const UPPER_Z = 90
const NON_ASCII = 0x80
const HIGH_SURROGATE_FIRST = 0xd800
const HIGH_SURROGATE_LAST = 0xdbff
const LOW_SURROGATE_FIRST = 0xdc00
const LOW_SURROGATE_LAST = 0xdfff
const REPLACEMENT_CHARACTER = 0xfffd
const GMAIL = 'gmail.com'
/** A global regex replace: as fast as replaceAll (ES2021, which Segment's monorepo does not target), split/join is not. */
const ALL_DOTS = /\./g

/** Spaces (Unicode's, the byte order mark, and zero-width spaces that Unicode no longer counts) and controls. */
const SPACE_OR_CONTROL = /^[\s\p{Cc}\u180e\u200b\u2060]$/u
/**
 * Characters that join the one before them into a single user-perceived character (combining marks, joiners,
 * emoji modifiers, tags): UID2's iOS SDK walks an address by such characters, so an @, dot or + followed by one is
 * not an @, dot or + there.
 */
const JOINS_PREVIOUS = /^[\p{M}\u200c\u200d\uff9e\uff9f\u{e0020}-\u{e007f}\p{Emoji_Modifier}]$/u

const SPACE_OR_CONTROL_REASON = 'Email contains a space or a control character.'
const TOO_LONG = `Email is longer than ${MAX_EMAIL_BYTES} bytes (UTF-8), the most an address can have.`

/**
 * UID2/EUID email normalization as TTD applies it: trim, lowercase, and for gmail.com only drop the dots and any
 * `+suffix` of the local part. The result is hashed as its UTF-8 bytes, exactly as written: no Unicode
 * normalization (NFC/NFD), as UID2 does.
 *
 * Addresses outside ASCII are kept when every UID2 implementation normalizes them alike. Where they disagree the
 * address is refused with the reason, since a hash that some of them would compute differently matches unreliably:
 * an uppercase letter outside ASCII (UID2's operator lowercases ASCII only, its web and mobile SDKs every letter),
 * and a combining mark or joiner right after an @, a dot or a + (see JOINS_PREVIOUS). Stricter than UID2 where an
 * address could not receive mail and so cannot match: spaces and control characters inside, a domain without a
 * dot between two names, more than 254 UTF-8 bytes, half a surrogate pair (no UTF-8 form) and U+FFFD (a character
 * lost in decoding).
 *
 * One pass over the characters validates the address and its domain, with no regular expression that could
 * backtrack (the two above test one character each, ALL_DOTS matches one) and no intermediate strings in the common
 * case: this runs once per person of every daily sync.
 */
export function normalizeEmail(raw: string): NormalizeResult {
  const trimmed = hasOuterSpace(raw) ? raw.trim() : raw
  const length = trimmed.length
  if (length === 0) return reject('Email is empty.')
  // UTF-8 never takes fewer bytes than the string has UTF-16 units: this refuses early what the byte count would.
  if (length > MAX_EMAIL_BYTES) return reject(TOO_LONG)

  let at = -1
  let hasUpperCase = false
  let domainDots = 0
  let emptyDomainLabel = false
  let previous = 0
  let bytes = length
  for (let i = 0; i < length; i++) {
    const c = trimmed.charCodeAt(i)
    if (c <= 32 || c >= 127) {
      // The ASCII path stays one comparison per character; everything outside printable ASCII is sorted out here.
      if (c < NON_ASCII) return reject(SPACE_OR_CONTROL_REASON)
      const problem = nonAsciiProblem(trimmed, i, previous)
      if (problem !== undefined) return reject(problem)
      // UTF-8 takes 2 bytes below U+0800, 3 for the rest of the BMP, 4 for a surrogate pair (two units).
      if (c >= HIGH_SURROGATE_FIRST && c <= HIGH_SURROGATE_LAST) {
        i++
        bytes += 2
      } else {
        bytes += c < 0x800 ? 1 : 2
      }
    } else if (c >= UPPER_A && c <= UPPER_Z) {
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
  if (bytes > MAX_EMAIL_BYTES) return reject(TOO_LONG)
  if (at === -1) return reject('Email has no @.')
  if (at === 0) return reject('Email has nothing before the @.')
  if (domainDots === 0 || emptyDomainLabel || previous === DOT) {
    return reject('Email domain is not a valid domain name (it needs a dot between two names).')
  }

  // Past the checks, lowercasing changes ASCII letters only: every other character lowercasing would change (the
  // Kelvin sign becomes an ASCII k, İ becomes two characters) is refused above.
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

/** What is wrong with the non-ASCII character at `i` (a whole surrogate pair when it starts one), if anything. */
function nonAsciiProblem(email: string, i: number, previous: number): string | undefined {
  const c = email.charCodeAt(i)
  if (c >= HIGH_SURROGATE_FIRST && c <= LOW_SURROGATE_LAST) {
    const next = email.charCodeAt(i + 1)
    if (c > HIGH_SURROGATE_LAST || !(next >= LOW_SURROGATE_FIRST && next <= LOW_SURROGATE_LAST)) {
      return 'Email contains half of a UTF-16 surrogate pair, a broken character with no UTF-8 form.'
    }
  }
  if (c === REPLACEMENT_CHARACTER) {
    return 'Email contains U+FFFD, the replacement character left where a character was lost in decoding.'
  }
  const character = String.fromCodePoint(email.codePointAt(i) as number)
  if (SPACE_OR_CONTROL.test(character)) return SPACE_OR_CONTROL_REASON
  if (character.toLowerCase() !== character) {
    return (
      'Email contains an uppercase letter outside ASCII, which UID2 implementations lowercase differently; ' +
      'write it in lowercase.'
    )
  }
  if ((previous === AT || previous === DOT || previous === PLUS) && JOINS_PREVIOUS.test(character)) {
    return (
      "Email has a combining mark or joiner right after an @, a dot or a +; UID2's iOS SDK reads the two as one " +
      'character, so the address could normalize differently there.'
    )
  }
  return undefined
}

function normalizeGmailLocalPart(local: string): NormalizeResult {
  const plus = local.indexOf('+')
  const beforePlus = plus === -1 ? local : local.slice(0, plus)
  const out = beforePlus.includes('.') ? beforePlus.replace(ALL_DOTS, '') : beforePlus
  if (out.length === 0) return reject('Email has nothing before the @ once gmail dots and +suffix are removed.')
  return accept(out + '@' + GMAIL)
}
