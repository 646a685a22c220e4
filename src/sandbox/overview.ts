import type { SandboxContext } from './context'
import { segmentView } from './store'
import type { AdvertiserOverview, DropView, SandboxOverview } from './types'

// The console polls this every few seconds: a sandbox left running through many syncs, or a test that seeds
// thousands of segments, must still answer in a few milliseconds with a page a browser can draw.
export const MAX_SEGMENTS_PER_ADVERTISER = 100
export const MAX_DROPS_PER_SEGMENT = 200

/** Every advertiser with its segments and each segment's latest drops, plus the active fault rules. */
export function buildOverview(ctx: SandboxContext): SandboxOverview {
  const nowMs = ctx.now()
  const dropsBySegment = new Map<string, DropView[]>()
  for (const drop of ctx.store.dropViews(undefined, nowMs)) {
    const list = dropsBySegment.get(drop.crmDataId)
    if (list) list.push(drop)
    else dropsBySegment.set(drop.crmDataId, [drop])
  }
  const advertisers: AdvertiserOverview[] = ctx.store.advertiserIds().map((advertiserId) => {
    const segments = ctx.store.allSegments().filter((s) => s.advertiserId === advertiserId)
    return {
      advertiserId,
      segments: segments.slice(0, MAX_SEGMENTS_PER_ADVERTISER).map((segment) => {
        const drops = dropsBySegment.get(segment.crmDataId) ?? []
        const earlierDrops = Math.max(0, drops.length - MAX_DROPS_PER_SEGMENT)
        return { ...segmentView(segment), drops: drops.slice(earlierDrops), earlierDrops }
      }),
      moreSegments: Math.max(0, segments.length - MAX_SEGMENTS_PER_ADVERTISER)
    }
  })
  return {
    generatedAt: new Date(nowMs).toISOString(),
    minDistinct: ctx.minDistinct,
    advertisers,
    faults: ctx.faults.list()
  }
}
