/** Command-line options of `npm run bench`. */
export interface BenchOptions {
  quick: boolean
  rounds: number
  /** Events per batch in figures 1–3 and the peer figure. */
  batchSize: number
  /** Audience sizes of figure 4. */
  runnerSizes: number[]
  runnerRounds: number
  only: Set<string>
  profile: boolean
  /** Fields left out of our mapping in the peer figure: what a mapping saved without them would cost. */
  without: string[]
}

export const FIGURES = ['pii', 'performBatch', 'runtime', 'peer', 'runner']

const USAGE = `npm run bench -- [--quick] [--rounds N] [--only pii,performBatch,runtime,peer,runner] [--profile] [--without F,G]
  --quick     smaller inputs (figures 1–3 and peer: 20,000 events; figure 4: 20,000 and 200,000 members)
  --rounds N  rounds after the warm-up, for every figure (default 5)
  --only      run some figures only
  --profile   afterwards, CPU-profile the subjects of figures 1–3 and peer and print where the time goes
  --without F,G  peer figure only: leave these optional fields (phone, event_name, external_id…) out of our
              mapping, to measure what their defaults cost; the figure is labelled with them`

export function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick')
  const options: BenchOptions = {
    quick,
    rounds: 5,
    batchSize: quick ? 20_000 : 100_000,
    runnerSizes: quick ? [20_000, 200_000] : [100_000, 1_000_000],
    runnerRounds: 5,
    only: new Set(FIGURES),
    profile: argv.includes('--profile'),
    without: []
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--rounds') {
      options.rounds = Number(argv[++i])
      options.runnerRounds = options.rounds
    } else if (arg === '--only') options.only = new Set(argv[++i].split(','))
    else if (arg === '--without') options.without = (argv[++i] ?? '').split(',').filter(Boolean)
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE)
      process.exit(0)
    } else if (arg !== '--quick' && arg !== '--profile') throw new Error(`Unknown option ${arg}\n${USAGE}`)
  }
  if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new Error(`--rounds must be a positive integer`)
  const unknown = [...options.only].filter((name) => !FIGURES.includes(name))
  if (unknown.length > 0)
    throw new Error(`--only: unknown figure ${unknown.join(', ')}; figures are ${FIGURES.join(', ')}`)
  return options
}
