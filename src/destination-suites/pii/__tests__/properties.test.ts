import fc from 'fast-check'
import type { PiiType } from '../../../destinations/the-trade-desk-crm/constants'
import {
  hasAsciiLines,
  normalizeEmail,
  normalizePhone,
  toUploadLine,
  type NormalizeResult
} from '../../../destinations/the-trade-desk-crm/pii/index'
import {
  expectedHash,
  leakedPiece,
  MARKER
} from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/pii-checks'

/**
 * Property-based tests of the PII code. Every `fc.assert` uses the same fixed seed so runs are
 * reproducible; generated values are never printed (fast-check only reports a counterexample on failure).
 * Totals of generated inputs are the sums of the NUM_RUNS constants below.
 */
const SEED = 20240930

const PII_TYPES: PiiType[] = ['Email', 'EmailHashedUnifiedId2', 'Phone', 'PhoneNumberHashedUnifiedId2']

const NUM_RUNS = {
  neverThrows: 2000, // each value goes through all four PII types
  format: 800, // per PII type
  idempotentEmail: 1500,
  idempotentPhone: 1500,
  plainIsFixedPoint: 500, // per PII type
  hashedMatchesPlain: 800, // per email/phone pair
  leakMarked: 800, // each value goes through all four PII types
  leakDigits: 800, // each value goes through both phone types
  leakDigests: 300, // each value goes through both plain types
  leakNonText: 300 // each value goes through all four PII types
}

function run<T>(arbitrary: fc.Arbitrary<T>, numRuns: number, predicate: (value: T) => void): void {
  fc.assert(
    fc.property(arbitrary, (value) => {
      predicate(value)
    }),
    { seed: SEED, numRuns }
  )
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries

const chars = (alphabet: string) => fc.constantFrom(...alphabet.split(''))

/** Strings of every kind fast-check makes: ASCII, control characters, full Unicode, graphemes, lone surrogates. */
const shortStrings = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'grapheme-composite' }),
  fc.string({ unit: fc.constantFrom('\ud800', '\udfff', '\u0000', '\u212a', '\u0130', '\u00a0', '\u2028', '\ufeff') })
)

/** 10,000 to 30,000 characters: a repeated random piece, or mostly-structure hostile shapes. */
const longStrings = fc.oneof(
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }), fc.integer({ min: 10_000, max: 30_000 }))
    .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length))),
  fc
    .tuple(
      fc.constantFrom('a@', '+', '+1', ' ', '@', 'a@b.', '', '\t'),
      fc.constantFrom('.', '1 ', '@', ' ', '-', '(', '9', 'a', '\u0000', '+'),
      fc.integer({ min: 10_000, max: 30_000 }),
      fc.constantFrom('', '@gmail.com', '.com', ' ', '1')
    )
    .map(([head, body, count, tail]) => head + body.repeat(count) + tail)
)

const padding = fc.constantFrom('', '', ' ', '  ', '\t', '\n', ' \r\n', '\u00a0', '\u2028', '\ufeff')

/** Mostly valid email addresses with case, padding, gmail dots/suffixes, letters outside ASCII, broken characters. */
const emailLike = fc.oneof(
  fc.tuple(padding, fc.mixedCase(fc.emailAddress()), padding).map(([a, email, b]) => a + email + b),
  fc
    .tuple(
      padding,
      fc.string({ unit: chars('abcXYZ0189._+-!#~'), minLength: 0, maxLength: 24 }),
      fc.constantFrom(
        'gmail.com',
        'GMail.COM',
        'googlemail.com',
        'gmail.co.uk',
        'example.com',
        'Example.ORG',
        'localhost',
        '.com',
        'example.',
        ''
      ),
      padding
    )
    .map(([a, local, domain, b]) => `${a}${local}@${domain}${b}`),
  fc
    .tuple(
      fc.string({ unit: chars('aZé\u00df\u4f8b\u0301.+É'), minLength: 1, maxLength: 12 }),
      fc.string({ unit: fc.constantFrom('a', 'ü', '\u4f8b', '\u{1f60a}', 'Ü'), minLength: 1, maxLength: 6 }),
      fc.constantFrom('.com', '.de', '.jp', '')
    )
    .map(([local, name, tld]) => `${local}@${name}${tld}`),
  fc
    .tuple(fc.emailAddress(), fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }))
    .map(([email, at, junk]) => email.slice(0, at % (email.length + 1)) + junk + email.slice(at % (email.length + 1)))
)

const digitString = (minLength: number, maxLength: number) =>
  fc.string({ unit: chars('0123456789'), minLength, maxLength })

/** Mostly valid phone numbers: +, country code, a (0) trunk prefix at times, digit groups and the separators people type. */
const wellFormedPhone = fc
  .tuple(
    padding,
    fc.constantFrom('+', '+', '+ ', '+('),
    fc.string({ unit: chars('123456789'), minLength: 1, maxLength: 1 }),
    digitString(0, 2),
    fc.constantFrom('', '', ' (0)', '(0)', ' (0) '),
    fc.array(fc.tuple(fc.constantFrom('', ' ', '-', '.', ') ', ' (', '('), digitString(1, 4)), {
      minLength: 1,
      maxLength: 4
    }),
    padding
  )
  .map(
    ([a, plus, first, code, trunk, groups, b]) =>
      a + plus + first + code + trunk + groups.map(([s, d]) => s + d).join('') + b
  )

/** Phone-shaped inputs that often break a rule: no or doubled +, junk separators, too many or few digits. */
const messyPhone = fc
  .tuple(
    fc.constantFrom('+', '+', '', '++', '+ ', ' +', '00'),
    fc.array(fc.tuple(digitString(1, 4), fc.constantFrom('', ' ', '-', '.', '(', ')', ' - ', ') ', '/', 'x', '\t')), {
      minLength: 1,
      maxLength: 7
    }),
    padding
  )
  .map(([plus, groups, pad]) => pad + plus + groups.map(([digits, sep]) => digits + sep).join('') + pad)

const phoneLike = fc.oneof({ arbitrary: wellFormedPhone, weight: 2 }, { arbitrary: messyPhone, weight: 1 })

/** 32 random bytes written as the digests people send, and near misses. */
const hashLike = fc
  .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(7), padding)
  .map(([bytes, form, pad]) => {
    const buffer = Buffer.from(bytes)
    const hex = buffer.toString('hex')
    const base64 = buffer.toString('base64')
    const forms = [
      hex,
      hex.toUpperCase(),
      hex.slice(0, 20).toUpperCase() + hex.slice(20),
      base64,
      base64.slice(0, 43),
      buffer.toString('base64url'),
      hex.slice(1),
      hex + '0'
    ]
    return pad + forms[form] + pad
  })

const anyString = fc.oneof(
  { arbitrary: shortStrings, weight: 4 },
  { arbitrary: emailLike, weight: 3 },
  { arbitrary: phoneLike, weight: 3 },
  { arbitrary: hashLike, weight: 2 },
  { arbitrary: longStrings, weight: 1 }
)

/** Any string, with extra weight on identifiers of the given type so that acceptances are frequent. */
function stringsFor(piiType: PiiType): fc.Arbitrary<string> {
  const likely = piiType.startsWith('Email') ? emailLike : phoneLike
  return fc.oneof({ arbitrary: anyString, weight: 1 }, { arbitrary: likely, weight: 1 })
}

/** Whatever a mapping could produce where a string is expected. */
const notAString = fc.oneof(
  fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true }),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.string().map((s) => Symbol(s)),
  fc.string().map((s) => new String(s)),
  fc.constant(Object.create(null) as object)
)

const anyValue = fc.oneof({ arbitrary: anyString, weight: 3 }, { arbitrary: notAString, weight: 1 })

// ---------------------------------------------------------------------------------------------------------------
// Independent oracles

/** Spaces, controls and zero-width spaces: never inside an uploaded email. */
const SPACE_OR_CONTROL = /[\s\p{Cc}\u180e\u200b\u2060]/u

function isEmailLine(line: string): boolean {
  // Well-formed UTF-16 (a lone surrogate does not survive a UTF-8 round trip), lowercase, at most 254 UTF-8 bytes.
  if (Buffer.from(line, 'utf8').toString('utf8') !== line || line !== line.toLowerCase()) return false
  if (SPACE_OR_CONTROL.test(line) || line.includes('\ufffd') || Buffer.byteLength(line) > 254) return false
  const parts = line.split('@')
  if (parts.length !== 2) return false
  const [local, domain] = parts
  if (local.length === 0 || !domain.includes('.') || domain.startsWith('.') || domain.endsWith('.')) return false
  return domain !== 'gmail.com' || !/[.+]/.test(local)
}

const PHONE_LINE = /^\+[1-9]\d{9,14}$/

function isDigestLine(line: string): boolean {
  return (
    /^[A-Za-z0-9+/]{43}=$/.test(line) &&
    Buffer.from(line, 'base64').length === 32 &&
    Buffer.from(line, 'base64').toString('base64') === line
  )
}

function hasLineFormat(piiType: PiiType, line: string): boolean {
  if (piiType === 'Email') return isEmailLine(line)
  if (piiType === 'Phone') return PHONE_LINE.test(line)
  return isDigestLine(line)
}

/** The base64 digest an input stands for when it already is a SHA-256 digest (hex or canonical base64). */
function digestOf(raw: string): string | undefined {
  const value = raw.trim()
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex').toString('base64')
  if (isDigestLine(value)) return value
  return undefined
}

function isWellFormed(result: NormalizeResult): boolean {
  const keys = Object.keys(result).sort().join(',')
  if (result.ok === true) return keys === 'ok,value' && typeof result.value === 'string' && result.value.length > 0
  return result.ok === false && keys === 'ok,reason' && typeof result.reason === 'string' && result.reason.length > 0
}

// ---------------------------------------------------------------------------------------------------------------

describe('toUploadLine never throws', () => {
  it('any value gives a well-formed result for every PII type', () => {
    // A throw fails the property: fast-check reports it as a counterexample.
    run(anyValue, NUM_RUNS.neverThrows, (raw) => {
      for (const piiType of PII_TYPES) {
        const result = toUploadLine(piiType, raw)
        if (!isWellFormed(result)) expect(result).toBe('well-formed')
        if (typeof raw !== 'string') expect(result.ok).toBe(false)
      }
    })
  })
})

describe('accepted lines have the format of their PII type', () => {
  it.each(PII_TYPES)('%s', (piiType) => {
    let accepted = 0
    run(stringsFor(piiType), NUM_RUNS.format, (raw) => {
      const result = toUploadLine(piiType, raw)
      if (!result.ok) return
      accepted++
      expect(hasLineFormat(piiType, result.value)).toBe(true)
      // The upload body writes such lines byte for byte (latin1): they must be printable ASCII.
      if (hasAsciiLines(piiType)) expect(/^[!-~]+$/.test(result.value)).toBe(true)
    })
    // Not vacuous: the generators produce plenty of valid identifiers for every type.
    expect(accepted).toBeGreaterThan(NUM_RUNS.format / 10)
  })
})

describe('normalization is idempotent', () => {
  it('normalizeEmail', () => {
    let accepted = 0
    run(fc.oneof(emailLike, shortStrings), NUM_RUNS.idempotentEmail, (raw) => {
      const once = normalizeEmail(raw)
      if (!once.ok) return
      accepted++
      expect(normalizeEmail(once.value)).toEqual(once)
    })
    expect(accepted).toBeGreaterThan(NUM_RUNS.idempotentEmail / 4)
  })

  it('normalizePhone', () => {
    let accepted = 0
    run(fc.oneof(phoneLike, shortStrings), NUM_RUNS.idempotentPhone, (raw) => {
      const once = normalizePhone(raw)
      if (!once.ok) return
      accepted++
      expect(normalizePhone(once.value)).toEqual(once)
    })
    expect(accepted).toBeGreaterThan(NUM_RUNS.idempotentPhone / 10)
  })

  it.each(PII_TYPES)('%s: an uploaded line is a fixed point (hashed lines are never hashed twice)', (piiType) => {
    let accepted = 0
    run(stringsFor(piiType), NUM_RUNS.plainIsFixedPoint, (raw) => {
      const once = toUploadLine(piiType, raw)
      if (!once.ok) return
      accepted++
      expect(toUploadLine(piiType, once.value)).toEqual(once)
    })
    expect(accepted).toBeGreaterThan(NUM_RUNS.plainIsFixedPoint / 10)
  })
})

describe('hashed types send SHA-256 of what the plain type sends', () => {
  it.each([
    ['Email', 'EmailHashedUnifiedId2'],
    ['Phone', 'PhoneNumberHashedUnifiedId2']
  ] as const)('%s / %s', (plainType, hashedType) => {
    let hashedCount = 0
    run(stringsFor(plainType), NUM_RUNS.hashedMatchesPlain, (raw) => {
      const plain = toUploadLine(plainType, raw)
      const hashed = toUploadLine(hashedType, raw)
      const digest = digestOf(raw)
      if (digest !== undefined) {
        // Already a digest: passed through as base64 for the hashed type, refused for the plain type.
        expect(hashed).toEqual({ ok: true, value: digest })
        expect(plain.ok).toBe(false)
        return
      }
      expect(hashed.ok).toBe(plain.ok)
      if (plain.ok && hashed.ok) {
        hashedCount++
        expect(hashed.value).toBe(expectedHash(plain.value))
      }
    })
    expect(hashedCount).toBeGreaterThan(NUM_RUNS.hashedMatchesPlain / 10)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Rejection reasons never repeat the input.
//
// Reasons are fixed English sentences, so a naive "the reason does not contain any 8 characters of the input"
// fails on inputs that merely share words or numbers with a sentence ("Email has", a digit limit such as "15").
// To stay honest the inputs are built so that a shared piece can only come from a leak:
// - marker inputs put MARKER ('zq', in no English word) around chunks of at most 5 UTF-16 units, so every
//   8-character window holds MARKER; only windows holding MARKER are checked, and all of them are;
// - digit inputs use only the digits 0236789 with phone separators: a reason holding 8 of those in a row can
//   only have taken them from the input;
// - digest inputs are 32 random bytes in hex or base64, checked as whole and as windows: a false match would
//   need 8 random characters to spell a piece of a sentence (odds around 1e-14 per window, and the seed is fixed);
// - non-text values hold marked strings and 9-digit numbers starting with 9; a reason holding MARKER or such
//   a number has taken it from the value.

/** `zq<chunk>zq<chunk>...zq` with chunks of at most 5 UTF-16 units. */
function marked(unit: fc.Arbitrary<string> | 'binary' | 'binary-ascii' | 'grapheme', maxChunks: number, minChunks = 1) {
  return fc
    .array(
      fc.string({ unit, maxLength: 5 }).map((chunk) => chunk.slice(0, 5)),
      { minLength: minChunks, maxLength: maxChunks }
    )
    .map((chunks) => MARKER + chunks.join(MARKER) + MARKER)
}

const cleanUnit = fc.constantFrom('a', 'B', '1', '.', '-', '_')
const emailishUnit = fc.constantFrom('@', '.', '+', ' ', 'a', 'B', '1', '\u0000', '\u00e9', '-', '@', '.')

const markedInputs = fc.oneof(
  marked('binary', 20),
  marked('binary-ascii', 20),
  marked('grapheme', 20),
  marked(emailishUnit, 20),
  // 10,000 to 20,000 characters: a marked string repeated, still marked every 7 characters at most.
  fc
    .tuple(marked(emailishUnit, 40, 5), fc.integer({ min: 10_000, max: 20_000 }))
    .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length))),
  fc
    .tuple(
      padding,
      fc.constantFrom('', '', '@', '+', '.+', '..'),
      marked(fc.oneof({ arbitrary: cleanUnit, weight: 9 }, { arbitrary: emailishUnit, weight: 1 }), 6),
      fc.constantFrom('@gmail.com', '@GMAIL.com', '@example.com', '@localhost', '@', '@@x.com', '', '@.com'),
      padding
    )
    .map(([a, head, local, domain, b]) => a + head + local + domain + b),
  fc.tuple(padding, marked(cleanUnit, 6), fc.constantFrom('', '.com')).map(([a, rest, tld]) => `${a}@${rest}${tld}`),
  fc
    .tuple(fc.constantFrom('+', '', '+0'), marked(fc.constantFrom('1', '2', ' ', '-', '(', ')', '.', 'x'), 8))
    .map(([plus, rest]) => plus + rest)
)

const safeDigits = (minLength: number, maxLength: number) => fc.string({ unit: chars('0236789'), minLength, maxLength })

/** Phone-shaped inputs whose digits reach every digit-count rule: too few, too many, leading 0, no +. */
const digitInputs = fc
  .tuple(
    fc.constantFrom('+', '+', '', ' +', '++'),
    fc.array(fc.tuple(safeDigits(1, 5), fc.constantFrom('', ' ', '-', '.', ') ', ' (')), { minLength: 1, maxLength: 6 })
  )
  .map(([plus, groups]) => plus + groups.map(([digits, sep]) => digits + sep).join(''))
  .filter((value) => value.trim().length >= 3)

function expectNoLeak(result: NormalizeResult, raw: string, onlyMarked: boolean): void {
  if (result.ok) return
  expect(leakedPiece(result.reason, raw, onlyMarked)).toBeUndefined()
}

describe('rejection reasons never contain the input', () => {
  it('marker inputs (arbitrary Unicode, control characters, email and phone shapes), every PII type', () => {
    const reasons = new Set<string>()
    run(markedInputs, NUM_RUNS.leakMarked, (raw) => {
      for (const piiType of PII_TYPES) {
        const result = toUploadLine(piiType, raw)
        if (!result.ok) reasons.add(result.reason)
        expectNoLeak(result, raw, true)
      }
    })
    // Not vacuous: the inputs reach the rules of both identifier kinds that a marked input can break.
    const all = [...reasons].join('\n')
    for (const rule of [
      /longer than 254/,
      /space or a control character/,
      /uppercase letter outside ASCII/,
      /more than one @/,
      /has no @/,
      /nothing before the @\./,
      /domain/,
      /once gmail dots/,
      /must start with \+/,
      /characters other than digits/
    ]) {
      expect(all).toMatch(rule)
    }
  })

  it('digit inputs, every window checked, both phone types', () => {
    const reasons = new Set<string>()
    run(digitInputs, NUM_RUNS.leakDigits, (raw) => {
      for (const piiType of ['Phone', 'PhoneNumberHashedUnifiedId2'] as const) {
        const result = toUploadLine(piiType, raw)
        if (!result.ok) reasons.add(result.reason)
        expectNoLeak(result, raw, false)
      }
    })
    // The generator reaches every digit rule, so the property is checked against each of those reasons.
    const all = [...reasons].join('\n')
    for (const rule of [/must start with \+/, /more than 15 digits/, /fewer than 10 digits/, /cannot start with 0/]) {
      expect(all).toMatch(rule)
    }
  })

  it('digests refused by the plain types, every window checked', () => {
    let refused = 0
    run(hashLike, NUM_RUNS.leakDigests, (raw) => {
      for (const piiType of ['Email', 'Phone'] as const) {
        const result = toUploadLine(piiType, raw)
        expect(result.ok).toBe(false)
        if (!result.ok && /already hashed/.test(result.reason)) refused++
        expectNoLeak(result, raw, false)
      }
    })
    expect(refused).toBeGreaterThan(NUM_RUNS.leakDigests / 2)
  })

  it('non-text values holding marked strings or 9-digit numbers, every PII type', () => {
    const markedText = marked('binary', 4)
    const nineDigits = fc.integer({ min: 900_000_000, max: 999_999_999 })
    const value = fc.oneof(
      fc.anything({ key: markedText, values: [markedText, nineDigits], withBoxedValues: true, withMap: true }),
      nineDigits,
      fc.array(markedText, { minLength: 1, maxLength: 3 })
    )
    run(value, NUM_RUNS.leakNonText, (raw) => {
      for (const piiType of PII_TYPES) {
        const result = toUploadLine(piiType, raw)
        if (typeof raw === 'string') {
          expectNoLeak(result, raw, true)
          continue
        }
        expect(result.ok).toBe(false)
        if (result.ok) continue
        expect(result.reason).not.toContain(MARKER)
        expect(result.reason).not.toMatch(/9\d{8}/)
      }
    })
  })
})

// ---------------------------------------------------------------------------------------------------------------

describe('hostile sizes normalize in linear time', () => {
  // Each input is at least 100,000 characters; a quadratic pass would take many seconds on them. The bound is
  // a generous sanity check, not a benchmark.
  const BOUND_MS = 1500
  const hostile: [string, () => string][] = [
    ['a@ and 100,000 dots', () => 'a@' + '.'.repeat(100_000)],
    ['+ and 50,000 "1 "', () => '+' + '1 '.repeat(50_000)],
    ['+ and 1,000,000 separators then a digit', () => '+' + ' -().'.repeat(200_000) + '1'],
    ['1,000,000 @', () => '@'.repeat(1_000_000)],
    ['1,000,000 +', () => '+'.repeat(1_000_000)],
    ['an address inside 2,000,000 spaces', () => ' '.repeat(1_000_000) + 'Jane.Doe@Gmail.com' + ' '.repeat(1_000_000)],
    ['1,000,000 hex digits', () => 'a'.repeat(1_000_000)],
    ['1,000,000 dots then @gmail.com', () => '.'.repeat(1_000_000) + 'a@gmail.com'],
    ['500,000 astral characters', () => '\u{1F600}'.repeat(500_000)],
    ['1,000,000 lone surrogates', () => '\ud800'.repeat(1_000_000)]
  ]

  it.each(hostile)('%s', (_name, make) => {
    const raw = make()
    for (const piiType of PII_TYPES) {
      const started = performance.now()
      const result = toUploadLine(piiType, raw)
      const elapsed = performance.now() - started
      expect(elapsed).toBeLessThan(BOUND_MS)
      expect(isWellFormed(result)).toBe(true)
      if (result.ok) expect(hasLineFormat(piiType, result.value)).toBe(true)
      else expect(result.reason.length).toBeLessThan(200)
    }
  })

  it('accepts the padded address and rejects the rest, for the right reasons', () => {
    const padded = ' '.repeat(1_000_000) + 'Jane.Doe@Gmail.com' + ' '.repeat(1_000_000)
    expect(toUploadLine('Email', padded)).toEqual({ ok: true, value: 'janedoe@gmail.com' })
    expect(toUploadLine('Email', 'a@' + '.'.repeat(100_000))).toEqual({
      ok: false,
      reason: expect.stringMatching(/longer than 254/)
    })
    expect(toUploadLine('Phone', '+' + '1 '.repeat(50_000))).toEqual({
      ok: false,
      reason: expect.stringMatching(/more than 15 digits/)
    })
    expect(toUploadLine('Phone', '+' + ' -().'.repeat(200_000) + '1')).toEqual({
      ok: false,
      reason: expect.stringMatching(/fewer than 10 digits/)
    })
  })
})
