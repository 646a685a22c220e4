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

interface Modules {
  core: typeof import('@segment/actions-core')
  index: typeof import('../destinations/the-trade-desk-crm/index')
}

/**
 * Module instances loaded so far in this test file, and how many the running test has taken. Loading actions-core
 * afresh costs most of a second, so a test's n-th machine reuses the n-th instance an earlier test of the file loaded:
 * machines of one test never share one, and tests run one after another.
 */
const loaded: Modules[] = []
let taken = 0
beforeEach(() => {
  taken = 0
})

function modules(): Modules {
  const slot = taken++
  if (!loaded[slot]) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    jest.isolateModules(() => {
      loaded[slot] = {
        core: require('@segment/actions-core'),
        index: require('../destinations/the-trade-desk-crm/index')
      }
    })
    /* eslint-enable @typescript-eslint/no-require-imports */
  }
  return loaded[slot]
}

/**
 * A machine with its own module instances of the destination and actions-core (jest.isolateModules), so that
 * module-level state, such as the claims this process takes without a cache, is not shared with any other machine of
 * the test. `cache` is handed to every batch as the runtime's engageDestinationCache.
 */
export function freshMachine(
  cache: unknown,
  options: DestinationOptions = {},
  state = new StateContextStore()
): Machine {
  const { core, index } = modules()
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
