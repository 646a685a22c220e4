/** The simulator's plumbing: machines, the runtime's stores, TTD and what a sync reports. */
import { closeMachines, cutSync, simulateSync, World, type RetryPolicy } from '..'

const HOUR = 3_600_000
const RETRY: RetryPolicy = { firstWaitMs: 60_000, factor: 2, jitter: 0 }

afterAll(() => closeMachines())

describe('a sync through the simulator', () => {
  it('reports each event’s answer and TTD’s segment: a full batch ends with every member uploaded and in the segment', async () => {
    const sync = cutSync([{ events: 1600, distinct: 1560 }], { tag: 'plain' })

    const outcome = await simulateSync({ ...sync, delivery: 'sequential', retry: RETRY })

    expect(outcome.expected.size).toBe(1560)
    expect([...outcome.expected].every((key) => outcome.members.has(key))).toBe(true)
    expect(outcome.segments).toHaveLength(1)
    expect(outcome.uploads).toEqual([
      expect.objectContaining({ status: 'uploaded', distinct: 1560, crmDataId: outcome.segments[0].crmDataId })
    ])
    const members = outcome.events.filter((event) => event.memberKey !== undefined)
    const refused = outcome.events.filter((event) => event.memberKey === undefined)
    expect(members).toHaveLength(1580) // 1,560 people and 20 repeats of them
    expect(members.every((event) => event.uploaded && event.status === 200 && event.attempts === 1)).toBe(true)
    expect(refused).toHaveLength(20)
    expect(refused.every((event) => !event.uploaded && event.status === 400 && event.code !== undefined)).toBe(true)
    expect(outcome.attempts).toEqual([
      expect.objectContaining({ batch: 0, attempt: 1, events: 1600, outcome: 'returned' })
    ])
  })

  it('runs concurrent attempts on different machines, and rotates machines for attempts one after another', async () => {
    const sync = cutSync(
      [
        { events: 1500, distinct: 1500 },
        { events: 1500, distinct: 1500 },
        { events: 1500, distinct: 1500 }
      ],
      { tag: 'machines' }
    )
    const parallel = await simulateSync({ ...sync, delivery: 'parallel', retry: RETRY, cache: true })
    const firsts = parallel.attempts.filter((attempt) => attempt.attempt === 1)
    expect(new Set(firsts.map((attempt) => attempt.machine)).size).toBe(3)

    const sequential = await simulateSync({ ...sync, delivery: 'sequential', retry: RETRY })
    const machines = sequential.attempts.map((attempt) => attempt.machine)
    expect(machines.slice(1).every((machine, i) => machine !== machines[i])).toBe(true)
  })
})

describe('a world of several syncs', () => {
  it('keeps its stores and TTD from day 1 to day 2, and stamps TTD’s requests with the virtual time', async () => {
    const world = await World.create({ cache: false })
    try {
      const sync = cutSync([{ events: 1500, distinct: 1500 }], { tag: 'days' })
      const day1 = await world.sync({ ...sync, delivery: 'sequential', retry: RETRY })
      const day1Requests = world.requests.length
      const day2 = await world.sync({
        ...sync,
        delivery: 'sequential',
        retry: RETRY,
        startAt: day1.startedAt + 24 * HOUR
      })

      expect(day1.segments.map((segment) => segment.crmDataId)).toEqual(
        day2.segments.map((segment) => segment.crmDataId)
      )
      expect(day2.uploads).toHaveLength(1)
      expect(world.requests.slice(0, day1Requests).every((request) => request.at === day1.startedAt)).toBe(true)
      expect(world.requests.slice(day1Requests).every((request) => request.at === day2.startedAt)).toBe(true)
      expect(world.requests.length).toBeGreaterThan(day1Requests)
      expect(world.lastRequestAt('drop')).toBe(day2.startedAt)
      expect(world.now()).toBe(day2.endedAt)
    } finally {
      await world.close()
    }
  })

  it('refuses a sync that starts before the clock, and batch sizes that do not add up to the events', async () => {
    const world = await World.create({ startAt: Date.parse('2026-11-28T12:00:00Z') })
    try {
      const sync = cutSync([{ events: 10, distinct: 10 }], { tag: 'refused' })
      await expect(world.sync({ ...sync, batchSizes: [5], delivery: 'sequential', retry: RETRY })).rejects.toThrow(
        'The batch sizes add up to 5 events; the sync has 10.'
      )
      await expect(
        world.sync({ ...sync, delivery: 'sequential', retry: RETRY, startAt: Date.parse('2026-11-28T00:00:00Z') })
      ).rejects.toThrow('The virtual clock cannot go back')
    } finally {
      await world.close()
    }
  })
})
