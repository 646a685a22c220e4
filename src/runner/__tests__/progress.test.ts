import { ProgressDisplay } from '../progress'

function capture() {
  const writes: string[] = []
  return { out: { write: (text: string) => writes.push(text) }, writes }
}

const batch = { batch: 1, events: 1500, mergeModes: ['Replace' as const], uploaded: 1500, leftOut: 0, attempts: 1 }
const position = { eventsRead: 3000, bytesRead: 500, fileBytes: 1000 }

describe('ProgressDisplay', () => {
  it('on a terminal, rewrites one live line and prints each finished batch above it', () => {
    const { out, writes } = capture()
    const display = new ProgressDisplay(out, true)
    display.sending(1, position)
    display.batchDone(batch)
    display.stop()

    expect(writes[0]).toMatch(/^\r\u001b\[Kbatch 1: 3,000 events read, 50% of the file, [\d,]+ events\/s/)
    // The live line is cleared before the batch line, so the two never mix.
    expect(writes.slice(1)).toEqual(['\r\u001b[K', 'batch 1: 1,500 events, Replace, 1,500 uploaded, 0 left out\n'])
  })

  it('elsewhere, writes only one plain line per batch', () => {
    const { out, writes } = capture()
    const display = new ProgressDisplay(out, false)
    display.reading(position)
    display.sending(1, position)
    display.batchDone(batch)
    display.note('Stopping.')
    display.stop()
    expect(writes).toEqual(['batch 1: 1,500 events, Replace, 1,500 uploaded, 0 left out\n', 'Stopping.\n'])
  })
})
