import { get } from 'node:http'
import type { Sandbox } from '../sandbox'

const TIMEOUT_MS = 5_000
const MAX_BODY_BYTES = 16 * 1024 * 1024

/** People in each segment of a sandbox running in this process, by CrmDataId: read from it, not over HTTP. */
export function sandboxSizes(sandbox: Sandbox, advertiserId?: string): Map<string, number> {
  return new Map(sandbox.segments(advertiserId).map((segment) => [segment.crmDataId, segment.memberCount]))
}

/**
 * People in each segment, read from a standalone sandbox's inspection API (`GET /_sandbox/segments`, plain http on
 * loopback). The Trade Desk's own API does not report a segment's size, so for it the size stays unknown; so it does
 * when the address answers anything but the sandbox's list. One connection, closed after the answer: nothing is left
 * open behind the runner.
 */
export async function segmentSizes(origin: string, advertiserId: string): Promise<Map<string, number> | undefined> {
  const url = `${origin}/_sandbox/segments?advertiserId=${encodeURIComponent(advertiserId)}`
  if (!url.startsWith('http://')) return undefined
  const body = await new Promise<string | undefined>((resolve) => {
    const request = get(url, { agent: false, timeout: TIMEOUT_MS }, (response) => {
      if (response.statusCode !== 200) {
        response.resume()
        return resolve(undefined)
      }
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        text += chunk
        if (text.length > MAX_BODY_BYTES) request.destroy()
      })
      response.on('end', () => resolve(text))
      response.on('error', () => resolve(undefined))
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(undefined))
  })
  if (body === undefined) return undefined
  try {
    const views: unknown = JSON.parse(body)
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
