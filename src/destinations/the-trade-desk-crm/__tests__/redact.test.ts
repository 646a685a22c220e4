import { redactSecrets } from '../redact'

describe('redactSecrets', () => {
  it('replaces every occurrence of each secret', () => {
    expect(redactSecrets('tok-1 then tok-1 and tok-2', ['tok-1', 'tok-2'])).toBe(
      '[redacted] then [redacted] and [redacted]'
    )
  })

  it('leaves the text alone when a secret is empty, rather than splitting between every character', () => {
    expect(redactSecrets('abc', [''])).toBe('abc')
  })
})
