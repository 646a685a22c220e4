import { createTestIntegration, type JSONObject, type SegmentEvent, type StateContext } from '@segment/actions-core'
import definition from '../../index'
import { mapping, SETTINGS } from './events'

/** Per-event result as actions-core reports it for a batch. */
export interface EventResult {
  status: number
  sent?: unknown
  body?: unknown
  errormessage?: string
  errortype?: string
}

/** A store of the runtime's stateContext: runs `fn` as one invocation, handing it that invocation's stateContext. */
export interface StateInvocations {
  run<T>(fn: (context: StateContext) => Promise<T> | T): Promise<T>
}

/**
 * Runs one batch as one invocation of `state` (a store of the runtime's stateContext), or with `stateContext` as
 * given (a spy), or with none.
 */
export async function runBatch(
  events: SegmentEvent[],
  options: {
    mapping?: JSONObject
    state?: StateInvocations
    stateContext?: StateContext
  } = {}
): Promise<EventResult[]> {
  const integration = createTestIntegration(definition)
  const run = (stateContext: StateContext | undefined) =>
    integration.testBatchAction('syncAudience', {
      events,
      mapping: options.mapping ?? mapping(),
      settings: SETTINGS,
      useDefaultMappings: true,
      stateContext
    })
  if (options.state) await options.state.run(run)
  else await run(options.stateContext)
  return integration.results[0].multistatus as EventResult[]
}

/**
 * Every result matches `expected`. The events of one group share one answer, so each distinct answer (an event's own
 * `sent` aside, unless `expected` names it) is matched once: a matcher call per event of a 1,500-event batch is what
 * made these tests slow, not the destination.
 */
export function expectEachResult(results: EventResult[], expected: Partial<Record<keyof EventResult, unknown>>): void {
  const matched = new Set<string>()
  for (const result of results) {
    const key = JSON.stringify('sent' in expected ? result : { ...result, sent: undefined })
    if (matched.has(key)) continue
    matched.add(key)
    expect(result).toMatchObject(expected)
  }
}
