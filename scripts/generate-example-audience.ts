/**
 * Writes an example audience like the one the runner generates on first use, e.g. a larger one for benchmarks:
 *
 *   npx ts-node --transpile-only scripts/generate-example-audience.ts [--events 7500] [--chunk-size 2500] [--out file]
 */
import { parseArgs } from 'node:util'
import { EXAMPLE_INPUT } from '../src/runner/example'
import { writeExampleAudience } from '../src/runner/example-audience'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      'chunk-size': { type: 'string' },
      out: { type: 'string' }
    }
  })
  const events = values.events === undefined ? undefined : Number(values.events)
  const chunkSize = values['chunk-size'] === undefined ? undefined : Number(values['chunk-size'])
  for (const [name, value] of [
    ['--events', events],
    ['--chunk-size', chunkSize]
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1))
      throw new Error(`${name} must be a positive integer`)
  }
  const out = values.out ?? EXAMPLE_INPUT.absolute
  const count = await writeExampleAudience(out, { events, chunkSize })
  process.stderr.write(`Wrote ${count} events to ${out}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
