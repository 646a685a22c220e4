/**
 * People in each segment after the sync, read from a sandbox's inspection API (`GET /_sandbox/segments`), embedded
 * or standalone. The Trade Desk's own API does not report a segment's size, so for it the size stays unknown; so
 * it does when the address answers anything but the sandbox's list.
 */
export async function segmentSizes(origin: string, advertiserId: string): Promise<Map<string, number> | undefined> {
  try {
    const url = `${origin}/_sandbox/segments?advertiserId=${encodeURIComponent(advertiserId)}`
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) })
    if (!response.ok) return undefined
    const views: unknown = await response.json()
    if (!Array.isArray(views)) return undefined
    const sizes = new Map<string, number>()
    for (const view of views as { crmDataId?: unknown; memberCount?: unknown }[]) {
      if (typeof view?.crmDataId === 'string' && typeof view.memberCount === 'number') {
        sizes.set(view.crmDataId, view.memberCount)
      }
    }
    return sizes
  } catch {
    return undefined
  }
}
