import { normalizeEmail } from '../email'
import { toUploadLine } from '../index'
import { normalizePhone } from '../phone'
import { expectedHash, reasonOf, valueOf } from '../../__tests__/__helpers__/pii-checks'

// One case per UID2 normalization rule, taken from UID2's own published cases: the "Normalization and Encoding"
// page of the UID2 documentation (unifiedid.com/docs/getting-started/gs-normalization-encoding, repository
// IABTechLab/uid2docs) and the normalization tests of the UID2 operator (IABTechLab/uid2-operator,
// InputNormalizationTest.java), which UID2's Python, web, iOS and Android clients repeat. Digests marked "UID2"
// are the values those sources publish, pinned here as they are; the others are computed in the test from the
// UTF-8 bytes, which is itself the rule being checked.

/** Normalizes, then hashes as the hashed type does: both must agree with UID2. */
function uploadedDigest(raw: string): string {
  return valueOf(toUploadLine('EmailHashedUnifiedId2', raw))
}

describe('UID2 email rules', () => {
  it.each([
    // rule, input, normalized, digest published by UID2
    ['trim and lowercase', 'TEst.TEST@Test.com ', 'test.test@test.com', 'dvECjPKZHya0/SIhSGwP0m8SgTv1vzLxPULUOsm880M='],
    [
      'gmail.com: dots removed',
      'test.test@gmail.com',
      'testtest@gmail.com',
      'LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw='
    ],
    [
      'gmail.com: +suffix removed',
      'test+test@gmail.com',
      'test@gmail.com',
      'h5JGBrQTGorO7q6IaFMfu5cSqqB6XTp1aybOD11spnQ='
    ],
    [
      'gmail.com: the domain matched after lowercasing',
      'TEst.TEst+123@GMail.Com',
      'testtest@gmail.com',
      'LkLfFrut8Tc3h/fIvYDiBKSbaMiau/DtaLBPQYszdMw='
    ],
    [
      'other domains keep the +suffix',
      'test+test@test.com',
      'test+test@test.com',
      'rQ4yzdOz4uG8N54326QyZD6/JwqrXn4lmy34cVCojB8='
    ],
    [
      'a local part may start with +',
      '+test@test.com',
      '+test@test.com',
      'weFizOVVWKlLfyorbBU8oxYDv4HJtTZCPMyZ4THzUQE='
    ],
    [
      'the documentation example, gmail',
      'JANESaoirse@gmail.com',
      'janesaoirse@gmail.com',
      'ku4mBX7Z3qJTXWyLFB1INzkyR2WZGW4ANSJUiW21iI8='
    ],
    [
      'the documentation example',
      'user@example.com',
      'user@example.com',
      'tMmiiTI7IaAcPpQPFQ65uMVCWH8av9jw4cwf/F5HVRQ='
    ],
    [
      'outside ASCII, kept and hashed as UTF-8: emoji in the local part',
      '\u{1F60A}testtest@test.com',
      '\u{1F60A}testtest@test.com',
      'fAFEUqApQ0V/M9mLj/IO54CgKgtQuARKsOMqtFklD4k='
    ],
    [
      'outside ASCII: emoji in the domain',
      'testtest@\u{1F60A}test.com',
      'testtest@\u{1F60A}test.com',
      'tcng5pttf7Y2z4ylZTROvIMw1+IVrMpR4D1KeXSrdiM='
    ],
    [
      'outside ASCII: emoji at the end',
      'testtest@test.com\u{1F60A}',
      'testtest@test.com\u{1F60A}',
      '0qI21FPLkuez/8RswfmircHPYz9Dtf7/Nch1rSWEQf0='
    ]
  ])('%s (UID2 digest)', (_rule, input, normalized, digest) => {
    expect(valueOf(normalizeEmail(input))).toBe(normalized)
    expect(uploadedDigest(input)).toBe(digest)
  })

  it.each([
    // Addresses outside ASCII on which every UID2 implementation agrees: lowercase letters, scripts without case.
    ['an accented lowercase letter', 'José@Example.com', 'josé@example.com'],
    ['a domain outside ASCII', 'anna@bücher.de', 'anna@bücher.de'],
    ['a script without case', 'ユーザー@例え.jp', 'ユーザー@例え.jp'],
    ['a decomposed accent, kept decomposed', 'jose\u0301@example.com', 'jose\u0301@example.com']
  ])('outside ASCII, hashed as the UTF-8 bytes of the normalized text: %s', (_name, input, normalized) => {
    expect(valueOf(normalizeEmail(input))).toBe(normalized)
    expect(uploadedDigest(input)).toBe(expectedHash(normalized))
  })

  it('composed and decomposed forms hash apart, as UID2 applies no Unicode normalization', () => {
    expect(uploadedDigest('jos\u00e9@example.com')).not.toBe(uploadedDigest('jose\u0301@example.com'))
  })

  it.each([
    // Every case UID2 refuses, with the reason that names the problem.
    ['', /missing/],
    [' @', /nothing before the @/],
    ['@', /nothing before the @/],
    ['a@', /domain/],
    ['@b', /nothing before the @/],
    ['@b.com', /nothing before the @/],
    ['+', /no @/],
    [' ', /empty/],
    ['+@gmail.com', /once gmail dots and \+suffix are removed/],
    ['.+@gmail.com', /once gmail dots and \+suffix are removed/],
    ['a@ba@z.com', /more than one @/]
  ])('refuses %j, as UID2 does', (input, reason) => {
    expect(reasonOf(toUploadLine('Email', input))).toMatch(reason)
  })

  it('refuses an uppercase letter outside ASCII, which UID2 implementations lowercase differently', () => {
    // UID2's operator and Java and Python clients lowercase A-Z only (JOSÉ -> josÉ); its web, iOS and Android
    // SDKs lowercase every letter (josé). Either hash would miss half of UID2.
    expect(reasonOf(normalizeEmail('JOSÉ@example.com'))).toMatch(/uppercase letter outside ASCII/)
    expect(valueOf(normalizeEmail('josé@example.com'))).toBe('josé@example.com')
  })
})

describe('UID2 phone rules', () => {
  it('hashes the documentation example to its published digest (UID2 digest)', () => {
    expect(valueOf(toUploadLine('PhoneNumberHashedUnifiedId2', '+12345678901'))).toBe(
      'EObwtHBUqDNZR33LNSMdtt5cafsYFuGmuY4ZLenlue4='
    )
  })

  it('normalizes the documentation example written with separators', () => {
    expect(valueOf(normalizePhone('+1 (234) 567-8901'))).toBe('+12345678901')
  })

  it.each(['+1234567890', '+12345678901', '+123456789012', '+1234567890123', '+12345678901234', '+123456789012345'])(
    'accepts %s: 10 to 15 digits',
    (input) => {
      expect(valueOf(normalizePhone(input))).toBe(input)
    }
  )

  it.each([
    ['+12345678', /fewer than 10 digits/],
    ['+123456789', /fewer than 10 digits/],
    ['+ 12345678', /fewer than 10 digits/],
    ['+ 1234 56789', /fewer than 10 digits/],
    ['+1234567890123456', /more than 15 digits/],
    ['+1234567890A', /characters other than digits/],
    ['+1234567890+', /characters other than digits/],
    ['+12345+67890', /characters other than digits/],
    ['1234567890', /must start with \+/],
    ['555-555-5555', /must start with \+/],
    ['(555) 555-5555', /must start with \+/]
  ])('refuses %j, as UID2 does', (input, reason) => {
    expect(reasonOf(normalizePhone(input))).toMatch(reason)
  })
})
