import { DistinctLines } from '../engine/distinct-lines'

function addAll(lines: DistinctLines, values: string[]): boolean[] {
  return values.map((value) => lines.add(value))
}

describe('DistinctLines', () => {
  it('grows past its initial table without losing or repeating lines', () => {
    const distinct = new DistinctLines()
    const values = Array.from({ length: 50_000 }, (_, i) => `line-${i % 20_000}`)
    const added = addAll(distinct, values).filter(Boolean).length
    expect(added).toBe(20_000)
    expect(distinct.lines.slice(0, 3)).toEqual(['line-0', 'line-1', 'line-2'])
    expect(new Set(distinct.lines).size).toBe(20_000)
  })

  it.each([
    ['fewer lines than expected', 100_000, 3_000],
    ['more lines than expected', 1_000, 30_000],
    ['an expected size past the presizing bound', 10_000_000, 3_000]
  ])('is the same set whatever size it was told to expect (%s)', (_label, expected, count) => {
    const hinted = new DistinctLines('text', expected)
    const plain = new DistinctLines('text')
    const values = Array.from({ length: count }, (_, i) => `person-${(i * 7) % Math.ceil(count / 2)}`)
    expect(addAll(hinted, values)).toEqual(addAll(plain, values))
    expect(hinted.lines).toEqual(plain.lines)
    // The hint sizes the table up front, within a bound: never more than 4 MB of slots for any batch.
    const slots = (hinted as unknown as { slots: Int32Array }).slots.length
    expect(slots).toBeGreaterThanOrEqual(Math.min(expected, 500_000) * 2)
    expect(slots).toBeLessThanOrEqual(Math.max(2 ** 20, count * 4))
  })

  it('stays correct, and hands over to a Set, when crafted lines all collide', () => {
    // In digest mode only the first characters are hashed: a shared prefix puts every line on one probe run.
    const distinct = new DistinctLines('digest')
    const crafted = Array.from({ length: 500 }, (_, i) => `AAAAAAAA${String(i).padStart(35, '0')}=`)
    expect(addAll(distinct, crafted).every(Boolean)).toBe(true)
    expect(addAll(distinct, crafted).some(Boolean)).toBe(false)
    expect(distinct.lines).toEqual(crafted)
    expect((distinct as unknown as { fallback?: Set<string> }).fallback?.size).toBe(500)
  })
})
