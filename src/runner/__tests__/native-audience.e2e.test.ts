import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../run'
import type { SyncSummary } from '../run-sync'
import { audienceMix, memberKeyOfEmail, toJsonl } from '../../testing/audience-fixtures'
import { runnerHarness } from '../../testing/runner-harness'

const harness = runnerHarness()
const { files, runner } = harness

describe('npm start -- --audience-name (Engage native audience flow)', () => {
  it('creates the segment through createAudience, then every batch writes to its CrmDataId without a lookup', async () => {
    const { events, memberEmails } = audienceMix({ members: 3000, exited: 2 })
    const input = files.write('native.jsonl', toJsonl(events))

    const result = await runner([
      '--input',
      input,
      '--audience-name',
      'Native audience',
      '--batch-size',
      '1500',
      '--json'
    ])

    expect(result.code).toBe(EXIT_OK)
    const [segment] = harness.sandbox.segments()
    expect(harness.sandbox.segments()).toHaveLength(1)
    expect(segment).toMatchObject({ segmentName: 'Native audience', region: 'US' })
    // The connection check lists one page; createAudience lists and creates; the batches only ask for drops and
    // upload. 'other' is the runner reading the segment's size from the sandbox's inspection API after the sync.
    expect(harness.sandbox.requests.map((request) => request.route).filter((route) => route !== 'other')).toEqual([
      'list',
      'list',
      'create',
      'drop',
      'upload',
      'drop',
      'upload'
    ])
    expect(harness.sandbox.members(segment.crmDataId)).toEqual(new Set(memberEmails.map(memberKeyOfEmail)))
    const summary = JSON.parse(result.stdout) as SyncSummary
    expect(summary.segments).toEqual([
      {
        name: 'Native audience',
        crmDataId: segment.crmDataId,
        created: true,
        mergeModes: ['Replace', 'Add'],
        sizeBefore: 0,
        size: memberEmails.length
      }
    ])
    // The two people who left would make a third, short batch: the runner folds them into the second.
    expect(summary.batches.map((batch) => batch.mergeModes)).toEqual([['Replace'], ['Add']])
    expect(result.stderr).toContain(
      `createAudience: CRM Data Segment "Native audience" in US created, CrmDataId ${segment.crmDataId}`
    )
    expect(result.stdout + result.stderr).not.toContain(harness.sandbox.token)
  })

  it('reuses the segment when the audience is connected again (createAudience is idempotent)', async () => {
    const existing = harness.sandbox.seedSegment(harness.sandbox.advertiserId, 'Native audience', 'EU')
    const input = files.write('again.jsonl', toJsonl(audienceMix({ members: 1500 }).events))

    const result = await runner(['--input', input, '--audience-name', 'Native audience', '--region', 'EU', '--json'])

    expect(result.code).toBe(EXIT_OK)
    expect(harness.sandbox.segments()).toHaveLength(1)
    expect(harness.sandbox.requests.filter((request) => request.route === 'create')).toHaveLength(0)
    expect(JSON.parse(result.stdout) as SyncSummary).toMatchObject({
      segments: [{ crmDataId: existing.crmDataId, created: false }]
    })
    expect(harness.sandbox.members(existing.crmDataId).size).toBe(1500)
  })

  it("stops before any upload when the name is taken in another region, with createAudience's reason", async () => {
    harness.sandbox.seedSegment(harness.sandbox.advertiserId, 'Native audience', 'EU')
    const input = files.write('mismatch.jsonl', toJsonl(audienceMix({ members: 1500 }).events))

    const result = await runner(['--input', input, '--audience-name', 'Native audience', '--region', 'US'])

    expect(result.code).toBe(EXIT_FAILED)
    expect(result.stderr).toMatch(/Sync failed: .*is in Region EU, but .* says US/)
    expect(harness.sandbox.drops()).toHaveLength(0)
  })

  // The destination's own refusal (from the audience settings) is covered in segment-precedence.test.ts; the runner
  // knows it from its options and the CSV's header, and stops before createAudience.
  it('refuses a phone-only CSV for an EU audience before createAudience', async () => {
    const phones = Array.from({ length: 1500 }, (_, i) => `+4930${String(1_000_000 + i)}`)
    const input = files.write('eu-phones.csv', ['phone', ...phones].join('\n'))

    const result = await runner(['--input', input, '--audience-name', 'EU phones', '--region', 'EU'])

    expect(result.code).toBe(EXIT_USAGE)
    expect(result.stderr).toMatch(/no phone numbers for EU segments/)
    // Only the connection check, which comes before the input is read.
    expect(harness.sandbox.requests.map((request) => request.route)).toEqual(['list'])
  })

  it('exits 2 when --audience-name and --segment-name are both given', async () => {
    const result = await runner(['--audience-name', 'A', '--segment-name', 'B'])
    expect(result.code).toBe(EXIT_USAGE)
    expect(result.stderr).toContain('--audience-name names the segment itself: leave out --segment-name.')
    expect(harness.sandbox.requests).toHaveLength(0)
  })
})
