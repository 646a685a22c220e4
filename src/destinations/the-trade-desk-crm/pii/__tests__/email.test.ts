import { normalizeEmail } from '../email'
import { leakedPiece, reasonOf, valueOf } from './support'

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
    ['accepts a + local part outside gmail.com', '+@example.com', '+@example.com']
  ])('%s', (_name, input, expected) => {
    expect(valueOf(normalizeEmail(input))).toBe(expected)
  })

  it('accepts exactly 254 characters, counted after trimming', () => {
    const address = 'a'.repeat(254 - '@example.com'.length) + '@example.com'
    expect(address).toHaveLength(254)
    expect(valueOf(normalizeEmail(`  ${address}  `))).toBe(address)
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
    ['space inside', 'jane doe@example.com', /space, a control character or a non-ASCII character/],
    ['tab inside', 'jane\tdoe@example.com', /space, a control character or a non-ASCII character/],
    ['NUL inside', 'jane\u0000doe@example.com', /space, a control character or a non-ASCII character/],
    ['DEL inside', 'jane\u007fdoe@example.com', /space, a control character or a non-ASCII character/],
    ['newline inside', 'jane\ndoe@example.com', /space, a control character or a non-ASCII character/],
    ['non-breaking space inside', 'jane\u00a0doe@example.com', /space, a control character or a non-ASCII character/],
    ['non-ASCII letter', 'jané.doe@example.com', /space, a control character or a non-ASCII character/],
    ['Kelvin sign (lowercases to an ASCII k)', '\u212Aate.doe@example.com', /non-ASCII/],
    ['dotless capital I with dot (lowercases to i + U+0307)', '\u0130van@example.com', /non-ASCII/],
    ['lone surrogate', 'jane\ud800doe@example.com', /non-ASCII/],
    ['over 254 characters', tooLong, /longer than 254 characters/],
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
