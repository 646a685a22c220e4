import { isSha256Base64, isSha256Hex, sha256Base64, sha256Base64WithHashObject } from '../hash'
import { expectedHash } from '../../__tests__/__helpers__/pii-checks'

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

describe('sha256Base64', () => {
  it('is SHA-256 of the UTF-8 bytes, base64 with padding (known vector)', () => {
    // Published SHA-256 of the empty string, written in base64.
    expect(sha256Base64('')).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')
  })

  it.each(['janedoe@gmail.com', '+14155550100', 'jane.doe@example.com', 'é ü 😀'])(
    'matches node:crypto createHash for %#',
    (value) => {
      const hashed = sha256Base64(value)
      expect(hashed).toBe(expectedHash(value))
      expect(hashed).toHaveLength(44)
      expect(hashed.endsWith('=')).toBe(true)
      expect(Buffer.from(hashed, 'base64')).toHaveLength(32)
    }
  )

  // The fallback for Node 20 releases before 20.12, which lack crypto.hash: it must give the same lines.
  it.each(['', 'janedoe@gmail.com', '+14155550100', 'é ü 😀'])(
    'has a Hash-object fallback that agrees, %#',
    (value) => {
      expect(sha256Base64WithHashObject(value)).toBe(sha256Base64(value))
    }
  )
})

describe('isSha256Hex', () => {
  const hex = expectedHashHex('janedoe@gmail.com')

  it.each([
    ['lowercase', hex],
    ['uppercase', hex.toUpperCase()],
    ['mixed case', hex.slice(0, 32).toUpperCase() + hex.slice(32)]
  ])('accepts %s', (_name, value) => {
    expect(isSha256Hex(value)).toBe(true)
  })

  it.each([
    ['63 characters', hex.slice(1)],
    ['65 characters', hex + 'a'],
    ['a non-hex letter', 'g' + hex.slice(1)],
    ['a space', ' ' + hex.slice(1)],
    ['the base64 digest', expectedHash('janedoe@gmail.com')],
    ['empty', '']
  ])('refuses %s', (_name, value) => {
    expect(isSha256Hex(value)).toBe(false)
  })
})

describe('isSha256Base64', () => {
  const digest = expectedHash('janedoe@gmail.com')

  it('accepts a digest in base64 with padding', () => {
    expect(isSha256Base64(digest)).toBe(true)
  })

  it('refuses a non-canonical encoding of the same 32 bytes', () => {
    // The 43rd character carries 2 unused bits; setting one keeps the decoded bytes but is not canonical.
    const last = BASE64_ALPHABET.indexOf(digest[42])
    expect(last % 4).toBe(0)
    const nonCanonical = digest.slice(0, 42) + BASE64_ALPHABET[last + 1] + '='
    expect(Buffer.from(nonCanonical, 'base64').equals(Buffer.from(digest, 'base64'))).toBe(true)
    expect(isSha256Base64(nonCanonical)).toBe(false)
  })

  it.each([
    ['without padding', digest.slice(0, 43)],
    ['with double padding', digest.slice(0, 42) + '=='],
    ['url-safe alphabet', digest.slice(0, 42).replace(/./, '-') + digest.slice(42)],
    ['url-safe underscore', '_' + digest.slice(1)],
    ['a space inside', digest.slice(0, 10) + ' ' + digest.slice(11)],
    ['45 characters', 'A' + digest],
    ['the hex digest', expectedHashHex('janedoe@gmail.com')],
    ['an email of 44 characters', 'a'.repeat(32) + '@example.com']
  ])('refuses %s', (_name, value) => {
    expect(isSha256Base64(value)).toBe(false)
  })
})

function expectedHashHex(value: string): string {
  return Buffer.from(expectedHash(value), 'base64').toString('hex')
}
