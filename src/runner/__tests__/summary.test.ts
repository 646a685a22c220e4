import { formatProgress, formatSummaryJson, formatSummaryText } from '../summary'
import type { SyncSummary } from '../sync'

function summary(overrides: Partial<SyncSummary> = {}): SyncSummary {
  return {
    ok: true,
    segments: [{ name: 'VIP', crmDataId: 'crm-9', created: true }],
    moreSegments: 0,
    batches: [
      { batch: 1, events: 2500, mergeModes: ['Replace'], uploaded: 2100 },
      { batch: 2, events: 2500, mergeModes: ['Add'], uploaded: 2050 }
    ],
    events: 5000,
    uploaded: 4150,
    leftOut: { invalid: 50, duplicate: 300, exited: 500, notSubscribed: 0, belowMinimum: 0, failed: 0, unreadable: 0 },
    failures: [],
    unreadableLineNumbers: [],
    elapsedMs: 1234,
    ...overrides
  }
}

describe('formatSummaryText', () => {
  it('names the segment, the batches with their merge modes, the counts by reason and the time', () => {
    const text = formatSummaryText(summary())
    expect(text).toContain('Segment:     "VIP", CrmDataId crm-9 (created)')
    expect(text).toContain('Batches:     2 (Replace, Add)')
    expect(text).toContain('Uploaded:    4150 identifiers')
    expect(text).toContain('Left out:    850')
    expect(text).toMatch(/invalid identifier\s+50 {2}\(reported, not fatal\)/)
    expect(text).toMatch(/duplicate in its batch\s+300/)
    expect(text).toMatch(/left the audience\s+500/)
    expect(text).toMatch(/other failures\s+0\n/)
    expect(text).toContain('Elapsed:     1.2 s')
    expect(text).toMatch(/Result: {6}OK\n$/)
  })

  it('reports failures, unreadable lines and where a failed sync stopped', () => {
    const text = formatSummaryText(
      summary({
        ok: false,
        segments: [],
        batches: [{ batch: 1, events: 1500, mergeModes: [], uploaded: 0, error: 'Token rejected.' }],
        leftOut: {
          invalid: 0,
          duplicate: 0,
          exited: 0,
          notSubscribed: 0,
          belowMinimum: 0,
          failed: 1500,
          unreadable: 2
        },
        failures: [{ message: 'Token rejected.', count: 1500 }],
        unreadableLineNumbers: [3, 9],
        stoppedAtBatch: 1
      })
    )
    expect(text).toContain('Segment:     none written')
    expect(text).toContain('Batches:     1 (failed)')
    expect(text).toContain('1500 x Token rejected.')
    expect(text).toContain('Unreadable lines include: 3, 9')
    expect(text).toContain('Stopped at batch 1')
    expect(text).toMatch(/Result: {6}FAILED\n$/)
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

describe('formatSummaryJson', () => {
  it('is the summary itself, as JSON', () => {
    const value = summary({ stoppedAtBatch: 2 })
    expect(JSON.parse(formatSummaryJson(value))).toEqual(value)
  })
})

describe('formatProgress', () => {
  it('shows the batch, its events, merge mode and upload count', () => {
    expect(
      formatProgress({ batch: 2, events: 2500, mergeModes: ['Add'], uploaded: 2100, leftOut: 400, attempts: 1 })
    ).toBe('batch 2: 2500 events, Add, 2100 uploaded, 400 left out')
    expect(
      formatProgress({ batch: 1, events: 10, mergeModes: [], uploaded: 0, leftOut: 10, attempts: 3, error: 'Down.' })
    ).toBe('batch 1: 10 events, FAILED, 3 attempts: Down.')
  })
})
