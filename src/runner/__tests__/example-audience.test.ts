import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { SegmentEvent } from '@segment/actions-core'
import { MIN_DISTINCT_IDENTIFIERS } from '../../destinations/the-trade-desk-crm/constants'
import { normalizeEmail } from '../../destinations/the-trade-desk-crm/pii'
import { EXAMPLE_BATCH_SIZE } from '../example'
import { ensureExampleAudience, exampleAudienceLines } from '../example-audience'
import { tempDir } from '../../testing/audience-fixtures'

/** The sha256 of the example as first committed: the seeded generator must keep writing it byte for byte. */
const EXAMPLE_SHA256 = '7c565a4bb5723c6f9363f6da6b477fc5e6640c3e5633217c433045f76f20b3dd'

describe('the example audience', () => {
  const text = [...exampleAudienceLines()].join('\n') + '\n'
  const events: SegmentEvent[] = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as SegmentEvent)

  it('is the same, byte for byte, on every generation', () => {
    expect(createHash('sha256').update(text).digest('hex')).toBe(EXAMPLE_SHA256)
  })

  it('is written on first use and reused afterwards', async () => {
    const dir = tempDir()
    try {
      const path = `${dir.dir}/examples/audience.jsonl`
      await ensureExampleAudience(path)
      expect(readFileSync(path, 'utf8')).toBe(text)
      dir.write('examples/audience.jsonl', 'kept\n')
      await ensureExampleAudience(path)
      expect(readFileSync(path, 'utf8')).toBe('kept\n')
    } finally {
      dir.cleanup()
    }
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
