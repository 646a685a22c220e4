import type { DestinationDefinition } from '@segment/actions-core'
import theTradeDeskCrm from './destinations/the-trade-desk-crm'

export { createTheTradeDeskCrm, type DestinationOptions } from './destinations/the-trade-desk-crm'
export type { Settings } from './destinations/the-trade-desk-crm/generated-types'
export type { Payload as SyncAudiencePayload } from './destinations/the-trade-desk-crm/syncAudience/generated-types'

/** Every destination of this package by slug, for runtimes that register several. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const destinations: Record<string, DestinationDefinition<any>> = {
  [theTradeDeskCrm.slug as string]: theTradeDeskCrm
}

export default theTradeDeskCrm
