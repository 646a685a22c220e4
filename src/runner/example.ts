import { join, resolve } from 'node:path'

/**
 * The example audience synced by a plain `npm start`: written on first use by `example-audience.ts` into this
 * ignored path (not committed). Its generator and the runner share these numbers so the default run always shows a
 * multi-batch sync (Replace, then Add) where every batch clears TTD's minimum of 1,500 distinct people.
 */
export const EXAMPLE_INPUT = {
  relative: join('examples', 'audience.jsonl'),
  absolute: resolve(__dirname, '..', '..', 'examples', 'audience.jsonl')
}

/** Events per batch when the runner syncs the example: 3 batches for the 7,500 events. */
export const EXAMPLE_BATCH_SIZE = 2_500
export const EXAMPLE_EVENT_COUNT = 7_500
export const EXAMPLE_AUDIENCE_KEY = 'example_high_value_customers'
