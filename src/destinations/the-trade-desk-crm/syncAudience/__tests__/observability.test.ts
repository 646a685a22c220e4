import { createTestIntegration, type Logger, type SegmentEvent, type StatsContext } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../../index'
import { normalizeEmail, sha256Base64 } from '../../pii'
import { audienceEvent, emailOf, enteredBatch, mapping, SETTINGS } from '../../__tests__/__helpers__/events'
import { FakeTtd } from '../../__tests__/__helpers__/fake-ttd'
import { memoryCache } from '../../__tests__/__helpers__/memory-cache'

/** What the runtime's stats client and logger were told, as Segment's own destinations report it. */
function recorder() {
  const counts: { name: string; value: number; tags: string[] }[] = []
  const histograms: { name: string; value: number; tags: string[] }[] = []
  const lines: string[] = []
  const statsContext = {
    tags: ['destination:ttd-crm'],
    statsClient: {
      incr: (name: string, value = 1, tags: string[] = []) => void counts.push({ name, value, tags }),
      histogram: (name: string, value = 0, tags: string[] = []) => void histograms.push({ name, value, tags })
    }
  } as unknown as StatsContext
  const logger = {
    info: (...message: string[]) => void lines.push(message.join(' ')),
    warn: (...message: string[]) => void lines.push(message.join(' '))
  } as unknown as Logger
  const total = (name: string, tag?: string) =>
    counts.filter((c) => c.name === name && (!tag || c.tags.includes(tag))).reduce((sum, c) => sum + c.value, 0)
  return { statsContext, logger, counts, histograms, lines, total }
}

describe('what a sync counts and logs', () => {
  it('counts uploads by merge mode and reason, lines, held and topped-up lines, refusals by code, TTD errors', async () => {
    const ttd = new FakeTtd()
    const seen = recorder()
    const shared = memoryCache()
    const integration = createTestIntegration(createTheTradeDeskCrm())
    const run = (events: SegmentEvent[]) =>
      integration.testBatchAction('syncAudience', {
        events,
        mapping: mapping(),
        settings: SETTINGS,
        useDefaultMappings: true,
        engageDestinationCache: shared,
        statsContext: seen.statsContext,
        logger: seen.logger
      })

    await run([...enteredBatch(3000), audienceEvent('no-at-sign'), audienceEvent(undefined)])
    await run(enteredBatch(700, 5000)) // short, inside the open window: topped up with 800 lines
    ttd.onUpload(2, { status: 503 })
    await run(enteredBatch(1600, 9000))

    expect(seen.total('ttd_crm.uploads', 'merge_mode:Replace')).toBe(1)
    expect(seen.total('ttd_crm.uploads', 'reason:starts-sync')).toBe(1)
    expect(seen.total('ttd_crm.uploads', 'merge_mode:Add')).toBe(1)
    expect(seen.total('ttd_crm.topped_up_lines')).toBe(800)
    expect(seen.histograms.filter((h) => h.name === 'ttd_crm.upload_lines').map((h) => h.value)).toEqual([3000, 1500])
    expect(seen.total('ttd_crm.refused_identifiers', 'reason:INVALID_IDENTIFIER')).toBe(2)
    expect(seen.total('ttd_crm.ttd_errors', 'code:TTD_UNAVAILABLE')).toBe(1)
    expect(seen.counts.find((c) => c.name === 'ttd_crm.ttd_errors')?.tags).toEqual(
      expect.arrayContaining(['destination:ttd-crm', 'operation:upload', 'status:503'])
    )
    expect(seen.total('ttd_crm.failed_events', 'code:TTD_UNAVAILABLE')).toBe(1600)
    expect(seen.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ttd-crm: Replace to CRM segment crm-1 \(no sync window open: this upload starts/),
        expect.stringMatching(/^ttd-crm: Add to CRM segment crm-1 \(the sync window is open\): 1500 lines, 700 from/),
        'ttd-crm: 1600 events not uploaded (TTD_UNAVAILABLE)'
      ])
    )
    expectNoIdentifier(seen)
  })

  it('counts held events and lines, and logs the hold', async () => {
    new FakeTtd()
    const seen = recorder()
    const integration = createTestIntegration(createTheTradeDeskCrm())
    await integration.testBatchAction('syncAudience', {
      events: [...enteredBatch(900), ...enteredBatch(100)],
      mapping: mapping(),
      settings: SETTINGS,
      useDefaultMappings: true,
      engageDestinationCache: memoryCache(),
      statsContext: seen.statsContext,
      logger: seen.logger
    })
    expect(seen.total('ttd_crm.held_events')).toBe(1000)
    expect(seen.total('ttd_crm.held_lines')).toBe(900)
    expect(seen.total('ttd_crm.uploads')).toBe(0)
    expect(seen.lines).toContain(
      "ttd-crm: Held 1000 events (900 distinct lines) below The Trade Desk's minimum; this segment's sync has 900 held so far"
    )
    expectNoIdentifier(seen)
  })
})

function expectNoIdentifier(seen: ReturnType<typeof recorder>): void {
  const told = JSON.stringify([seen.counts, seen.histograms, seen.lines])
  expect(told).not.toContain('@example.com')
  expect(told).not.toContain(SETTINGS.auth_token)
  for (const i of [0, 5000, 9000]) {
    const normalized = normalizeEmail(emailOf(i))
    if (normalized.ok) expect(told).not.toContain(sha256Base64(normalized.value))
  }
}
