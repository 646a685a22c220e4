import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { settle, type Figure } from './harness'
import { printSummary, summarize, type CpuProfile, type ProfileSummary } from './profile-summary'

const RUNS_PER_PROFILE = 3
const SAMPLING_INTERVAL_US = 100

/**
 * CPU-profiles the subject of each figure (a few more runs after the timed rounds), writes each profile as
 * `<dir>/profile-<id>.cpuprofile` (open in Chrome DevTools or speedscope) and prints a summary.
 */
export async function profileFigures(
  figures: Figure[],
  dir: string,
  log: (line: string) => void
): Promise<Record<string, ProfileSummary>> {
  mkdirSync(dir, { recursive: true })
  const session = new Session()
  session.connect()
  const summaries: Record<string, ProfileSummary> = {}
  try {
    await session.post('Profiler.enable')
    await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US })
    for (const figure of figures) {
      settle()
      await session.post('Profiler.start')
      for (let run = 0; run < RUNS_PER_PROFILE; run++) await figure.subject(1000 + run)
      const { profile } = await session.post('Profiler.stop')
      const file = join(dir, `profile-${figure.id}.cpuprofile`)
      writeFileSync(file, JSON.stringify(profile))
      summaries[figure.id] = summarize(profile as unknown as CpuProfile)
      printSummary(`${figure.id} (${RUNS_PER_PROFILE} runs of the subject, ${file})`, summaries[figure.id], log)
    }
  } finally {
    session.disconnect()
  }
  return summaries
}
