import { parseOptions } from '../src/cli/parse-options'
import { UsageError } from '../src/cli/usage-error'
/** Command-line options of `npm run bench`. */
export interface BenchOptions {
  quick: boolean
  rounds: number
  /** Events per batch in figures 1–3, the phone figure and the peer figure. */
  batchSize: number
  /** Audience sizes of figure 4. */
  runnerSizes: number[]
  runnerRounds: number
  only: Set<string>
  profile: boolean
  /** Fields left out of our mapping in the peer figure: what a mapping saved without them would cost. */
  without: string[]
}

export const FIGURES = ['pii', 'phone', 'performBatch', 'runtime', 'peer', 'runner']

export const USAGE = `npm run bench -- [--quick] [--rounds N] [--only pii,phone,performBatch,runtime,peer,runner] [--profile] [--without F,G]
  --quick     smaller inputs (figures 1–3, phone and peer: 20,000 events; figure 4: 20,000 and 200,000 members)
  --rounds N  rounds after the warm-up, for every figure (default 5)
  --only      run some figures only
  --profile   afterwards, CPU-profile the subjects of figures 1–3, phone and peer and print where the time goes
  --without F,G  peer figure only: leave these optional fields (phone, event_name, external_id…) out of our
              mapping, to measure what their defaults cost; the figure is labelled with them`

export function parseBenchOptions(argv: string[]): BenchOptions {
  // The same argument parser as every command-line tool of the project (src/cli), so mistakes read alike.
  const values = parseOptions(argv, {
    quick: { type: 'boolean' },
    rounds: { type: 'string' },
    only: { type: 'string' },
    profile: { type: 'boolean' },
    without: { type: 'string' },
    help: { type: 'boolean', short: 'h' }
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const quick = values.quick === true
  const rounds = values.rounds === undefined ? 5 : Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError('--rounds must be a positive integer')
  const options: BenchOptions = {
    quick,
    rounds,
    batchSize: quick ? 20_000 : 100_000,
    runnerSizes: quick ? [20_000, 200_000] : [100_000, 1_000_000],
    runnerRounds: rounds,
    only: values.only === undefined ? new Set(FIGURES) : new Set(values.only.split(',')),
    profile: values.profile === true,
    without: (values.without ?? '').split(',').filter(Boolean)
  }
  const unknown = [...options.only].filter((name) => !FIGURES.includes(name))
  if (unknown.length > 0)
    throw new UsageError(`--only: unknown figure ${unknown.join(', ')}; figures are ${FIGURES.join(', ')}`)
  return options
}
