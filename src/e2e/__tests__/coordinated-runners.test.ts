import { startRedis, type RedisProcess } from '../../local-runtime/__tests__/helpers/redis-server'
import type { DropView, SegmentView } from '../../sandbox'
import { engageEvent, tempDir, toJsonl } from '../../testing/audience-fixtures'
import { runRunnerProcess, startSandboxProcess, type SandboxProcess } from './helpers/processes'

const TOKEN = 'coordinated-e2e-token-0123456789'
const ADVERTISER = 'adv-coordinated'
const SEGMENT = 'Coordinated Audience'
const SLICE = 2_000

let redis: RedisProcess | undefined
let sandbox: SandboxProcess | undefined
const files = tempDir()

afterAll(async () => {
  await sandbox?.stop()
  await redis?.stop()
  files.cleanup()
})

/** Slice `i` of one audience: its own 2,000 distinct members. */
function slice(i: number): string {
  const events = Array.from({ length: SLICE }, (_, n) => engageEvent(`slice${i}.person${n}@example.com`))
  return files.write(`slice-${i}.jsonl`, toJsonl(events))
}

describe('three runner processes, one Redis, one standalone sandbox', () => {
  it('sync three slices into one segment at the same time: one segment, everyone in it, one Replace', async () => {
    ;[redis, sandbox] = await Promise.all([
      startRedis(),
      startSandboxProcess(['--token', TOKEN, '--advertiser-id', ADVERTISER])
    ])
    // The first upload is slow, so the others arrive while it is in flight and must wait for it.
    await fetch(`${sandbox.origin}/_sandbox/faults`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ route: 'upload', latencyMs: 1_500, times: 1 }])
    })
    const env = { TTD_AUTH_TOKEN: TOKEN, TTD_ADVERTISER_ID: ADVERTISER }
    const common = ['--segment-name', SEGMENT, '--api-url', sandbox.apiBaseUrl, '--coordinate', redis.url, '--json']

    const runs = await Promise.all(
      [0, 1, 2].map((i) => runRunnerProcess(['--input', slice(i), ...common], env, 30_000))
    )

    expect(runs.map((run) => run.code)).toEqual([0, 0, 0])
    const segments = await sandbox.inspect<SegmentView[]>('segments')
    expect(segments).toHaveLength(1)
    expect(segments[0]).toMatchObject({ segmentName: SEGMENT, memberCount: 3 * SLICE })
    const drops = await sandbox.inspect<DropView[]>('drops')
    expect(drops.map((drop) => drop.mergeMode).sort()).toEqual(['Add', 'Add', 'Replace'])
    expect(drops.every((drop) => drop.status === 'uploaded')).toBe(true)
    const replace = drops.find((drop) => drop.mergeMode === 'Replace') as DropView
    for (const add of drops.filter((drop) => drop.mergeMode === 'Add')) {
      expect(Date.parse(add.createdAt)).toBeGreaterThanOrEqual(Date.parse(replace.uploadedAt as string))
    }
    const summaries = runs.map(
      (run) => JSON.parse(run.stdout) as { segments: { crmDataId: string; created: boolean }[] }
    )
    expect(new Set(summaries.map((s) => s.segments[0].crmDataId))).toEqual(new Set([segments[0].crmDataId]))
    expect(summaries.filter((s) => s.segments[0].created)).toHaveLength(1)
    for (const run of runs) expect(run.stdout + run.stderr).not.toContain(TOKEN)
  }, 40_000) // three runners and a sandbox at once: seconds on an idle machine, more on a busy one
})
