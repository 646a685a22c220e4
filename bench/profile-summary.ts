// Summarizes a V8 .cpuprofile: where the samples fall (self time) by function and by part of the system.
// Usable on its own: `npx ts-node --transpile-only bench/profile-summary.ts file.cpuprofile`.
// Time of a function V8 inlined into its caller counts as the caller's: read "self time" of a hot caller as
// "it or something small it calls". (Per-line ticks are left out for the same reason: for inlined code V8
// reports lines of the inlined function's file under the caller's, which reads as the wrong line.)
import { readFileSync } from 'node:fs'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

export interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileSummary {
  totalMs: number
  /** Self time per part of the system, in ms. */
  byPart: Record<string, number>
  /** Functions with the most self time. */
  topSelf: { fn: string; part: string; ms: number; pct: number }[]
  /** The destination's functions with the most inclusive time (self + callees). */
  topDestinationInclusive: { fn: string; ms: number; pct: number }[]
}

export function partOf(frame: CallFrame): string {
  const { url, functionName } = frame
  if (functionName === '(garbage collector)') return 'gc'
  if (functionName === '(idle)') return 'idle'
  if (functionName === '(program)') return 'program'
  if (url.includes('/src/destinations/')) return 'destination'
  if (url.includes('/src/sandbox/')) return 'sandbox'
  if (url.includes('@segment/actions-core')) return 'actions-core'
  if (url.includes('/node_modules/')) return 'other dependencies'
  if (url.includes('/bench/')) return 'bench'
  if (url.startsWith('node:') || url === '') return 'node/native'
  return 'other'
}

function label(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/(node_modules\/|src\/)/, '$1')
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim()
}

export function summarize(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i + 1] ?? 0
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta)
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0)
  const pct = (us: number) => Math.round((us / totalUs) * 1000) / 10
  const ms = (us: number) => Math.round(us / 100) / 10

  const byPart: Record<string, number> = {}
  const selfByFn = new Map<string, { part: string; us: number }>()
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame
    const part = partOf(frame)
    byPart[part] = (byPart[part] ?? 0) + us
    const key = label(frame)
    const entry = selfByFn.get(key) ?? { part, us: 0 }
    entry.us += us
    selfByFn.set(key, entry)
  }

  // Inclusive time of destination functions, counting each sample once per function even under recursion.
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const inclusive = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame
      if (partOf(frame) !== 'destination') continue
      const key = label(frame)
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + us)
    }
  }

  return {
    totalMs: ms(totalUs),
    byPart: Object.fromEntries(
      Object.entries(byPart)
        .sort((a, b) => b[1] - a[1])
        .map(([k, us]) => [k, ms(us)])
    ),
    topSelf: [...selfByFn]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([fn, { part, us }]) => ({ fn, part, ms: ms(us), pct: pct(us) })),
    topDestinationInclusive: [...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: ms(us), pct: pct(us) }))
  }
}

export function printSummary(title: string, summary: ProfileSummary, log: (line: string) => void): void {
  log(`\nprofile ${title}: ${summary.totalMs} ms sampled`)
  log(
    `  by part: ${Object.entries(summary.byPart)
      .map(([part, ms]) => `${part} ${ms}ms`)
      .join(', ')}`
  )
  log('  top self time:')
  for (const row of summary.topSelf) log(`    ${String(row.pct).padStart(5)}%  ${row.ms}ms  [${row.part}] ${row.fn}`)
  log('  destination functions, inclusive:')
  for (const row of summary.topDestinationInclusive) log(`    ${String(row.pct).padStart(5)}%  ${row.ms}ms  ${row.fn}`)
}

if (require.main === module) {
  const file = process.argv[2]
  if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile')
  printSummary(file, summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile), console.log)
}
