import type { AudienceDestinationDefinition } from '@segment/actions-core'
import { TtdCrmClient, type TtdEndpoint } from './api'
import { TTD_API_BASE_URL } from './constants'
import { buildAudienceConfig } from './audiences'
import type { EngineOptions } from './engine/context'
import { forConnectionTest } from './errors'
import type { AudienceSettings, Settings } from './generated-types'
import { audienceFields, settingsFields } from './settings'
import { buildSyncAudience } from './syncAudience'

export interface DestinationOptions {
  /**
   * Where TTD's API is. Only code (the local runner, tests) can set it, never a setting or mapping
   * field: a customer-controlled host would receive the token and the PII.
   */
  apiBaseUrl?: string
  /** Accept plain-http drop URLs on loopback, for the embedded sandbox. */
  allowLoopbackHttpDrops?: boolean
  /** Timeouts of TTD calls, for tests that simulate a hanging API or upload host. */
  apiTimeoutMs?: number
  uploadTimeoutBaseMs?: number
  /** Bounded waits on another batch's claim, shortened by tests and local runs. */
  waits?: EngineOptions['waits']
  /** The clock of sync windows, for tests and simulations. */
  now?: () => number
  /**
   * Upload with `Add` only, never `Replace`: for a local run that adds a list to a segment. Not a setting: a
   * Segment sync must replace once per day so that people who left the audience drop out.
   */
  addOnly?: boolean
}

export function createTheTradeDeskCrm(
  options: DestinationOptions = {}
): AudienceDestinationDefinition<Settings, AudienceSettings> {
  const endpoint: TtdEndpoint = {
    apiBaseUrl: (options.apiBaseUrl ?? TTD_API_BASE_URL).replace(/\/+$/, ''),
    allowLoopbackHttpDrops: options.allowLoopbackHttpDrops === true,
    apiTimeoutMs: options.apiTimeoutMs,
    uploadTimeoutBaseMs: options.uploadTimeoutBaseMs
  }
  return {
    name: 'The Trade Desk CRM',
    slug: 'actions-the-trade-desk-crm',
    mode: 'cloud',
    description:
      'Sync Twilio Engage audiences to The Trade Desk as CRM Data Segments, matched on email or phone number.',
    authentication: {
      scheme: 'custom',
      fields: settingsFields,
      testAuthentication: async (request, { settings }) => {
        const client = new TtdCrmClient(request, {
          ...endpoint,
          token: settings.auth_token,
          advertiserId: settings.advertiser_id
        })
        try {
          await client.listFirstPage()
        } catch (error) {
          throw forConnectionTest(error)
        }
        return true
      }
    },
    audienceFields,
    audienceConfig: buildAudienceConfig(endpoint),
    actions: {
      syncAudience: buildSyncAudience(endpoint, { waits: options.waits, now: options.now, addOnly: options.addOnly })
    }
  }
}

/** The definition the Segment runtime loads: always TTD's production API. */
const destination = createTheTradeDeskCrm()
export default destination
