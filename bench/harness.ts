import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** Milliseconds since some fixed point, with sub-microsecond resolution. */
export function now(): number {
  return performance.now()
}

/** Collects garbage left by the previous measurement when node runs with --expose-gc, so it is not billed to the next. */
export function settle(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc) gc()
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export interface Series {
  samplesMs: number[]
  medianMs: number
  minMs: number
}

export function series(samplesMs: number[]): Series {
  return { samplesMs, medianMs: median(samplesMs), minMs: Math.min(...samplesMs) }
}

export interface FigureResult {
  id: string
  title: string
  /** What the subject is compared with. */
  floorLabel: string
  items: number
  subject: Series
  floor: Series
  /** subject / floor, from the medians and from the minima. */
  ratio: { median: number; min: number }
  target: number
  /** Other targets of the figure (memory, throughput), each with its verdict. */
  extraTargets: ExtraTarget[]
  pass: boolean
  notes?: Record<string, unknown>
}

export interface ExtraTarget {
  label: string
  pass: boolean
}

/**
 * One figure as the rounds see it: `prepare` runs once, then every round measures the subject and the
 * floor once each (order alternating by round), each measurement returning milliseconds.
 */
export interface Figure {
  id: string
  title: string
  floorLabel: string
  items: number
  target: number
  /** False for figures whose runs are fresh child processes: a warm-up round would warm nothing. */
  warmUp?: boolean
  /**
   * Sub-second figures measure subject and floor this many times per round (alternating) and keep the best of
   * each: a run that another process preempted then does not become the round's value. Default 1.
   */
  repeats?: number
  prepare(): Promise<void>
  subject(round: number): Promise<number>
  floor(round: number): Promise<number>
  /** Sanity checks and extra numbers, after the rounds. */
  finish?(): Promise<Record<string, unknown> | undefined>
  extraTargets?(): ExtraTarget[]
}

/**
 * Runs every figure's warm-up, then `rounds` interleaved rounds: within a round each figure measures its
 * subject and its floor back to back (`repeats` times, keeping the best of each), so slow drift of the machine
 * (thermal, other load) hits both alike.
 */
export async function runRounds(
  figures: Figure[],
  rounds: number,
  log: (line: string) => void,
  /** Rotate which figure goes first in each round too (for figures compared with each other). */
  rotate = false
): Promise<FigureResult[]> {
  for (const figure of figures) {
    log(`prepare ${figure.id}: ${figure.title}`)
    await figure.prepare()
  }
  const samples = new Map(figures.map((f) => [f.id, { subject: [] as number[], floor: [] as number[] }]))
  for (let round = -1; round < rounds; round++) {
    const parts: string[] = []
    const shift = rotate ? (round + 1) % figures.length : 0
    for (const figure of [...figures.slice(shift), ...figures.slice(0, shift)]) {
      if (round < 0 && figure.warmUp === false) continue
      const pair = samples.get(figure.id)!
      const measure = async (which: 'subject' | 'floor'): Promise<number> => {
        settle()
        return which === 'subject' ? figure.subject(round) : figure.floor(round)
      }
      const order: ('subject' | 'floor')[] = round % 2 === 0 ? ['subject', 'floor'] : ['floor', 'subject']
      const got = { subject: Infinity, floor: Infinity }
      for (let repeat = 0; repeat < (figure.repeats ?? 1); repeat++) {
        for (const which of order) got[which] = Math.min(got[which], await measure(which))
      }
      if (round >= 0) {
        pair.subject.push(got.subject)
        pair.floor.push(got.floor)
      }
      parts.push(`${figure.id} ${fmtMs(got.subject)}/${fmtMs(got.floor)}`)
    }
    log(`${round < 0 ? 'warm-up' : `round ${round + 1}/${rounds}`}: ${parts.join('  ')}`)
  }
  const results: FigureResult[] = []
  for (const figure of figures) {
    const pair = samples.get(figure.id)!
    const subject = series(pair.subject)
    const floor = series(pair.floor)
    const ratio = { median: subject.medianMs / floor.medianMs, min: subject.minMs / floor.minMs }
    const notes = figure.finish ? await figure.finish() : undefined
    const extraTargets = figure.extraTargets?.() ?? []
    results.push({
      id: figure.id,
      title: figure.title,
      floorLabel: figure.floorLabel,
      items: figure.items,
      subject,
      floor,
      ratio,
      target: figure.target,
      extraTargets,
      pass: ratio.median <= figure.target && extraTargets.every((t) => t.pass),
      notes
    })
  }
  return results
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${ms.toFixed(1)}ms`
}

export function fmtRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n')
}

/** Fails loudly when a measured run did not do the work it was meant to: a fast wrong answer is no result. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`bench sanity check failed: ${message}`)
}
