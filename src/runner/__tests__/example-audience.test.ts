import { readFileSync } from 'node:fs'
import type { SegmentEvent } from '@segment/actions-core'
import { exampleAudienceLines } from '../../../scripts/generate-example-audience'
import { MIN_DISTINCT_IDENTIFIERS } from '../../destinations/the-trade-desk-crm/constants'
import { normalizeEmail } from '../../destinations/the-trade-desk-crm/pii'
import { EXAMPLE_BATCH_SIZE, EXAMPLE_INPUT } from '../example'

describe('the bundled example audience', () => {
  const committed = readFileSync(EXAMPLE_INPUT.absolute, 'utf8')
  const events: SegmentEvent[] = committed
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as SegmentEvent)

  it('is exactly what the generator writes', () => {
    expect([...exampleAudienceLines()].join('\n') + '\n').toBe(committed)
  })

  it('holds several batches, each with enough distinct members plus invalid, duplicate and exited people', () => {
    expect(events.length).toBeGreaterThanOrEqual(5000)
    const batches = Math.ceil(events.length / EXAMPLE_BATCH_SIZE)
    expect(batches).toBeGreaterThanOrEqual(2)

    for (let b = 0; b < batches; b++) {
      const batch = events.slice(b * EXAMPLE_BATCH_SIZE, (b + 1) * EXAMPLE_BATCH_SIZE)
      const distinct = new Set<string>()
      let invalid = 0
      let duplicates = 0
      let exited = 0
      for (const event of batch) {
        if (event.event === 'Audience Exited') {
          exited++
          continue
        }
        const normalized = normalizeEmail(String(event.context?.traits?.email ?? ''))
        if (!normalized.ok) invalid++
        else if (distinct.has(normalized.value)) duplicates++
        else distinct.add(normalized.value)
      }
      expect(distinct.size).toBeGreaterThanOrEqual(MIN_DISTINCT_IDENTIFIERS)
      expect(invalid).toBeGreaterThan(0)
      expect(duplicates).toBeGreaterThan(0)
      expect(exited).toBeGreaterThan(0)
    }
  })
})
