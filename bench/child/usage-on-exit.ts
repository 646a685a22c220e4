// Preloaded (`node -r`) into the children of figure 4: samples RSS while the process runs and, on exit, reports
// its peak RSS, CPU time and RSS over time on stderr as one tagged JSON line. So the bench needs neither
// /usr/bin/time nor changes to the runner.
import { writeSync } from 'node:fs'
import { USAGE_TAG, type ChildUsage } from './usage-tag'

const SAMPLE_EVERY_MS = 250
const started = performance.now()
const samples: { at: number; rss: number }[] = []
setInterval(
  () => samples.push({ at: performance.now() - started, rss: process.memoryUsage.rss() }),
  SAMPLE_EVERY_MS
).unref()

/** Null for a quarter without samples (start-up: loading modules blocks the timer). */
function byQuarter(): (number | null)[] {
  const end = performance.now() - started
  const quarters: (number | null)[] = [null, null, null, null]
  for (const { at, rss } of samples) {
    const q = Math.min(3, Math.floor((at / end) * 4))
    quarters[q] = Math.max(quarters[q] ?? 0, Math.round(rss / 2 ** 20))
  }
  return quarters
}

process.on('exit', () => {
  const usage = process.resourceUsage()
  const line: ChildUsage = {
    maxRssKb: usage.maxRSS,
    userCpuMs: usage.userCPUTime / 1000,
    systemCpuMs: usage.systemCPUTime / 1000,
    rssMbByQuarter: byQuarter()
  }
  writeSync(2, `\n${USAGE_TAG}${JSON.stringify(line)}\n`)
})
