import { execFileSync } from 'node:child_process'
import { cpus, loadavg, totalmem } from 'node:os'

export interface Machine {
  cpuModel: string
  cores: number
  memoryGb: number
  node: string
  v8: string
  platform: string
  /** How the TypeScript under test was run. */
  execution: string
  /** 1-minute load average when the bench started: above the core count, other work competed for the CPUs. */
  loadAverageAtStart: number
}

export function describeMachine(): Machine {
  const list = cpus()
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    execution:
      'ts-node/register/transpile-only (TypeScript transpiled to ES2022 CommonJS once at load; same JS as tsc)',
    loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100
  }
}

export function machineLine(m: Machine): string {
  return (
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node} (V8 ${m.v8}), ${m.platform}; ` +
    `load average ${m.loadAverageAtStart}${m.loadAverageAtStart > m.cores / 2 ? ' (busy machine: expect noise)' : ''}`
  )
}

export interface CodeVersion {
  commit: string
  /** `git status --porcelain src`: code measured that is not in the commit (other work in progress). */
  uncommittedInSrc: string[]
}

/** Which code the figures measured; modules load once at start, so edits made during the run are not in it. */
export function describeCode(root: string): CodeVersion {
  const git = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim()
  try {
    const status = git(['status', '--porcelain', '--', 'src'])
    return { commit: git(['rev-parse', '--short', 'HEAD']), uncommittedInSrc: status ? status.split('\n') : [] }
  } catch {
    return { commit: 'unknown (no git)', uncommittedInSrc: [] }
  }
}
