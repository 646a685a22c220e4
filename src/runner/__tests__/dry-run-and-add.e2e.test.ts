import { readFileSync } from 'node:fs'
import type { SegmentEvent } from '@segment/actions-core'
import nock from 'nock'
import { copyTarget } from '../dry-run'
import { EXIT_NOTHING_UPLOADED, EXIT_OK, EXIT_UNREADABLE_LINES } from '../run'
import type { RunReport } from '../summary'
import { AUDIENCE_KEY, audienceMix, engageEvent, memberKeyOfEmail, toJsonl } from '../../testing/audience-fixtures'
import { runnerHarness } from '../../testing/runner-harness'

const harness = runnerHarness()
const { files, runner } = harness

/** The harness's sandbox as a standalone target (--api-url): the runner only reads its sizes, as it would TTD's. */
function standalone(): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: ['--api-url', harness.sandbox.apiBaseUrl],
    env: harness.credentials()
  }
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const target = standalone()
  return runner([...argv, ...target.args], target.env)
}

async function json(argv: string[]): Promise<RunReport> {
  const result = await run([...argv, '--json'])
  const report = JSON.parse(result.stdout) as RunReport
  expect(report.exitCode).toBe(result.code)
  return report
}

function input(name: string, events: SegmentEvent[]): string {
  return files.write(name, toJsonl(events))
}

/** A segment of `members` people, synced for real before the test's run. */
async function existingSegment(members: number) {
  const result = await run(['--input', input('old.jsonl', audienceMix({ members, tag: 'old' }).events)])
  expect(result.code).toBe(EXIT_OK)
  const [segment] = harness.sandbox.segments()
  return { ...segment, members: new Set(harness.sandbox.members(segment.crmDataId)) }
}

/** What the target holds and was asked, to compare before and after a run that must change nothing. */
function targetState() {
  return {
    segments: harness.sandbox.segments(),
    drops: harness.sandbox.drops().length,
    writes: harness.sandbox.requests.filter((request) => request.method !== 'GET').length
  }
}

describe('--dry-run', () => {
  it('finds the segment, says a sync would replace its members with this list, and changes nothing', async () => {
    const segment = await existingSegment(1700)
    const before = targetState()
    const list = input('new.jsonl', audienceMix({ members: 1600, invalid: 4, tag: 'new' }).events)

    const text = await run(['--input', list, '--dry-run'])

    expect(text.code).toBe(EXIT_OK)
    expect(text.stdout).toMatch(/^Dry run summary: what a sync would do \(nothing was created, dropped or uploaded\)\n/)
    expect(text.stdout).toContain(
      `Segment:     "${AUDIENCE_KEY}", CrmDataId ${segment.crmDataId} (found), 1,700 people now; a sync would ` +
        'replace its members with 1,600 people\n'
    )
    expect(text.stdout).toContain('Batches:     1 (Replace)')
    expect(text.stdout).toContain('To upload:   1,600 identifiers')
    expect(text.stdout).toMatch(/invalid identifier\s+4/)
    expect(text.stdout).toContain('Result:      OK (dry run: what a sync would return)')
    expect(text.stderr).toContain('batch 1: 1,604 events, Replace, 1,600 to upload, 4 left out')
    expect(targetState()).toEqual(before)
    expect(harness.sandbox.members(segment.crmDataId)).toEqual(segment.members)

    const report = await json(['--input', list, '--dry-run'])
    expect(report).toMatchObject({ dryRun: true, add: false, result: 'ok', uploaded: 1600 })
    expect(report.segments).toEqual([
      {
        name: AUDIENCE_KEY,
        crmDataId: segment.crmDataId,
        created: false,
        mergeModes: ['Replace'],
        sizeBefore: 1700,
        size: 1600,
        wouldSend: 1600
      }
    ])
    expect(targetState()).toEqual(before)
  })

  it('says a missing segment would be created, without creating it or naming an id it does not have', async () => {
    const list = input('fresh.jsonl', audienceMix({ members: 1500, duplicates: 20 }).events)

    const text = await run(['--input', list, '--dry-run', '--segment-name', 'Brand new'])

    expect(text.code).toBe(EXIT_OK)
    expect(text.stdout).toContain('Segment:     "Brand new" (would be created), with 1,500 people\n')
    expect(harness.sandbox.segments()).toEqual([])
    expect(harness.sandbox.requests.filter((request) => request.route !== 'list' && request.route !== 'other')).toEqual(
      []
    )
    const report = await json(['--input', list, '--dry-run', '--segment-name', 'Brand new'])
    expect(report.segments).toEqual([
      {
        name: 'Brand new',
        crmDataId: null,
        created: true,
        mergeModes: ['Replace'],
        sizeBefore: 0,
        size: 1500,
        wouldSend: 1500
      }
    ])
  })

  it.each([
    [
      'a segment of this name in another Region',
      () => harness.sandbox.seedSegment(harness.sandbox.advertiserId, AUDIENCE_KEY, 'US'),
      () => audienceMix({ members: 1500 }).events,
      ['--region', 'EU'],
      EXIT_NOTHING_UPLOADED,
      /is in Region US, not EU, so the runner sent nothing: pass --region US/
    ],
    [
      'two segments of this name',
      () => {
        harness.sandbox.seedSegment(harness.sandbox.advertiserId, AUDIENCE_KEY, 'US')
        harness.sandbox.seedSegment(harness.sandbox.advertiserId, AUDIENCE_KEY, 'US')
      },
      () => audienceMix({ members: 1500 }).events,
      [],
      EXIT_NOTHING_UPLOADED,
      /2 segments of the advertiser have this name .* so the runner cannot tell which to update and sent nothing/
    ],
    [
      'too few people',
      () => undefined,
      () => audienceMix({ members: 1499, duplicates: 100 }).events,
      [],
      EXIT_NOTHING_UPLOADED,
      /Too few distinct people for one upload/
    ],
    [
      'an unreadable line',
      () => undefined,
      () => audienceMix({ members: 1500 }).events,
      [],
      EXIT_UNREADABLE_LINES,
      /could not be read as events/
    ]
  ])(
    'exits as the sync itself would for %s, saying why, and the sync then does what the dry run said',
    async (_name, arrange, events, argv, exitCode, reason) => {
      arrange()
      const lines = toJsonl(events()) + (exitCode === EXIT_UNREADABLE_LINES ? '{not json\n' : '')
      const list = files.write(`case-${exitCode}-${argv.length}.jsonl`, lines)
      const before = targetState()

      const dry = await run(['--input', list, '--dry-run', ...argv])
      expect(targetState()).toEqual(before)
      const real = await run(['--input', list, ...argv])

      expect(dry.code).toBe(exitCode)
      expect(real.code).toBe(exitCode)
      expect(dry.stdout).toMatch(reason)
      expect(real.stdout).toMatch(reason)
      // The runner's own checks are never blamed on The Trade Desk, in either.
      expect(dry.stdout + real.stdout).not.toMatch(/The Trade Desk refused|Segment will retry/)
      if (exitCode !== EXIT_UNREADABLE_LINES) {
        expect(dry.stdout).toMatch(/Dry run, nothing was sent\. A sync would end so: Nothing was uploaded/)
      }
    }
  )

  it('with --add, says a sync would add to the members, and writes the rejects it would have', async () => {
    const segment = await existingSegment(1600)
    const rejects = `${files.dir}/dry-rejects.csv`
    const list = input('more.jsonl', audienceMix({ members: 1500, invalid: 2, tag: 'more' }).events)

    const text = await run(['--input', list, '--dry-run', '--add', '--rejects', rejects])

    expect(text.code).toBe(EXIT_OK)
    expect(text.stdout).toContain(
      `(found), 1,600 people now; a sync would add 1,500 people to its members (anyone already in it counts once)\n`
    )
    expect(text.stdout).toContain(
      'Merge mode:  Add only (--add): every upload adds, nobody is removed from the segment'
    )
    expect(text.stdout).toContain('Batches:     1 (Add)')
    expect(readFileSync(rejects, 'utf8').trim().split('\n')).toHaveLength(1 + 2)
    expect(harness.sandbox.members(segment.crmDataId)).toEqual(segment.members)
    expect(harness.sandbox.drops()).toHaveLength(1)
  })

  it('against The Trade Desk, only lists its segments, and says what a Replace would do to one it cannot size', async () => {
    const ttd = 'https://ttd.example.test'
    const page = {
      Segments: [{ CrmDataId: 'crm-real-7', SegmentName: 'Loyal buyers', Region: 'US' }],
      PagingToken: 'p'
    }
    // The connection check reads the first page; the copy reads every page. Nothing else may reach TTD: nock refuses
    // any other request, which would fail the run.
    const scope = nock(ttd)
      .get('/v3/crmdata/segment/adv-7')
      .times(2)
      .reply(200, page)
      .get('/v3/crmdata/segment/adv-7?pagingToken=p')
      .reply(200, { Segments: [] })
    const list = input('ttd.jsonl', audienceMix({ members: 1500 }).events)
    const env = { TTD_AUTH_TOKEN: 'real-token-9f2', TTD_ADVERTISER_ID: 'adv-7' }

    const text = await runner(
      ['--input', list, '--dry-run', '--segment-name', 'Loyal buyers', '--api-url', `${ttd}/v3`],
      env
    )

    expect(text.code).toBe(EXIT_OK)
    expect(scope.isDone()).toBe(true)
    expect(text.stdout).toContain(`Target:      The Trade Desk at ${ttd}/v3: its segments were listed, nothing more\n`)
    expect(text.stdout).toContain(
      'Segment:     "Loyal buyers", CrmDataId crm-real-7 (found); a sync would replace its members with 1,500 people ' +
        '(The Trade Desk does not report its size)\n'
    )
    expect(text.stdout + text.stderr).not.toContain('real-token-9f2')
  })

  it('runs against the embedded sandbox too, leaving it empty', async () => {
    const embedded = await runner(['--input', input('e.jsonl', audienceMix({ members: 1500 }).events), '--dry-run'])
    expect(embedded.code).toBe(EXIT_OK)
    expect(embedded.stdout).toContain(`"${AUDIENCE_KEY}" (would be created), with 1,500 people`)
    expect(harness.sandbox.segments()).toEqual([])
  })
})

describe('--add', () => {
  it('only adds: everyone already in the segment stays, and the summary says "was N, now M"', async () => {
    const segment = await existingSegment(1700)
    const added = audienceMix({ members: 3000, tag: 'added' })

    const result = await run(['--input', input('add.jsonl', added.events), '--add', '--batch-size', '1500'])

    expect(result.code).toBe(EXIT_OK)
    expect(harness.sandbox.drops(segment.crmDataId).map((drop) => drop.mergeMode)).toEqual(['Replace', 'Add', 'Add'])
    expect(harness.sandbox.members(segment.crmDataId)).toEqual(
      new Set([...segment.members, ...added.memberEmails.map(memberKeyOfEmail)])
    )
    expect(result.stdout).toContain(
      `CrmDataId ${segment.crmDataId} (reused), was 1,700 people, now 4,700: the people this run uploaded were added\n`
    )
    expect(result.stdout).toContain('Batches:     2 (Add, Add)')
  })

  it('sends a batch held below the minimum with a later one, and reports its people uploaded, which they are', async () => {
    // Batch 1 has 1,400 distinct people (the rest invalid): held, its lines pooled and sent with batch 2.
    const first = audienceMix({ members: 1400, invalid: 100, tag: 'short' })
    const second = audienceMix({ members: 1500, tag: 'full' })
    const list = input('held.jsonl', [...first.events, ...second.events])

    const report = await json(['--input', list, '--add', '--batch-size', '1500'])

    expect(report.result).toBe('ok')
    expect(report.batches.map((batch) => [batch.mergeModes, batch.held ?? 0, batch.heldFrom ?? []])).toEqual([
      [[], 1400, []],
      [['Add'], 0, []],
      [['Add'], 0, [1]]
    ])
    expect(report.leftOut).toMatchObject({ belowMinimum: 0, failed: 0, invalid: 100 })
    expect(report.uploaded).toBe(2900)
    const [segment] = harness.sandbox.segments()
    expect(harness.sandbox.drops(segment.crmDataId).every((drop) => drop.mergeMode === 'Add')).toBe(true)
    expect(harness.sandbox.members(segment.crmDataId)).toEqual(
      new Set([...first.memberEmails, ...second.memberEmails].map(memberKeyOfEmail))
    )
  })

  it('uploads nothing when the whole input stays below the minimum', async () => {
    const list = input('few.jsonl', [...audienceMix({ members: 1200 }).events, engageEvent('not-an-email')])
    const report = await json(['--input', list, '--add'])
    expect(report.result).toBe('nothing-uploaded')
    expect(report.leftOut.belowMinimum).toBe(1200)
    expect(harness.sandbox.drops()).toEqual([])
  })
})

describe("the dry run's copy of the target", () => {
  const account = {
    apiBaseUrl: 'https://ttd.example.test/v3',
    token: 't0k3n',
    advertiserId: 'adv1',
    apiTimeoutMs: 1000
  }
  const listing = (segments: object[]) =>
    nock('https://ttd.example.test')
      .get('/v3/crmdata/segment/adv1')
      .reply(200, { Segments: segments, PagingToken: 'p1' })
      .get('/v3/crmdata/segment/adv1?pagingToken=p1')
      .reply(200, { Segments: [] })

  it('keeps every segment with its CrmDataId, one listed without a Region in the Region asked', async () => {
    listing([
      { CrmDataId: 'crm-a', SegmentName: 'A', Region: 'EU' },
      { CrmDataId: 'crm-b', SegmentName: 'B' }
    ])
    const copied = await copyTarget(account, 'APAC', 'The Trade Desk')
    if (!('sandbox' in copied)) throw new Error(copied.problem.message)
    try {
      expect(
        copied.sandbox.segments('adv1').map(({ crmDataId, segmentName, region }) => [crmDataId, segmentName, region])
      ).toEqual([
        ['crm-a', 'A', 'EU'],
        ['crm-b', 'B', 'APAC']
      ])
    } finally {
      await copied.sandbox.close()
    }
  })

  it('refuses a Region it cannot copy, and says why a listing failed, never with the token', async () => {
    listing([{ CrmDataId: 'crm-x', SegmentName: 'X', Region: 'LATAM' }])
    expect(await copyTarget(account, 'US', 'The Trade Desk')).toEqual({
      problem: {
        code: 'SEGMENT_REGION_UNKNOWN',
        message:
          'The Trade Desk lists segment CrmDataId crm-x in Region "LATAM", which is none of US, EU, APAC: a dry run ' +
          'cannot copy it. Nothing was sent.',
        reason: 'Segment CrmDataId crm-x is listed with Region "LATAM".'
      }
    })

    nock('https://ttd.example.test').get('/v3/crmdata/segment/adv1').reply(503, { Message: 'down t0k3n' })
    const failed = await copyTarget(account, 'US', 'The Trade Desk')
    expect(failed).toEqual({
      problem: {
        code: 'LISTING_FAILED',
        message:
          'Listing the segments at The Trade Desk for the dry run failed: The Trade Desk failed to list CRM segments ' +
          '(status 503), an outage on its side. Nothing was sent.',
        reason: expect.stringMatching(/^The Trade Desk failed to list CRM segments \(503\)/)
      }
    })
    expect(JSON.stringify(failed)).not.toContain('t0k3n')
  })
})
