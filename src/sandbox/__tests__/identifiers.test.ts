import { createHash } from 'node:crypto'
import { DigestSet } from '../digest-set'
import { decodeBase64Digest, isE164Phone, isNormalizedEmail, memberKey } from '../identifiers'
import { UploadParser } from '../upload-parser'
import { sha256Base64 } from './helpers'

const check = (validator: (bytes: Uint8Array, start: number, end: number) => boolean, line: string) => {
  // padded on both sides so the validators must respect start and end
  const bytes = Buffer.from(`xx${line}yy`)
  return validator(bytes, 2, bytes.length - 2)
}

describe('line validation', () => {
  it.each(['jane@example.com', 'janedoe@gmail.com', 'first.last@example.co.uk', 'a+b@example.org', 'ünï@exämple.de'])(
    'accepts the normalized email %s',
    (line) => expect(check(isNormalizedEmail, line)).toBe(true)
  )

  it.each([
    'Jane@example.com',
    'jane@Example.com',
    'jane@@example.com',
    'jane@exa@mple.com',
    'jane.example.com',
    '@example.com',
    'jane@',
    'jane@com',
    'jane@.com',
    'jane@example.',
    'jane doe@example.com',
    'jane@example.com\t',
    'jane.doe@gmail.com',
    'janedoe+ads@gmail.com',
    'ÉLODIE@exemple.fr',
    'jane\u00a0doe@example.com',
    ''
  ])('rejects the email %j', (line) => expect(check(isNormalizedEmail, line)).toBe(false))

  it('rejects email bytes that are not UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('j'), Buffer.from([0xff, 0xfe]), Buffer.from('@example.com')])
    expect(isNormalizedEmail(bytes, 0, bytes.length)).toBe(false)
  })

  it.each(['+14155550100', '+442071838750', '+123456', '+123456789012345'])('accepts the E.164 phone %s', (line) =>
    expect(check(isE164Phone, line)).toBe(true)
  )

  it.each(['14155550100', '+04155550100', '+12345', '+1234567890123456', '+1 415 555 0100', '+1415555010a', '+'])(
    'rejects the phone %j',
    (line) => expect(check(isE164Phone, line)).toBe(false)
  )

  it('decodes canonical base64 SHA-256 digests and refuses anything else', () => {
    const digest = createHash('sha256').update('jane@example.com').digest()
    const out = new Uint8Array(32)
    const text = Buffer.from(`#${digest.toString('base64')}#`)
    expect(decodeBase64Digest(text, 1, 45, out)).toBe(true)
    expect(Buffer.from(out).equals(digest)).toBe(true)

    const b64 = digest.toString('base64')
    for (const bad of [
      digest.toString('hex'),
      digest.toString('base64url'),
      b64.slice(0, 43) + 'A',
      '=' + b64.slice(1),
      b64.slice(0, 10) + '*' + b64.slice(11),
      // the padding bits of the last alphabet character must be zero
      b64.slice(0, 42) + (b64[42] === 'B' ? 'C' : 'B') + '=',
      Buffer.alloc(31).toString('base64') + 'AAAA'
    ]) {
      const bytes = Buffer.from(bad)
      expect([bad, decodeBase64Digest(bytes, 0, bytes.length, out)]).toEqual([bad, false])
    }
  })

  it('keys plain PII by its SHA-256 in base64 and hashed PII as it is', () => {
    expect(memberKey('Email', 'jane@example.com')).toBe(sha256Base64('jane@example.com'))
    expect(memberKey('Phone', '+14155550100')).toBe(sha256Base64('+14155550100'))
    const hashed = sha256Base64('x')
    expect(memberKey('EmailHashedUnifiedId2', hashed)).toBe(hashed)
    expect(memberKey('PhoneNumberHashedUnifiedId2', hashed)).toBe(hashed)
  })
})

describe('UploadParser', () => {
  const feed = (piiType: 'Email' | 'EmailHashedUnifiedId2', body: Buffer, chunkSize: number) => {
    const parser = new UploadParser(piiType)
    for (let offset = 0; offset < body.length; offset += chunkSize) {
      parser.push(body.subarray(offset, offset + chunkSize))
    }
    const tally = parser.finish()
    return { lineCount: tally.lineCount, rejectedLines: tally.rejectedLines, keys: tally.digests.toBase64Set() }
  }

  it('gives the same tally whatever the chunk boundaries, including inside CRLF and UTF-8 characters', () => {
    const body = Buffer.from('a@example.com\r\nélodie@exemple.fr\r\n\r\nBAD@example.com\nb@example.com\na@example.com')
    const expected = {
      lineCount: 6,
      rejectedLines: 2,
      keys: new Set(['a@example.com', 'élodie@exemple.fr', 'b@example.com'].map(sha256Base64))
    }
    for (const chunkSize of [1, 2, 3, 7, 16, body.length]) expect(feed('Email', body, chunkSize)).toEqual(expected)
  })

  it('does not count a final newline as another line, but counts blank lines in between', () => {
    expect(feed('Email', Buffer.from('a@example.com\n'), 64).lineCount).toBe(1)
    expect(feed('Email', Buffer.from('a@example.com\n\n'), 64)).toEqual(
      expect.objectContaining({ lineCount: 2, rejectedLines: 1 })
    )
    expect(feed('Email', Buffer.from(''), 64)).toEqual(expect.objectContaining({ lineCount: 0, rejectedLines: 0 }))
  })

  it('rejects an overlong line as one line without holding it', () => {
    const long = 'x'.repeat(10_000) + '@example.com'
    const body = Buffer.from(`${long}\nok@example.com\n${long}`)
    for (const chunkSize of [100, 4096, body.length]) {
      expect(feed('Email', body, chunkSize)).toEqual({
        lineCount: 3,
        rejectedLines: 2,
        keys: new Set([sha256Base64('ok@example.com')])
      })
    }
  })
})

describe('DigestSet', () => {
  it('deduplicates digests that differ only in their last bytes and grows without losing any', () => {
    const set = new DigestSet(16)
    const digest = new Uint8Array(32)
    let added = 0
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 50_000; i++) {
        digest[29] = i >> 16
        digest[30] = (i >> 8) & 255
        digest[31] = i & 255
        if (set.add(digest, 0)) added++
      }
    }
    expect(added).toBe(50_000)
    expect(set.size).toBe(50_000)
    const keys = set.toBase64Set()
    expect(keys.size).toBe(50_000)
    expect(keys.has(Buffer.alloc(32).toString('base64'))).toBe(true)
  })

  it('unions another set', () => {
    const a = new DigestSet()
    const b = new DigestSet()
    const digest = (n: number) => createHash('sha256').update(String(n)).digest()
    for (let i = 0; i < 10; i++) a.add(digest(i), 0)
    for (let i = 5; i < 20; i++) b.add(digest(i), 0)
    a.addAll(b)
    expect(a.size).toBe(20)
    expect(b.size).toBe(15)
  })
})
