import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { engageEvent } from '../engage-events/engage-event'

/** People in the sample batch: above The Trade Desk's minimum of 1,500 distinct identifiers per upload. */
export const SAMPLE_BATCH_PEOPLE = 1_600
/** The Engage audience key the sample's events carry, which names the segment they create. */
const SAMPLE_AUDIENCE_KEY = 'serve_example_audience'

/**
 * Writes the body of a `POST /syncAudience` that works as it is against this server's embedded sandbox: its
 * settings (the sandbox's own generated token, no customer secret), a mapping that names only the PII type (the
 * server merges every field default under it) and 1,600 Engage `Audience Entered` events. One file per port, in the
 * repository's ignored examples/ folder, so servers on other ports never overwrite each other's token. Returns the
 * absolute path, for `curl --data-binary @path`.
 */
export function writeSampleBatch(settings: { auth_token: string; advertiser_id: string }, port: number): string {
  const path = resolve(__dirname, '..', '..', 'examples', `serve-batch-${port}.json`)
  const payload = Array.from({ length: SAMPLE_BATCH_PEOPLE }, (_, i) =>
    engageEvent(SAMPLE_AUDIENCE_KEY, {
      email: `serve.person${i}@example.com`,
      extra: { messageId: `serve-sample-${i}`, userId: `serve-user-${i}` }
    })
  )
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, JSON.stringify({ settings, mapping: { pii_type: 'EmailHashedUnifiedId2' }, payload }) + '\n')
  return path
}
