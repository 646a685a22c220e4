import { createHash } from 'node:crypto'
import { toUploadBody } from '../engine/upload'

describe('toUploadBody', () => {
  it('writes one line per identifier, each ending with a newline, as the UTF-8 bytes of the text', () => {
    const digests = Array.from({ length: 300 }, (_, i) =>
      createHash('sha256').update(`person${i}@example.com`).digest('base64')
    )
    const lines = [...digests, 'first.last@example.com', '+14155550100']
    const body = toUploadBody(lines)
    expect(body.equals(Buffer.from(lines.join('\n') + '\n', 'utf8'))).toBe(true)
    expect(body.length).toBe(300 * 45 + 23 + 13)
  })

  it('writes plain emails with non-ASCII letters as UTF-8, not one byte per character', () => {
    const lines = ['josé@example.com', 'plain@example.com', '用户@例子.广告']
    const body = toUploadBody(lines, true)
    expect(body.equals(Buffer.from(lines.join('\n') + '\n', 'utf8'))).toBe(true)
    expect(body.toString('utf8').split('\n').slice(0, 3)).toEqual(lines)
  })

  it('is empty for no lines', () => {
    expect(toUploadBody([])).toHaveLength(0)
  })
})
