import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import type { DestinationOptions } from '../destinations/the-trade-desk-crm'
import type { StateTtl } from '../local-runtime/state-context-store'
import type { EventAnswer } from './delivery'

/**
 * The messages between the simulation and the thread that hosts its machines. One invocation is one `invoke`; while
 * it runs the machine sends its stateContext writes and its cache calls, which the simulation applies to the runtime's
 * stores, and it ends with `answered` (or `failed`, when the simulation itself broke).
 */
export type ToHost =
  | {
      type: 'invoke'
      id: number
      /** Which machine runs it. */
      machine: number
      /** Which world's destination: each world has its own (its own TTD address and options). */
      world: string
      /** The destination's factory options, less `now` (a function cannot cross threads): the host adds it. */
      options: Omit<DestinationOptions, 'now'>
      /** The virtual time of the invocation: the destination's `now` reads it. */
      at: number
      /** The sync the events belong to, and all of its events the first time the host sees it. */
      sync: string
      syncEvents?: SegmentEvent[]
      /** The invocation's events, as indices into the sync's. */
      events: number[]
      settings: JSONObject
      /** What came with the request: the stateContext values the invocation reads. */
      request: [string, string][]
      /** The runtime's cache, if it hands one over: its limits; its calls go to the simulation. */
      cache?: { maxExpirySeconds: number; maxValueSizeBytes: number }
    }
  | { type: 'cache-answer'; call: number; value?: unknown; error?: string }
  /** A world closed or a sync ended: the host drops its destinations or its events. */
  | { type: 'forget'; key: string }

export type FromHost =
  | { type: 'write'; id: number; key: string; value: string; ttl: StateTtl }
  | { type: 'cache-call'; id: number; call: number; method: CacheMethod; args: unknown[] }
  /** The distinct answers, and which of them each event got: a batch's answers are mostly the same few. */
  | { type: 'answered'; id: number; distinct: EventAnswer[]; answerOf: Uint32Array; threw: boolean }
  | { type: 'failed'; id: number; error: string }

export type CacheMethod = 'getByKey' | 'setByKey' | 'setByKeyNX' | 'delByKey'
