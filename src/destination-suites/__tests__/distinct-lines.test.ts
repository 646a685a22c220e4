import fc from 'fast-check'
import { DistinctLines } from '../../destinations/the-trade-desk-crm/engine/distinct-lines'

function addAll(lines: DistinctLines, values: string[]): boolean[] {
  return values.map((value) => lines.add(value))
}

describe('DistinctLines', () => {
  it('behaves like a Set: same answers to add, same first-seen order', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 3000 }), (values) => {
        const distinct = new DistinctLines()
        const reference = new Set<string>()
        const answers = addAll(distinct, values)
        const expected = values.map((value) => !reference.has(value) && reference.add(value) !== undefined)
        expect(answers).toEqual(expected)
        expect(distinct.lines).toEqual([...reference])
        expect(distinct.size).toBe(reference.size)
      }),
      { seed: 20261128, numRuns: 200 }
    )
  })
})
