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
    settings?: typeof SETTINGS
  } = {}
): Promise<EventResult[]> {
  const integration = createTestIntegration(definition)
  const run = (stateContext: StateContext | undefined) =>
    integration.testBatchAction('syncAudience', {
      events,
      mapping: options.mapping ?? mapping(),
      settings: options.settings ?? SETTINGS,
      useDefaultMappings: true,
      stateContext
    })
  if (options.state) await options.state.run(run)
  else await run(options.stateContext)
  return integration.results[0].multistatus as EventResult[]
}
