import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import { StateContextStore } from '../local-runtime/state-context-store'
import type { DestinationOptions } from '../destinations/the-trade-desk-crm/index'
import { mapping as defaultMapping, SETTINGS } from '../destinations/the-trade-desk-crm/__tests__/__helpers__/events'
import type { EventResult } from '../destinations/the-trade-desk-crm/__tests__/__helpers__/run-batch'

/**
 * One machine of the runtime: its own copy of every module, its own stateContext store (each `run` one invocation of
 * it); only the cache is shared, unless machines are handed the same store.
 */
export interface Machine {
  run(events: SegmentEvent[], options?: { mapping?: JSONObject }): Promise<EventResult[]>
  readonly state: StateContextStore
}

/**
 * Loads the destination and actions-core afresh (jest.isolateModules), so module-level state such as the
 * in-process single flight is not shared with any other machine. `cache` is handed to every batch as the
 * runtime's engageDestinationCache.
 */
export function freshMachine(
  cache: unknown,
  options: DestinationOptions = {},
  state = new StateContextStore()
): Machine {
  /* eslint-disable @typescript-eslint/no-require-imports */
  let core!: typeof import('@segment/actions-core')
  let index!: typeof import('../destinations/the-trade-desk-crm/index')
  jest.isolateModules(() => {
    core = require('@segment/actions-core')
    index = require('../destinations/the-trade-desk-crm/index')
  })
  /* eslint-enable @typescript-eslint/no-require-imports */
  const definition = index.createTheTradeDeskCrm({ waits: { waitMs: 3_000, pollMs: 5 }, ...options })
  return {
    state,
    async run(events, runOptions = {}) {
      const integration = core.createTestIntegration(definition)
      await state.run((stateContext) =>
        integration.testBatchAction('syncAudience', {
          events,
          mapping: runOptions.mapping ?? defaultMapping(),
          settings: SETTINGS,
          useDefaultMappings: true,
          stateContext,
          engageDestinationCache: cache as never
        })
      )
      return integration.results[0].multistatus as EventResult[]
    }
  }
}
