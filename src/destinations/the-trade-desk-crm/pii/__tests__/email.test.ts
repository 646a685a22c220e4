import { normalizeEmail } from '../email'
import { leakedPiece, reasonOf, valueOf } from '../../__tests__/__helpers__/pii-checks'

describe('normalizeEmail: accepted addresses', () => {
  it.each([
    ['trims surrounding whitespace and lowercases', '  Jane.Doe@Example.COM \n\t', 'jane.doe@example.com'],
    ['keeps dots and +suffix outside gmail.com', 'Jane.Doe+ads@Example.com', 'jane.doe+ads@example.com'],
    ['applies the gmail rule', 'Jane.Doe+ads@Gmail.com', 'janedoe@gmail.com'],
    ['removes every dot of a gmail local part', 'j.a.n.e..d.o.e@gmail.com', 'janedoe@gmail.com'],
    ['drops everything from the first + in a gmail local part', 'jane+a+b.c@gmail.com', 'jane@gmail.com'],
    ['applies the gmail rule after lowercasing the domain', '  JANE.DOE+X@GMAIL.COM ', 'janedoe@gmail.com'],
    ['does not apply the gmail rule to googlemail.com', 'Jane.Doe+ads@googlemail.com', 'jane.doe+ads@googlemail.com'],
    ['does not apply the gmail rule to gmail.co.uk', 'Jane.Doe+ads@gmail.co.uk', 'jane.doe+ads@gmail.co.uk'],
    [
      'does not apply the gmail rule to a gmail.com subdomain',
      'jane.doe+x@mail.gmail.com',
      'jane.doe+x@mail.gmail.com'
    ],
    ['does not apply the gmail rule to a lookalike domain', 'jane.doe+x@notgmail.com', 'jane.doe+x@notgmail.com'],
    ['accepts a + local part outside gmail.com', '+@example.com', '+@example.com'],
    ['keeps a lowercase letter outside ASCII', 'josé@example.com', 'josé@example.com'],
    ['lowercases ASCII around letters outside ASCII', ' José.García@Example.ES ', 'josé.garcía@example.es'],
    ['keeps a domain outside ASCII as written', 'anna@bücher.de', 'anna@bücher.de'],
    ['keeps scripts without case', 'user@例え.jp', 'user@例え.jp'],
    ['keeps ß, which is lowercase', 'Straße@Example.DE', 'straße@example.de'],
    ['applies the gmail rule around letters outside ASCII', 'élodie.dupont+news@GMail.com', 'élodiedupont@gmail.com'],
    ['keeps a combining mark after a letter', 'jose\u0301@example.com', 'jose\u0301@example.com'],
    ['trims spaces outside ASCII at either end', '\u00a0\u3000jane@example.com\u2028\ufeff', 'jane@example.com']
  ])('%s', (_name, input, expected) => {
    expect(valueOf(normalizeEmail(input))).toBe(expected)
  })

  it('accepts exactly 254 characters, counted after trimming', () => {
    const address = 'a'.repeat(254 - '@example.com'.length) + '@example.com'
    expect(address).toHaveLength(254)
    expect(valueOf(normalizeEmail(`  ${address}  `))).toBe(address)
  })

  it('accepts exactly 254 UTF-8 bytes, counting each character outside ASCII as its bytes', () => {
    // é is 2 bytes in UTF-8: 100 of them and 54 ASCII characters make 154 characters but 254 bytes.
    const address = 'é'.repeat(100) + 'a'.repeat(54 - '@example.com'.length) + '@example.com'
    expect(Buffer.byteLength(address)).toBe(254)
    expect(valueOf(normalizeEmail(address))).toBe(address)
  })

  it('keeps composed and decomposed forms apart: no Unicode normalization', () => {
    const composed = valueOf(normalizeEmail('jos\u00e9@example.com'))
    const decomposed = valueOf(normalizeEmail('jose\u0301@example.com'))
    expect(composed).toBe('jos\u00e9@example.com')
    expect(decomposed).toBe('jose\u0301@example.com')
    expect(composed).not.toBe(decomposed)
  })

  it('is idempotent on the gmail form', () => {
    const once = valueOf(normalizeEmail('Jane.Doe+ads@Gmail.com'))
    expect(valueOf(normalizeEmail(once))).toBe(once)
  })
})

describe('normalizeEmail: rejections', () => {
  const tooLong = 'b'.repeat(255 - '@example.com'.length) + '@example.com'

  it.each([
    ['empty', '', /empty/],
    ['only whitespace', ' \t\n ', /empty/],
    ['no @', 'jane.doe.example.com', /no @/],
    ['two @', 'jane@doe@example.com', /more than one @/],
    ['empty local part', '@example.com', /nothing before the @/],
    ['domain without a dot', 'jane.doe@localhost', /domain/],
    ['empty domain', 'jane.doe@', /domain/],
    ['domain starting with a dot', 'jane.doe@.com', /domain/],
    ['domain ending with a dot', 'jane.doe@example.com.', /domain/],
    ['space inside', 'jane doe@example.com', /space or a control character/],
    ['tab inside', 'jane\tdoe@example.com', /space or a control character/],
    ['NUL inside', 'jane\u0000doe@example.com', /space or a control character/],
    ['DEL inside', 'jane\u007fdoe@example.com', /space or a control character/],
    ['newline inside', 'jane\ndoe@example.com', /space or a control character/],
    ['non-breaking space inside', 'jane\u00a0doe@example.com', /space or a control character/],
    ['ideographic space inside', 'jane\u3000doe@example.com', /space or a control character/],
    ['line separator inside', 'jane\u2028doe@example.com', /space or a control character/],
    ['zero-width space inside', 'jane\u200bdoe@example.com', /space or a control character/],
    ['zero-width space at an end', '\u200bjane.doe@example.com', /space or a control character/],
    ['C1 control character inside', 'jane\u0085doe@example.com', /space or a control character/],
    ['uppercase letter outside ASCII', 'JOSÉ@example.com', /uppercase letter outside ASCII.*write it in lowercase/],
    ['uppercase letter outside ASCII in the domain', 'anna@BÜCHER.de', /uppercase letter outside ASCII/],
    ['titlecase letter', '\u01c5ordan@example.com', /uppercase letter outside ASCII/],
    ['uppercase letter outside the BMP', '\u{10400}@example.com', /uppercase letter outside ASCII/],
    ['Kelvin sign (lowercases to an ASCII k)', '\u212Aate.doe@example.com', /uppercase letter outside ASCII/],
    ['capital I with dot (lowercases to i + U+0307)', '\u0130van@example.com', /uppercase letter outside ASCII/],
    ['lone high surrogate', 'jane\ud800doe@example.com', /half of a UTF-16 surrogate pair/],
    ['lone low surrogate', 'jane\udc00doe@example.com', /half of a UTF-16 surrogate pair/],
    ['high surrogate at the end', 'jane.doe@example.com\ud83d', /half of a UTF-16 surrogate pair/],
    ['replacement character', 'jos\ufffd@example.com', /U\+FFFD/],
    ['combining mark right after the @', 'jane@\u0301example.com', /combining mark or joiner right after an @/],
    ['combining mark right after a dot', 'jane.\u0301doe@gmail.com', /combining mark or joiner/],
    ['joiner right after a +', 'jane+\u200dx@gmail.com', /combining mark or joiner/],
    ['emoji modifier right after the @', 'jane@\u{1f3fb}example.com', /combining mark or joiner/],
    ['a full-width @ only', 'jane\uff20example.com', /no @/],
    ['over 254 characters', tooLong, /longer than 254 bytes \(UTF-8\)/],
    ['over 254 UTF-8 bytes in fewer characters', 'é'.repeat(100) + 'a'.repeat(43) + '@example.com', /longer than 254/],
    ['gmail local part that is only a +suffix', '+ads@gmail.com', /once gmail dots and \+suffix are removed/],
    ['gmail local part that is only dots', '...@gmail.com', /once gmail dots and \+suffix are removed/],
    ['gmail local part of dots and a +suffix', '.+x.y@Gmail.com', /once gmail dots and \+suffix are removed/]
  ])('%s', (_name, input, reason) => {
    const result = normalizeEmail(input)
    expect(result.ok).toBe(false)
    const text = reasonOf(result)
    expect(text).toMatch(reason)
    expect(text).toMatch(/^Email /)
    if (input.trim().length >= 3) expect(leakedPiece(text, input)).toBeUndefined()
  })

  it('rejects 255 characters even when the gmail rule would shorten them', () => {
    const dotted = '.'.repeat(241) + 'jane@gmail.com'
    expect(dotted).toHaveLength(255)
    expect(reasonOf(normalizeEmail(dotted))).toMatch(/longer than 254/)
  })
})
