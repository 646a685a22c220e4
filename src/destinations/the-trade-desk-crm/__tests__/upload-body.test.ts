import { toUploadBody } from '../engine/upload'
import { expectedHash } from './__helpers__/pii-checks'

describe('toUploadBody', () => {
  it('writes one line per identifier, each ending with a newline, as the UTF-8 bytes of the text', () => {
    const digests = Array.from({ length: 300 }, (_, i) => expectedHash(`person${i}@example.com`))
    const body = toUploadBody(digests, 'EmailHashedUnifiedId2')
    expect(body.equals(Buffer.from(digests.join('\n') + '\n', 'utf8'))).toBe(true)
    expect(body.length).toBe(300 * 45)
  })

  it('writes phone lines byte for byte', () => {
    const body = toUploadBody(['+14155550100', '+442079460958'], 'Phone')
    expect(body.toString('utf8')).toBe('+14155550100\n+442079460958\n')
    expect(body.length).toBe(13 + 14)
  })

  it('writes plain emails outside ASCII as UTF-8, sized in bytes rather than characters', () => {
    // 2-byte é, 3-byte 例, 4-byte emoji (two UTF-16 units): latin1 would mangle every one of them.
    const lines = ['first.last@example.com', 'josé@example.com', 'user@例え.jp', '😊testtest@test.com']
    const body = toUploadBody(lines, 'Email')
    expect(body.equals(Buffer.from(lines.join('\n') + '\n', 'utf8'))).toBe(true)
    expect(body.length).toBe(23 + 18 + 15 + 22)
    expect(body.toString('utf8').split('\n').slice(0, -1)).toEqual(lines)
  })

  it('is empty for no lines', () => {
    expect(toUploadBody([], 'Email')).toHaveLength(0)
    expect(toUploadBody([], 'PhoneNumberHashedUnifiedId2')).toHaveLength(0)
  })
})
