import { normalizeEmail } from '../../destinations/the-trade-desk-crm/pii'
import { cutSync } from '../sync-cuts'

/** The distinct valid addresses of some events, normalized as the destination does. */
function distinct(events: ReturnType<typeof cutSync>['events']): Set<string> {
  const found = new Set<string>()
  for (const event of events) {
    const normalized = normalizeEmail((event.context?.traits as { email: string }).email)
    if (normalized.ok) found.add(normalized.value)
  }
  return found
}

describe('cutSync', () => {
  it('cuts 1,500 + 1,500 + 755 events into batches of 1,468, 1,459 and 736 distinct: 3,596 members', () => {
    const sync = cutSync([
      { events: 1500, distinct: 1468 },
      { events: 1500, distinct: 1459, repeats: 45 },
      { events: 755, distinct: 736, repeats: 22 }
    ])

    expect(sync.batchSizes).toEqual([1500, 1500, 755])
    expect(sync.events).toHaveLength(3755)
    const batches = [sync.events.slice(0, 1500), sync.events.slice(1500, 3000), sync.events.slice(3000)]
    expect(batches.map((batch) => distinct(batch).size)).toEqual([1468, 1459, 736])
    expect(distinct(sync.events).size).toBe(3596)
    expect(sync.memberEmails).toHaveLength(3596)
    expect(sync.events.every((event) => event.event === 'Audience Entered')).toBe(true)
  })

  it('thins a batch with refused addresses and repeats of its own', () => {
    const { events } = cutSync([{ events: 10, distinct: 6 }])
    const refused = events.filter((event) => !normalizeEmail((event.context?.traits as { email: string }).email).ok)
    expect(refused).toHaveLength(2)
    expect(distinct(events).size).toBe(6)
  })

  it('refuses a cut it cannot make', () => {
    expect(() => cutSync([{ events: 10, distinct: 11 }])).toThrow(RangeError)
    expect(() => cutSync([{ events: 10, distinct: 5, repeats: 1 }])).toThrow(
      'Batch 1: 10 events cannot hold 5 distinct identifiers with 1 repeats after 0 members.'
    )
  })
})
