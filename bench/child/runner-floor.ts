// The floor of figure 4, run as a child process like the runner: read the JSONL file line by line, parse each
// line, and hand batches of the runner's size to Destination.onBatch of the same definition, fields and mapping
// with a no-op performBatch. Prints {"elapsedMs", "events", "succeeded"} as JSON on stdout.
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { defaultValues, Destination, type JSONObject, type SegmentEvent } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../../src/destinations/the-trade-desk-crm'
import { DEFAULT_BATCH_SIZE } from '../../src/destinations/the-trade-desk-crm/constants'
import { PII_TYPE } from '../data'
import { countStatus, noopDefinition } from '../figures/runtime'

async function main(path: string): Promise<void> {
  const definition = noopDefinition(createTheTradeDeskCrm({ apiBaseUrl: 'http://127.0.0.1:9/v3' }))
  const action = definition.actions.syncAudience
  const mapping: JSONObject = {
    ...(defaultValues(action.fields) as JSONObject),
    pii_type: PII_TYPE,
    region: 'US',
    batch_size: DEFAULT_BATCH_SIZE
  }
  const settings: JSONObject = {
    auth_token: 'bench-token',
    advertiser_id: 'bench-advertiser',
    __segment_internal_engage_force_full_sync: true,
    __segment_internal_engage_batch_sync: true,
    subscription: { partnerAction: 'syncAudience', subscribe: action.defaultSubscription ?? '', mapping }
  }
  const destination = new Destination(definition)

  const start = performance.now()
  let events = 0
  let succeeded = 0
  let batch: SegmentEvent[] = []
  const flush = async () => {
    succeeded += countStatus(await destination.onBatch(batch, settings), 200)
    events += batch.length
    batch = []
  }
  for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    if (line === '') continue
    batch.push(JSON.parse(line) as SegmentEvent)
    if (batch.length === DEFAULT_BATCH_SIZE) await flush()
  }
  if (batch.length > 0) await flush()
  process.stdout.write(JSON.stringify({ elapsedMs: performance.now() - start, events, succeeded }) + '\n')
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
