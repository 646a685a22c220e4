import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { USAGE_TAG, type ChildUsage } from '../child/usage-tag'
import { writeAudienceJsonl } from '../data'
import { check, median, type Figure } from '../harness'

const ROOT = join(__dirname, '..', '..')
const TS_NODE = require.resolve('ts-node/register/transpile-only')
const USAGE_PRELOAD = join(__dirname, '..', 'child', 'usage-on-exit.ts')
const RUNNER_CLI = join(ROOT, 'src', 'runner', 'cli.ts')
const FLOOR = join(__dirname, '..', 'child', 'runner-floor.ts')

/** Peak RSS allowed for the largest audience. */
const MAX_RSS_BYTES = 1024 ** 3
/** The runner's throughput must be at least this share of the floor's. */
const MIN_THROUGHPUT_SHARE = 0.6

export function runnerAvailable(): boolean {
  try {
    require.resolve(RUNNER_CLI)
    return true
  } catch {
    return false
  }
}

export interface AudienceFiles {
  dir: string
  files: Map<number, { path: string; bytes: number }>
  remove(): Promise<void>
}

/** Generates one JSONL audience per size in a fresh temp dir. */
export async function generateAudiences(sizes: number[]): Promise<AudienceFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'ttd-crm-bench-'))
  const files = new Map<number, { path: string; bytes: number }>()
  for (const size of sizes) {
    const path = join(dir, `audience-${size}.jsonl`)
    files.set(size, { path, bytes: await writeAudienceJsonl(path, size) })
  }
  return { dir, files, remove: () => rm(dir, { recursive: true, force: true }) }
}

interface ChildRun {
  stdout: string
  wallMs: number
  maxRssBytes: number
  cpuMs: number
  rssMbByQuarter: (number | null)[]
}

/** Runs a TypeScript entry point in a fresh node (ts-node, transpile-only), with the usage reporter preloaded. */
function runChild(script: string, args: string[]): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['-r', TS_NODE, '-r', USAGE_PRELOAD, script, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - started
      const stderr = Buffer.concat(err).toString('utf8')
      const usageLine = stderr.split('\n').find((line) => line.startsWith(USAGE_TAG))
      if (code !== 0 || !usageLine) {
        reject(new Error(`${script} exited with ${code}:\n${stderr.slice(-2000)}`))
        return
      }
      const usage = JSON.parse(usageLine.slice(USAGE_TAG.length)) as ChildUsage
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        wallMs,
        maxRssBytes: usage.maxRssKb * 1024,
        cpuMs: usage.userCpuMs + usage.systemCpuMs,
        rssMbByQuarter: usage.rssMbByQuarter
      })
    })
  })
}

interface RunnerSummary {
  ok: boolean
  events: number
  uploaded: number
  batches: unknown[]
  elapsedMs: number
  duplicates: number
  leftOut: { invalid: number; failed: number }
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20)

/**
 * Figure 4 at one audience size: the runner CLI (`npm start` = src/runner/cli.ts, with its embedded sandbox) as
 * a child process, against a child that only reads and parses the same file and calls a no-op onBatch. Both
 * time themselves from the first line read to the last batch done (the runner's summary.elapsedMs), so process
 * start-up and transpiling are left out; wall time is reported too.
 */
export function runnerFigure(size: number, file: { path: string; bytes: number }, largest: boolean): Figure {
  const runner = { elapsed: [] as number[], rss: [] as number[], wall: [] as number[], cpu: [] as number[] }
  const floor = { elapsed: [] as number[], rss: [] as number[], wall: [] as number[] }
  const perSecond = (ms: number[]) => Math.round((size / median(ms)) * 1000)
  let last: RunnerSummary | undefined
  let lastRssByQuarter: (number | null)[] = []
  return {
    id: `runner-${size}`,
    title: `Runner at scale: ${size} members (${mb(file.bytes)} MB JSONL) via npm start's CLI, embedded sandbox`,
    floorLabel: 'child process: readline + JSON.parse of the same file + no-op onBatch in batches of 100,000',
    items: size,
    target: 1 / MIN_THROUGHPUT_SHARE,
    warmUp: false,
    prepare: async () => undefined,
    subject: async () => {
      const run = await runChild(RUNNER_CLI, ['--input', file.path, '--json'])
      const summary = JSON.parse(run.stdout) as RunnerSummary
      check(summary.ok && summary.events === size, `runner summary: ok=${summary.ok}, events=${summary.events}`)
      check(summary.leftOut.invalid === Math.floor(size / 1000), `runner: ${summary.leftOut.invalid} invalid`)
      last = summary
      lastRssByQuarter = run.rssMbByQuarter
      runner.elapsed.push(summary.elapsedMs)
      runner.rss.push(run.maxRssBytes)
      runner.wall.push(run.wallMs)
      runner.cpu.push(run.cpuMs)
      return summary.elapsedMs
    },
    floor: async () => {
      const run = await runChild(FLOOR, [file.path])
      const result = JSON.parse(run.stdout) as { elapsedMs: number; events: number; succeeded: number }
      check(result.events === size && result.succeeded === size, `floor handled ${result.succeeded}/${size}`)
      floor.elapsed.push(result.elapsedMs)
      floor.rss.push(run.maxRssBytes)
      floor.wall.push(run.wallMs)
      return result.elapsedMs
    },
    finish: async () => ({
      runnerEventsPerSecond: perSecond(runner.elapsed),
      floorEventsPerSecond: perSecond(floor.elapsed),
      runnerNsPerEvent: Math.round((median(runner.elapsed) * 1e6) / size),
      runnerPeakRssMb: mb(Math.max(...runner.rss)),
      floorPeakRssMb: mb(Math.max(...floor.rss)),
      runnerWallMsMedian: Math.round(median(runner.wall)),
      floorWallMsMedian: Math.round(median(floor.wall)),
      runnerCpuMsMedian: Math.round(median(runner.cpu)),
      runnerRssMbByQuarterOfLastRun: lastRssByQuarter,
      batches: last?.batches.length,
      uploaded: last?.uploaded,
      duplicates: last?.duplicates
    }),
    extraTargets: () => {
      const share = median(floor.elapsed) / median(runner.elapsed)
      const targets = [
        {
          label: `throughput ${Math.round(share * 100)}% of the floor's (target >= ${MIN_THROUGHPUT_SHARE * 100}%)`,
          pass: share >= MIN_THROUGHPUT_SHARE
        }
      ]
      if (largest) {
        const peak = Math.max(...runner.rss)
        targets.push({
          label: `peak RSS ${mb(peak)} MB (target <= ${mb(MAX_RSS_BYTES)} MB)`,
          pass: peak <= MAX_RSS_BYTES
        })
      }
      return targets
    }
  }
}
