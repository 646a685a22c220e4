/** Marks the line a child of figure 4 writes on stderr with its own resource usage (see usage-on-exit.ts). */
export const USAGE_TAG = 'BENCH_USAGE '

export interface ChildUsage {
  maxRssKb: number
  userCpuMs: number
  systemCpuMs: number
  /** Highest RSS sampled in each quarter of the process's life, in MB: flat quarters mean no growth over time. */
  rssMbByQuarter: (number | null)[]
}
