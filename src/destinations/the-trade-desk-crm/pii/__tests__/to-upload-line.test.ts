import type { PiiType } from '../../constants'
import { hasAsciiLines, toUploadLine } from '../index'
import { expectedHash, leakedPiece, MARKER, reasonOf, valueOf } from '../../__tests__/__helpers__/pii-checks'

const ALL_TYPES: PiiType[] = ['Email', 'EmailHashedUnifiedId2', 'Phone', 'PhoneNumberHashedUnifiedId2']
const HASHED_TYPES: PiiType[] = ['EmailHashedUnifiedId2', 'PhoneNumberHashedUnifiedId2']
const PLAIN_TYPES: PiiType[] = ['Email', 'Phone']

const digest = expectedHash('someone.else@example.org')
const digestHex = Buffer.from(digest, 'base64').toString('hex')

describe('toUploadLine: normalizes and hashes', () => {
  it.each([
    ['Email', 'Jane.Doe+ads@Gmail.com', 'janedoe@gmail.com'],
    ['Email', '  Jane.Doe+ads@Example.COM ', 'jane.doe+ads@example.com'],
    ['Phone', '+1 (415) 555-0100', '+14155550100'],
    ['Phone', ' +44 20 7946 0958 ', '+442079460958']
  ] as const)('%s: plain type sends the normalized value', (piiType, raw, expected) => {
    expect(valueOf(toUploadLine(piiType, raw))).toBe(expected)
  })

  it.each([
    ['EmailHashedUnifiedId2', 'Jane.Doe+ads@Gmail.com', 'janedoe@gmail.com'],
    ['EmailHashedUnifiedId2', '  JANE@EXAMPLE.COM\n', 'jane@example.com'],
    ['PhoneNumberHashedUnifiedId2', '+1 (415) 555-0100', '+14155550100']
  ] as const)('%s: hashes the normalized value, not the raw one', (piiType, raw, normalized) => {
    const line = valueOf(toUploadLine(piiType, raw))
    expect(line).toBe(expectedHash(normalized))
    expect(line).not.toBe(expectedHash(raw))
    expect(line).toHaveLength(44)
  })
})

describe('hasAsciiLines', () => {
  it('is false for plain emails only, whose lines keep characters outside ASCII', () => {
    expect(valueOf(toUploadLine('Email', 'José@Example.com'))).toBe('josé@example.com')
    expect(hasAsciiLines('Email')).toBe(false)
    expect(HASHED_TYPES.concat('Phone').map(hasAsciiLines)).toEqual([true, true, true])
  })
})

describe('toUploadLine: values that arrive already hashed', () => {
  it.each(HASHED_TYPES)('%s: 64 lowercase hex become the base64 of the same 32 bytes', (piiType) => {
    expect(valueOf(toUploadLine(piiType, digestHex))).toBe(digest)
  })

  it.each(HASHED_TYPES)('%s: 64 uppercase hex (with whitespace around) become the same base64', (piiType) => {
    expect(valueOf(toUploadLine(piiType, `  ${digestHex.toUpperCase()}\n`))).toBe(digest)
  })

  it.each(HASHED_TYPES)('%s: a 44-character base64 digest is sent as it is, not hashed again', (piiType) => {
    const line = valueOf(toUploadLine(piiType, digest))
    expect(line).toBe(digest)
    expect(line).not.toBe(expectedHash(digest))
  })

  it.each(HASHED_TYPES)('%s: a non-canonical base64 string is not taken for a digest', (piiType) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const nonCanonical = digest.slice(0, 42) + alphabet[alphabet.indexOf(digest[42]) + 1] + '='
    const result = toUploadLine(piiType, nonCanonical)
    expect(result).toEqual({ ok: false, reason: expect.any(String) })
    expect(leakedPiece(reasonOf(result), nonCanonical)).toBeUndefined()
  })

  it.each(PLAIN_TYPES.flatMap((piiType) => [digestHex, digestHex.toUpperCase(), digest].map((v) => [piiType, v])))(
    '%s refuses hashed-looking input %#, pointing at the hashed type',
    (piiType, value) => {
      const reason = reasonOf(toUploadLine(piiType as PiiType, value))
      expect(reason).toMatch(/already hashed/)
      expect(reason).toMatch(/choose the hashed PII type/)
      expect(leakedPiece(reason, value)).toBeUndefined()
    }
  )
})

describe('toUploadLine: missing and non-text values', () => {
  const revoked = Proxy.revocable({}, {})
  revoked.revoke()
  const throwing = {
    toString() {
      throw new Error('toString must not be called')
    },
    get trim() {
      throw new Error('trim must not be read')
    }
  }

  const missing: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['empty string', '']
  ]
  const notText: [string, unknown][] = [
    ['zero', 0],
    ['a phone number as a number', 14155550100],
    ['NaN', Number.NaN],
    ['a bigint', 14155550100n],
    ['true', true],
    ['false', false],
    ['an empty object', {}],
    ['an object holding an email', { email: 'jane.doe@example.com' }],
    ['an empty array', []],
    ['an array holding an email', ['jane.doe@example.com']],
    ['a String object', new String('jane.doe@example.com')],
    ['a symbol', Symbol('jane.doe@example.com')],
    ['a function', () => 'jane.doe@example.com'],
    ['a revoked proxy', revoked.proxy],
    ['an object whose toString and trim throw', throwing],
    ['a Date', new Date(0)]
  ]

  it.each(ALL_TYPES.flatMap((piiType) => missing.map(([name, value]) => [piiType, name, value] as const)))(
    '%s: %s is reported missing',
    (piiType, _name, value) => {
      const label = piiType.startsWith('Email') ? 'Email' : 'Phone number'
      expect(toUploadLine(piiType, value)).toEqual({ ok: false, reason: `${label} is missing.` })
    }
  )

  it.each(ALL_TYPES.flatMap((piiType) => notText.map(([name, value]) => [piiType, name, value] as const)))(
    '%s: %s must be text, without throwing or echoing it',
    (piiType, _name, value) => {
      let result: ReturnType<typeof toUploadLine> | undefined
      expect(() => {
        result = toUploadLine(piiType, value)
      }).not.toThrow()
      const reason = reasonOf(result as ReturnType<typeof toUploadLine>)
      expect(reason).toMatch(/must be text/)
      expect(reason).toMatch(piiType.startsWith('Email') ? /^Email / : /^Phone number /)
      expect(reason).not.toContain('jane.doe')
      expect(reason).not.toContain('14155550100')
    }
  )

  it.each(ALL_TYPES)('%s: whitespace only is refused as empty', (piiType) => {
    expect(reasonOf(toUploadLine(piiType, ' \t\n'))).toMatch(/empty/)
  })
})

describe('toUploadLine: rejections never contain the value', () => {
  const cases: [PiiType, string][] = [
    ['Email', 'jane.doe.example.com'],
    ['Email', 'jane@doe@example.com'],
    ['Email', 'jane doe@example.com'],
    ['Email', 'jane.doe@localhost'],
    ['Email', '+ads.suffix@gmail.com'],
    ['EmailHashedUnifiedId2', 'jane.doe.example.com'],
    ['EmailHashedUnifiedId2', '\u212Aate.doe@example.com'],
    ['EmailHashedUnifiedId2', 'x'.repeat(300) + '@example.com'],
    ['Phone', '2125550143'],
    ['Phone', '+1 212 CALL NOW'],
    ['Phone', '+1234 5678 9012 3456'],
    ['PhoneNumberHashedUnifiedId2', '+0212 555 0143'],
    ['PhoneNumberHashedUnifiedId2', '+212 555']
  ]

  it.each(cases)('%s: rejection %#', (piiType, raw) => {
    const result = toUploadLine(piiType, raw)
    expect(result.ok).toBe(false)
    expect(leakedPiece(reasonOf(result), raw)).toBeUndefined()
  })
})

describe('the leak check these tests rely on', () => {
  const raw = `${MARKER}Jane.Doe${MARKER}@Example.com`

  it('finds the whole value, a trimmed or lowercased copy, and any 8-character piece', () => {
    expect(leakedPiece(`Email ${raw} is bad.`, raw)).toBe(raw)
    const padded = `  ${raw.toUpperCase()} `
    const piece = leakedPiece(`Email ${padded.trim().toLowerCase()} is bad.`, padded) ?? ''
    expect(piece).toHaveLength(8)
    expect(padded.toLowerCase()).toContain(piece)
    expect(padded).not.toContain(piece)
    expect(leakedPiece(`Email near ${raw.slice(4, 12)} is bad.`, raw)).toBe(raw.slice(4, 12))
  })

  it('ignores shorter pieces, and with onlyMarked pieces without the marker', () => {
    expect(leakedPiece(`Email near ${raw.slice(4, 11)} is bad.`, raw)).toBeUndefined()
    expect(leakedPiece('Email has no @.', 'xx Email has no @ xx', true)).toBeUndefined()
    expect(leakedPiece('Email has no @.', 'xx Email has no @ xx', false)).toBe('Email ha')
  })
})
