import {
  describeTarget,
  formatLines,
  formatLiveProgress,
  formatProgress,
  formatSummaryJson,
  formatSummaryText,
  segmentLine,
  type RunReport
} from '../summary'
import type { SegmentSummary } from '../tally'

function summary(overrides: Partial<RunReport> = {}): RunReport {
  return {
    result: 'ok',
    ok: true,
    exitCode: 0,
    target: { kind: 'embedded-sandbox', apiBaseUrl: 'http://127.0.0.1:4010/v3', kept: false },
    input: { path: '/data/list.csv', format: 'csv', gzip: false, encoding: 'utf-8', encodingSource: 'valid UTF-8' },
    warnings: [],
    dryRun: false,
    add: false,
    segments: [
      { name: 'VIP', crmDataId: 'crm-9', created: true, mergeModes: ['Replace', 'Add'], sizeBefore: 0, size: 4100 }
    ],
    moreSegments: 0,
    batches: [
      { batch: 1, events: 2500, mergeModes: ['Replace'], uploaded: 2100 },
      { batch: 2, events: 2500, mergeModes: ['Add'], uploaded: 2050 }
    ],
    records: 5000,
    events: 5000,
    uploaded: 4150,
    duplicates: 300,
    leftOut: { invalid: 50, exited: 500, notSubscribed: 0, belowMinimum: 0, failed: 0 },
    invalidReasons: [
      { reason: 'Phone number must start with +.', count: 45, lineNumbers: [3, 8, 13, 21, 34] },
      { reason: 'Phone number is missing.', count: 5, lineNumbers: [2] }
    ],
    failures: [],
    unreadable: { count: 0, lines: 0, lineNumbers: [], byReason: [] },
    replaced: true,
    elapsedMs: 1234,
    ...overrides
  }
}

describe('formatSummaryText', () => {
  it('names the segment and its size, the batches, the counts by reason and the time', () => {
    const text = formatSummaryText(summary())
    expect(text).toContain(
      'Target:      the TTD sandbox embedded in this run (http://127.0.0.1:4010/v3), discarded when the runner exits\n'
    )
    expect(text).toContain('Segment:     "VIP", CrmDataId crm-9 (created), now 4,100 people')
    expect(text).toContain(
      "Merge mode:  Replace, then Add: the first upload replaces the segment's members and the others add, so a " +
        'complete sync leaves it holding exactly this list\n'
    )
    expect(text).toContain('Batches:     2 (Replace, Add)')
    expect(text).toContain('Uploaded:    4,150 identifiers')
    expect(text).toContain('Duplicates:  300 (same identifier as another event of the batch: sent once)')
    expect(text).toContain('Left out:    550')
    expect(text).toMatch(/invalid identifier\s+50 {2}\(reported, not fatal\)/)
    expect(text).toMatch(/left the audience\s+500/)
    expect(text).toMatch(/other failures\s+0\n/)
    expect(text).toContain('Elapsed:     1.2 s')
    expect(text).toMatch(/Result: {6}OK\n$/)
  })

  it('lists the reasons for invalid identifiers with counts and the first line numbers, never values', () => {
    const text = formatSummaryText(summary())
    expect(text).toContain('Invalid identifiers, by reason:')
    expect(text).toContain('45 x Phone number must start with +. (lines 3, 8, 13, 21, 34, …)')
    expect(text).toContain('5 x Phone number is missing. (lines 2, …)')
    expect(formatSummaryText(summary({ invalidReasons: [{ reason: 'Bad.', count: 1, lineNumbers: [18] }] }))).toContain(
      '1 x Bad. (line 18)'
    )
  })

  it('says what a Replace or an Add did to the segment: "was N, now M" where a sandbox tells, else what it means', () => {
    const segment = (overrides: Partial<SegmentSummary>): SegmentSummary => ({
      name: 'VIP',
      crmDataId: 'c',
      created: false,
      mergeModes: ['Replace', 'Add'],
      sizeBefore: 4480,
      size: 1600,
      ...overrides
    })
    expect(segmentLine(segment({}), false)).toBe(
      '"VIP", CrmDataId c (reused), was 4,480 people, now 1,600: replaced by the people this run uploaded'
    )
    expect(segmentLine(segment({ mergeModes: ['Add'], size: 6080 }), false)).toBe(
      '"VIP", CrmDataId c (reused), was 4,480 people, now 6,080: the people this run uploaded were added'
    )
    expect(segmentLine(segment({ created: true, sizeBefore: 0, size: 1 }), false)).toBe(
      '"VIP", CrmDataId c (created), now 1 person'
    )
    // The Trade Desk reports no size: what the merge mode did is said instead.
    expect(segmentLine(segment({ sizeBefore: null, size: null }), false)).toBe(
      '"VIP", CrmDataId c (reused): replaced, so it holds the people this run uploaded and no one else (The Trade ' +
        'Desk does not report its size)'
    )
    expect(segmentLine(segment({ mergeModes: ['Add'], sizeBefore: null, size: null }), false)).toBe(
      '"VIP", CrmDataId c (reused): the people this run uploaded were added to those already in it (The Trade Desk ' +
        'does not report its size)'
    )
    expect(segmentLine(segment({ created: true, sizeBefore: 0, size: null }), false)).toBe(
      '"VIP", CrmDataId c (created): it holds the people this run uploaded (The Trade Desk does not report its size)'
    )
  })

  it('says in a dry run what a sync would do to the segment, found or to be created', () => {
    const found: SegmentSummary = {
      name: 'VIP',
      crmDataId: 'c',
      created: false,
      mergeModes: ['Replace'],
      sizeBefore: 4480,
      size: 1600,
      wouldSend: 1600
    }
    expect(segmentLine(found, true)).toBe(
      '"VIP", CrmDataId c (found), 4,480 people now; a sync would replace its members with 1,600 people'
    )
    expect(segmentLine({ ...found, mergeModes: ['Add'], sizeBefore: null, size: null }, true)).toBe(
      '"VIP", CrmDataId c (found); a sync would add 1,600 people to its members (anyone already in it counts ' +
        'once) (The Trade Desk does not report its size)'
    )
    expect(segmentLine({ ...found, crmDataId: null, created: true, sizeBefore: 0 }, true)).toBe(
      '"VIP" (would be created), with 1,600 people'
    )
  })

  it('heads a dry run as one, with what a sync would upload and return, and an Add-only run as such', () => {
    const text = formatSummaryText(summary({ dryRun: true, add: true }))
    expect(text).toMatch(/^Dry run summary: what a sync would do \(nothing was created, dropped or uploaded\)\n/)
    expect(text).toContain('discarded when the runner exits: its segments were listed, nothing more\n')
    expect(text).toContain('Merge mode:  Add only (--add): every upload adds, nobody is removed from the segment\n')
    expect(text).toContain('To upload:   4,150 identifiers')
    expect(text).not.toContain('Uploaded:')
    expect(text).toContain('(same identifier as another event of the batch: would be sent once)')
    expect(text).toMatch(/Result: {6}OK \(dry run: what a sync would return\)\n$/)
  })

  it('reports failures in the runner words, unreadable lines and where a failed sync stopped', () => {
    const text = formatSummaryText(
      summary({
        result: 'failed',
        ok: false,
        explanation: 'Stopped at batch 1: the input after it was not read.',
        segments: [],
        batches: [{ batch: 1, events: 1500, mergeModes: [], uploaded: 0, error: 'Set TTD_AUTH_TOKEN.' }],
        uploaded: 0,
        duplicates: 0,
        leftOut: { invalid: 0, exited: 0, notSubscribed: 0, belowMinimum: 0, failed: 1500 },
        invalidReasons: [],
        failures: [
          {
            code: 'AUTHENTICATION',
            message: 'Set TTD_AUTH_TOKEN.',
            reason: 'Check the Auth Token setting.',
            count: 1500,
            lineNumbers: [1]
          }
        ],
        unreadable: {
          count: 2,
          lines: 11,
          lineNumbers: [3, 9],
          byReason: [
            {
              code: 'NOT_JSON_OBJECT',
              reason: 'not a JSON object (an event)',
              count: 1,
              lines: 1,
              lineRanges: [[3, 3]]
            },
            { code: 'OPEN_QUOTE', reason: 'a quoted field left open', count: 1, lines: 10, lineRanges: [[9, 18]] }
          ]
        },
        stoppedAtBatch: 1
      })
    )
    expect(text).toContain('Segment:     none written')
    expect(formatSummaryText(summary({ segments: [], dryRun: true }))).toContain('Segment:     none would be written')
    expect(text).toContain('Batches:     1 (failed)')
    expect(text).toContain('1,500 x Set TTD_AUTH_TOKEN. (from line 1)')
    expect(text).not.toContain('Auth Token setting')
    expect(text).toContain(
      '  Unreadable:  2 records, 11 lines, by reason:\n' +
        '    1 x not a JSON object (an event) (line 3)\n' +
        '    1 x a quoted field left open (lines 9–18)\n'
    )
    expect(text).toMatch(/Result: {6}FAILED\n {2}Stopped at batch 1/)
  })

  it('says plainly when nothing was uploaded', () => {
    const text = formatSummaryText(
      summary({ result: 'nothing-uploaded', ok: false, explanation: 'Nothing was uploaded: 12 people...' })
    )
    expect(text).toMatch(/Result: {6}NOTHING UPLOADED\n {2}Nothing was uploaded: 12 people/)
  })

  it('says which batch took events beyond --batch-size', () => {
    const batches = [{ batch: 1, events: 3000, mergeModes: ['Replace' as const], uploaded: 3000, folded: 500 }]
    expect(formatSummaryText(summary({ batches }))).toContain(
      'Batch 1 took 500 events beyond --batch-size, rather than leaving them to a batch under the 1,500 minimum.'
    )
  })

  it('counts merge modes instead of listing them for long syncs', () => {
    const batches = Array.from({ length: 40 }, (_, i) => ({
      batch: i + 1,
      events: 1500,
      mergeModes: [i === 0 ? 'Replace' : 'Add'] as ('Replace' | 'Add')[],
      uploaded: 1500
    }))
    expect(formatSummaryText(summary({ batches }))).toContain('Batches:     40 (1 Replace, 39 Add)')
  })
})

describe('the target and line lists', () => {
  it('names every kind of target, and whether the embedded sandbox outlives the run', () => {
    const url = 'http://127.0.0.1:4010/v3'
    expect(describeTarget({ kind: 'embedded-sandbox', apiBaseUrl: url, kept: true })).toBe(
      `the TTD sandbox embedded in this run (${url}), kept running until Ctrl-C (--keep-sandbox)`
    )
    expect(describeTarget({ kind: 'standalone-sandbox', apiBaseUrl: url })).toBe(
      `the TTD sandbox at ${url}, on this machine`
    )
    expect(describeTarget({ kind: 'the-trade-desk', apiBaseUrl: 'https://api.thetradedesk.com/v3' })).toBe(
      'The Trade Desk at https://api.thetradedesk.com/v3'
    )
  })

  it('lists lines and ranges, singular for one line, with an ellipsis when there are more', () => {
    expect(formatLines([[18, 18]], 1)).toBe('line 18')
    expect(formatLines([[18, 18]], 3)).toBe('lines 18, …')
    expect(
      formatLines(
        [
          [10, 19],
          [25, 25]
        ],
        2
      )
    ).toBe('lines 10–19, 25')
  })

  it('prints warnings and where the rejects went', () => {
    const text = formatSummaryText(
      summary({
        warnings: [{ code: 'CREDENTIALS_NOT_USED', message: 'TTD_AUTH_TOKEN is set but not used.' }],
        rejects: { path: '/data/rejects.csv', lines: 1234 }
      })
    )
    expect(text).toContain('  Rejects:     1,234 lines written to /data/rejects.csv (line, code, reason)\n')
    expect(text).toContain('  Warning:     TTD_AUTH_TOKEN is set but not used.\n')
  })
})

describe('formatSummaryJson', () => {
  it('is the summary itself, as JSON', () => {
    const value = summary({ stoppedAtBatch: 2 })
    expect(JSON.parse(formatSummaryJson(value))).toEqual(value)
  })
})

describe('formatProgress', () => {
  it('shows the batch, its events, merge mode, upload count and where reading stands', () => {
    expect(
      formatProgress({ batch: 2, events: 2500, mergeModes: ['Add'], uploaded: 2100, leftOut: 400, attempts: 1 })
    ).toBe('batch 2: 2,500 events, Add, 2,100 uploaded, 400 left out')
    expect(
      formatProgress({ batch: 2, events: 2500, mergeModes: ['Add'], uploaded: 2100, leftOut: 400, attempts: 1 }, true)
    ).toBe('batch 2: 2,500 events, Add, 2,100 to upload, 400 left out')
    expect(
      formatProgress({
        batch: 1,
        events: 3000,
        folded: 500,
        mergeModes: ['Replace'],
        uploaded: 3000,
        leftOut: 0,
        attempts: 1,
        position: { eventsRead: 3000, bytesRead: 750, fileBytes: 1000 }
      })
    ).toBe(
      'batch 1: 3,000 events (500 beyond --batch-size, folded in), Replace, 3,000 uploaded, 0 left out; ' +
        '3,000 events read, 75% of the file'
    )
    expect(
      formatProgress({ batch: 1, events: 10, mergeModes: [], uploaded: 0, leftOut: 10, attempts: 3, error: 'Down.' })
    ).toBe('batch 1: 10 events, FAILED, 3 attempts: Down.')
  })

  it('shows the rate and the time left on a terminal', () => {
    const position = { eventsRead: 20_000, bytesRead: 250, fileBytes: 1000 }
    expect(formatLiveProgress(position, 10_000, 3)).toBe(
      'batch 3: 20,000 events read, 25% of the file, 2,000 events/s, about 30 s left'
    )
    expect(formatLiveProgress({ ...position, bytesRead: 1000 }, 10_000, 3)).not.toContain('left')
    // Standard input has no size: no share of the file, no time left.
    expect(formatLiveProgress({ ...position, fileBytes: undefined }, 10_000, 3)).toBe(
      'batch 3: 20,000 events read, 2,000 events/s'
    )
  })
})
