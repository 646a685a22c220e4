import {
  defaultValues,
  Destination,
  MultiStatusResponse,
  type DestinationDefinition,
  type JSONObject,
  type SegmentEvent
} from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../../src/destinations/the-trade-desk-crm'
import type { Settings } from '../../src/destinations/the-trade-desk-crm/generated-types'
import { engageEvents, PII_TYPE } from '../data'
import { check, now, type Figure } from '../harness'
import { dropIdleConnections } from '../sandbox-process'
import type { SandboxTarget } from './perform-batch'

/** The same definition (fields, defaults, subscription) whose performBatch does nothing and reports success. */
export function noopDefinition<S>(definition: DestinationDefinition<S>): DestinationDefinition<S> {
  const action = definition.actions.syncAudience
  return {
    ...definition,
    actions: {
      syncAudience: {
        ...action,
        performBatch: (_request, { payload }) => {
          const response = new MultiStatusResponse()
          for (let i = 0; i < payload.length; i++) response.pushSuccessResponse({ status: 200, sent: {}, body: {} })
          return response
        }
      }
    }
  }
}

/** The mapping a marketer saves, with the field defaults filled in as the Segment app does. */
export function benchMapping(definition: DestinationDefinition<Settings>, name: string): JSONObject {
  return {
    ...(defaultValues(definition.actions.syncAudience.fields) as JSONObject),
    name,
    region: 'US',
    pii_type: PII_TYPE
  }
}

/** What `onBatch` is given: the destination settings plus the one subscription, as the runtime delivers them. */
export function onBatchSettings(target: SandboxTarget, mapping: JSONObject): JSONObject {
  return {
    ...target.settings,
    subscription: { partnerAction: 'syncAudience', subscribe: 'event = "Audience Entered"', mapping }
  }
}

export function countStatus(results: Awaited<ReturnType<Destination['onBatch']>>, status: number): number {
  let count = 0
  for (const result of results) for (const node of result.multistatus ?? []) if (node.status === status) count++
  return count
}

export function runtimeFigure(count: number, target: SandboxTarget): Figure {
  const real = createTheTradeDeskCrm({ apiBaseUrl: target.sandbox.apiBaseUrl, allowLoopbackHttpDrops: true })
  const destination = new Destination(real)
  const noop = new Destination(noopDefinition(real))
  const expected = count - Math.floor(count / 1000)
  let events: SegmentEvent[] = []
  let runs = 0
  return {
    id: 'runtime',
    title: `Through the runtime: ${count} Engage events via Destination.onBatch to the sandbox`,
    floorLabel: 'same onBatch, fields and mapping with a no-op performBatch',
    items: count,
    target: 1.15,
    prepare: async () => {
      events = engageEvents(count)
    },
    subject: async () => {
      // A fresh segment name each run, so every run looks up, creates, and uploads with Replace.
      const settings = onBatchSettings(target, benchMapping(real, `bench-runtime-${++runs}`))
      dropIdleConnections()
      const start = now()
      const results = await destination.onBatch(events, settings)
      const elapsed = now() - start
      // actions-core keeps every response (with its request, the upload body included) on the instance.
      destination.responses.splice(0)
      const ok = countStatus(results, 200)
      check(ok === expected, `onBatch: ${ok} events succeeded, expected ${expected}`)
      return elapsed
    },
    floor: async () => {
      const settings = onBatchSettings(target, benchMapping(real, `bench-runtime-noop-${runs}`))
      const start = now()
      const results = await noop.onBatch(events, settings)
      const elapsed = now() - start
      noop.responses.splice(0)
      check(countStatus(results, 200) === count, 'no-op onBatch did not succeed for every event')
      return elapsed
    }
  }
}
