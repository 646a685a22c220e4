/**
 * Run by broken-answers-in-a-process.test.ts as a plain Node process, compiled into dist-tools/ with the tools
 * (tsconfig.tools.json lists it): sends one batch through actions-core's `Destination.onBatch`, as Segment's
 * runtime does, again while its events are answered with a retryable status (at most MAX_ATTEMPTS times), printing
 * one JSON line per attempt. It installs no handler for uncaught errors or rejections on purpose: a stream error
 * nobody listens to must end it with exit code 1, as it would end a real worker.
 */
import { defaultValues, Destination, type SegmentEvent } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../../../destinations/the-trade-desk-crm'
import { engageEvent } from '../../../testing/engage-events'

const MAX_ATTEMPTS = 8

async function main(): Promise<void> {
  const { TTD_API_BASE_URL: apiBaseUrl, TTD_TOKEN: token, TTD_ADVERTISER_ID: advertiserId } = process.env
  if (!apiBaseUrl || !token || !advertiserId) throw new Error('TTD_API_BASE_URL, TTD_TOKEN and TTD_ADVERTISER_ID')
  // Short timeouts: node-fetch keeps a failed body's read timer until it expires, which holds the exit.
  const definition = createTheTradeDeskCrm({
    apiBaseUrl,
    allowLoopbackHttpDrops: true,
    apiTimeoutMs: 2_000,
    uploadTimeoutBaseMs: 2_000
  })
  const action = definition.actions.syncAudience
  const destination = new Destination(definition)
  const settings = {
    auth_token: token,
    advertiser_id: advertiserId,
    __segment_internal_engage_force_full_sync: true,
    __segment_internal_engage_batch_sync: true,
    subscription: {
      subscribe: action.defaultSubscription ?? 'event = "Audience Entered"',
      partnerAction: 'syncAudience',
      mapping: { ...defaultValues(action.fields), region: 'US', pii_type: 'EmailHashedUnifiedId2' }
    }
  }
  // Segment's runtime hands every invocation a signal; the request client must work with one present.
  const invocation = new AbortController()
  const events: SegmentEvent[] = Array.from({ length: 1600 }, (_, i) =>
    engageEvent('child_audience', { email: `child${i}@example.com` })
  )

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      const [result] = await destination.onBatch(events, settings, { signal: invocation.signal })
      const statuses = (result?.multistatus ?? []).map((entry) => entry.status)
      const uploaded = statuses.filter((s) => s === 200).length
      if (uploaded === events.length) {
        process.stdout.write(`${JSON.stringify({ attempt, uploaded })}\n`)
        return
      }
      // The events' answers, as Segment reads them: one status for the whole group here.
      process.stdout.write(`${JSON.stringify({ attempt, answered: [...new Set(statuses)] })}\n`)
    } catch (error) {
      const { name, status } = error as { name?: string; status?: number }
      process.stdout.write(`${JSON.stringify({ attempt, thrown: name, status })}\n`)
    }
  }
}

void main().then(() => {
  // A connection error that arrives after the last batch would still reach an unhandled stream now.
  setTimeout(() => process.stdout.write('{"done":true}\n'), 200)
})
