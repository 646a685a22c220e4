import { startSandbox } from '../index'
import type { Sandbox } from '../types'
import { createSegment, requestDrop, upload } from './helpers'

describe('sandbox large uploads', () => {
  let sandbox: Sandbox

  beforeAll(async () => {
    sandbox = await startSandbox()
  })
  afterAll(() => sandbox.close())

  // Its speed is measured by `npm run bench`, not asserted here.
  it('streams a large upload across many chunks and tallies it', async () => {
    // 270,000 distinct digests, the first 30,000 repeated at the end
    const digest = Buffer.alloc(32, 7)
    const parts: string[] = []
    for (let i = 0; i < 300_000; i++) {
      digest.writeUInt32BE(i % 270_000, 28)
      parts.push(digest.toString('base64'))
    }
    const body = parts.join('\n') + '\n'
    const crmDataId = await createSegment(sandbox, 'Large')
    const drop = await requestDrop(sandbox, crmDataId, 'EmailHashedUnifiedId2')

    const result = await upload(drop.Url, body)

    expect(result.status).toBe(200)
    expect(sandbox.drops(crmDataId)[0]).toEqual(
      expect.objectContaining({ lineCount: 300_000, distinctCount: 270_000, rejectedLines: 0 })
    )
    expect(sandbox.segments()[0].memberCount).toBe(270_000)
  })
})
