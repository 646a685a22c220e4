import { normalizePhone } from '../phone'
import { leakedPiece, reasonOf, valueOf } from '../../__tests__/__helpers__/pii-checks'

describe('normalizePhone: accepted numbers', () => {
  it.each([
    ['US number with punctuation', '+1 (415) 555-0100', '+14155550100'],
    ['UK number with spaces', '+44 20 7946 0958', '+442079460958'],
    ['dots as separators', '+49.30.123.4567', '+49301234567'],
    ['surrounding whitespace', ' \t +33 1 23 45 67 89 \n', '+33123456789'],
    ['space right after the +', '+ 1 415 555 0100', '+14155550100'],
    ['already E.164', '+14155550100', '+14155550100'],
    ['exactly 15 digits', '+123 456 789 012 345', '+123456789012345'],
    ['exactly 10 digits', '+1 234-567-890', '+1234567890'],
    ['a (0) trunk prefix after a 2-digit country code is dropped', '+44 (0)20 7946 0958', '+442079460958'],
    ['a (0) with no spaces around it is dropped', '+49(0)30 1234 5678', '+493012345678'],
    ['a (0) after a 1-digit country code is dropped', '+7 (0)495 123 45 67', '+74951234567'],
    ['a (0) after a 3-digit country code is dropped', '+353 (0)1 234 5678', '+35312345678'],
    ['a 0 without parentheses is kept (Italy)', '+39 06 1234 5678', '+390612345678'],
    ['a (0) after more digits than a country code has is kept', '+44 20 (0) 7946 0958', '+4420079460958'],
    ['the dropped (0) does not count toward the 15 digits', '+123 (0)456 789 012 345', '+123456789012345']
  ])('%s', (_name, input, expected) => {
    expect(valueOf(normalizePhone(input))).toBe(expected)
  })

  it.each(['+1 (415) 555-0100', '+44 (0)20 7946 0958'])('is idempotent: %s', (input) => {
    const once = valueOf(normalizePhone(input))
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
    ['9 digits', '+1 234 567 89', /fewer than 10 digits; UID2 matches E.164 numbers of 10 to 15 digits/],
    ['7 digits', '+683 4002', /fewer than 10 digits/],
    ['9 digits once the (0) is dropped', '+44 (0)20 7946 0', /fewer than 10 digits/],
    ['only a +', '+', /fewer than 10 digits/],
    ['a + and separators', '+ ( ) - .', /fewer than 10 digits/],
    ['a (0) before any country code digit', '+(0)44 20 7946 0958', /country code cannot start with 0/],
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
