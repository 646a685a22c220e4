import { startSandbox } from '../../sandbox'
import { segmentSizes } from '../segment-sizes'

describe('segmentSizes', () => {
  it("reads each segment's member count from a sandbox, and nothing from an address that is not one", async () => {
    const sandbox = await startSandbox()
    try {
      const seeded = sandbox.seedSegment(sandbox.advertiserId, 'Seeded', 'US')
      expect(await segmentSizes(sandbox.origin, sandbox.advertiserId)).toEqual(new Map([[seeded.crmDataId, 0]]))
      // Not the sandbox's inspection API (404 here), and not plain http: unknown, never a guess.
      expect(await segmentSizes(`${sandbox.origin}/elsewhere`, sandbox.advertiserId)).toBeUndefined()
      expect(await segmentSizes('https://api.thetradedesk.com', sandbox.advertiserId)).toBeUndefined()
    } finally {
      await sandbox.close()
    }
    expect(await segmentSizes(sandbox.origin, sandbox.advertiserId)).toBeUndefined()
  })
})
