import { createHash } from 'node:crypto'
import { toUploadBody } from '../upload'

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

  it('is empty for no lines', () => {
    expect(toUploadBody([])).toHaveLength(0)
  })
})
