// `npm run bench`: figures 1–4 of the destination's performance, each a ratio against a floor measured in the
// same process and the same rounds, and the side-by-side figure with Segment's published destination. See
// bench/README.md.
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { performBatchFigure, sandboxTarget } from './figures/perform-batch'
import { piiFigure, piiFixture } from './figures/pii'
import { comparePeer, peerFigures, printPeerComparison, startFakeTtd, type PeerComparison } from './figures/peer'
import { generateAudiences, runnerAvailable, runnerFigure } from './figures/runner'
import { runtimeFigure } from './figures/runtime'
import { runRounds, writeJson, type Figure, type FigureResult } from './harness'
import { describeCode, describeMachine, machineLine } from './machine'
import { UsageError } from '../src/cli/usage-error'
import { parseBenchOptions, USAGE, type BenchOptions } from './options'
import { loadPeer } from './peer-package'
import { profileFigures } from './profile'
import { printFigure } from './report'
import { startSandboxProcess } from './sandbox-process'

const RESULTS = join(__dirname, 'results', 'latest.json')

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2))
  const machine = describeMachine()
  const code = describeCode(join(__dirname, '..'))
  const log = (line: string) => console.log(line)
  const started = Date.now()
  log(`machine: ${machineLine(machine)}`)
  log(
    `code: ${code.commit}${code.uncommittedInSrc.length > 0 ? ` + uncommitted: ${code.uncommittedInSrc.join(', ')}` : ''}`
  )
  log(`options: ${JSON.stringify({ ...options, only: [...options.only] })}`)
  if (!(globalThis as { gc?: unknown }).gc)
    log('note: run with --expose-gc (npm run bench does) to collect between runs')

  const figures: Figure[] = []
  let results: FigureResult[] = []
  let profiles: Awaited<ReturnType<typeof profileFigures>> | undefined
  const sandbox = await startSandboxProcess()
  try {
    const target = sandboxTarget(sandbox)
    const fixture = piiFixture(options.batchSize)
    if (options.only.has('pii')) figures.push(piiFigure(fixture))
    if (options.only.has('phone')) figures.push(piiFigure(piiFixture(options.batchSize, 'phone')))
    if (options.only.has('performBatch')) figures.push(performBatchFigure(fixture, target))
    if (options.only.has('runtime')) figures.push(runtimeFigure(options.batchSize, target))
    if (figures.length > 0) results = await runRounds(figures, options.rounds, log)
    for (const result of results) printFigure(result, log)
    if (options.profile) profiles = await profileFigures(figures, join(__dirname, 'results'), log)
  } finally {
    await sandbox.close()
  }

  const peer = options.only.has('peer') ? await peerFigure(options, log) : undefined
  if (peer) {
    results.push(...peer.results)
    if (peer.profiles) profiles = { ...profiles, ...peer.profiles }
  }

  const runner = options.only.has('runner') ? await runnerFigures(options.runnerSizes, options.runnerRounds, log) : []
  results.push(...runner)

  writeJson(RESULTS, {
    date: new Date().toISOString(),
    machine,
    code,
    options: { ...options, only: [...options.only] },
    figures: results,
    peer: peer?.comparison ?? peer?.skipped,
    runnerScaling: scaling(runner),
    profiles,
    loadAverageAtEnd: loadavg()[0],
    durationSeconds: (Date.now() - started) / 1000
  })
  log(`\nresults: ${RESULTS} (${((Date.now() - started) / 1000).toFixed(0)} s)`)
}

/** The side-by-side figure with Segment's published destination, in its own rotated rounds; skipped offline. */
async function peerFigure(
  options: BenchOptions,
  log: (line: string) => void
): Promise<
  | {
      results: FigureResult[]
      comparison?: PeerComparison
      skipped?: string
      profiles?: Awaited<ReturnType<typeof profileFigures>>
    }
  | undefined
> {
  const loaded = loadPeer(log)
  if (!loaded.ok) {
    log(`\npeer figure skipped: ${loaded.reason}`)
    return { results: [], skipped: loaded.reason }
  }
  const fake = await startFakeTtd()
  try {
    const figures = peerFigures(options.batchSize, loaded.peer, fake, options.without)
    const results = await runRounds(figures, options.rounds, log, true)
    const comparison = comparePeer(results[0], results[1])
    printPeerComparison(comparison, log)
    const profiles = options.profile ? await profileFigures(figures, join(__dirname, 'results'), log) : undefined
    return { results, comparison, profiles }
  } finally {
    await fake.close()
  }
}

/** Figure 4: one figure per audience size, its own rounds (each run is a fresh child process). */
async function runnerFigures(sizes: number[], rounds: number, log: (line: string) => void): Promise<FigureResult[]> {
  if (!runnerAvailable()) {
    log('\nfigure 4 skipped: src/runner/cli.ts is missing')
    return []
  }
  const started = Date.now()
  const audiences = await generateAudiences(sizes)
  log(`\ngenerated ${sizes.join(' and ')} member audiences in ${audiences.dir} (${Date.now() - started} ms)`)
  try {
    const figures = sizes.map((size, i) => runnerFigure(size, audiences.files.get(size)!, i === sizes.length - 1))
    const results = await runRounds(figures, rounds, log)
    for (const result of results) printFigure(result, log)
    const scale = scaling(results)
    if (scale) log(`\nrunner per-event cost, largest vs smallest audience: ${scale.ratio.toFixed(2)}x (flat is 1.00x)`)
    return results
  } finally {
    await audiences.remove()
  }
}

/** How the runner's per-event cost changes from the smallest to the largest audience (1.0 = flat). */
function scaling(results: FigureResult[]): { nsPerEvent: Record<string, number>; ratio: number } | undefined {
  if (results.length < 2) return undefined
  const perEvent = (r: FigureResult) => (r.subject.medianMs * 1e6) / r.items
  const first = results[0]
  const lastResult = results[results.length - 1]
  return {
    nsPerEvent: Object.fromEntries(results.map((r) => [r.items, Math.round(perEvent(r))])),
    ratio: perEvent(lastResult) / perEvent(first)
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`)
    process.exit(2)
  }
  console.error(error)
  process.exit(1)
})
