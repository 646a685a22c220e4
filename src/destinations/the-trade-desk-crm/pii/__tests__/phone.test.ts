import { normalizePhone } from '../phone'
import { leakedPiece, reasonOf, valueOf } from './support'

describe('normalizePhone: accepted numbers', () => {
  it.each([
    ['US number with punctuation', '+1 (415) 555-0100', '+14155550100'],
    ['UK number with spaces', '+44 20 7946 0958', '+442079460958'],
    ['dots as separators', '+49.30.123.4567', '+49301234567'],
    ['surrounding whitespace', ' \t +33 1 23 45 67 89 \n', '+33123456789'],
    ['space right after the +', '+ 1 415 555 0100', '+14155550100'],
    ['already E.164', '+14155550100', '+14155550100'],
    ['exactly 15 digits', '+123 456 789 012 345', '+123456789012345'],
    ['exactly 7 digits', '+123-4567', '+1234567']
  ])('%s', (_name, input, expected) => {
    expect(valueOf(normalizePhone(input))).toBe(expected)
  })

  it('is idempotent', () => {
    const once = valueOf(normalizePhone('+1 (415) 555-0100'))
    expect(valueOf(normalizePhone(once))).toBe(once)
  })
})

describe('normalizePhone: rejections', () => {
  it.each([
    ['empty', '', /empty/],
    ['only whitespace', '   ', /empty/],
    ['no + (country code unknown)', '2125550143', /must start with \+ and its country code/],
    ['national format', '(415) 555-0100', /must start with \+ and its country code/],
    ['00 international prefix instead of +', '0044 20 7946 0958', /must start with \+/],
    ['letters', '+1 415 CALL NOW', /characters other than digits/],
    ['an extension', '+1 415 555 0100 ext 12', /characters other than digits/],
    ['a second +', '++1 415 555 0100', /characters other than digits/],
    ['a slash', '+1/415/555/0100', /characters other than digits/],
    ['a tab inside', '+1\t415 555 0100', /characters other than digits/],
    ['full-width digits', '+\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff10\uff11\uff10\uff10', /characters other/],
    ['16 digits', '+1234 5678 9012 3456', /more than 15 digits/],
    ['6 digits', '+123 456', /fewer than 7 digits/],
    ['only a +', '+', /fewer than 7 digits/],
    ['a + and separators', '+ ( ) - .', /fewer than 7 digits/],
    ['country code starting with 0', '+044 20 7946 0958', /country code cannot start with 0/]
  ])('%s', (_name, input, reason) => {
    const result = normalizePhone(input)
    expect(result.ok).toBe(false)
    const text = reasonOf(result)
    expect(text).toMatch(reason)
    expect(text).toMatch(/^Phone number /)
    if (input.trim().length >= 3) expect(leakedPiece(text, input)).toBeUndefined()
  })
})
