import { fmtMs, fmtRatio, type FigureResult } from './harness'

/** The human-readable table: subject and floor (median / min), and the ratio against its target. */
export function printFigure(result: FigureResult, log: (line: string) => void): void {
  const { subject, floor, ratio } = result
  const perItem = (ms: number) => `${((ms * 1e6) / result.items).toFixed(0)} ns/item`
  log(`\n[${result.id}] ${result.title}`)
  log(`  subject: median ${fmtMs(subject.medianMs)} (${perItem(subject.medianMs)}), min ${fmtMs(subject.minMs)}`)
  log(`  floor:   median ${fmtMs(floor.medianMs)} (${perItem(floor.medianMs)}), min ${fmtMs(floor.minMs)}`)
  log(`           = ${result.floorLabel}`)
  log(
    `  ratio:   median ${fmtRatio(ratio.median)}, min ${fmtRatio(ratio.min)}; ` +
      `target <= ${fmtRatio(result.target)}: ${ratio.median <= result.target ? 'PASS' : 'MISS'}`
  )
  for (const extra of result.extraTargets) log(`           ${extra.label}: ${extra.pass ? 'PASS' : 'MISS'}`)
  if (result.notes) log(`  notes:   ${JSON.stringify(result.notes, roundNumbers)}`)
}

function roundNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 100) / 100 : value
}
