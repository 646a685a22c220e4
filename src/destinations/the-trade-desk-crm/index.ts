import type { AudienceDestinationDefinition } from '@segment/actions-core'
import { TtdCrmClient, type TtdEndpoint } from './api'
import { TTD_API_BASE_URL } from './constants'
import { buildAudienceConfig } from './audiences'
import type { CoordinationOptions } from './coordination'
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
  /** Bounded waits of the cross-machine coordination, shortened by tests and local runs. */
  coordination?: CoordinationOptions
  /**
   * How long a batch below TTD's minimum that would start a sync is deferred (default 2 hours); 0 fails it at
   * once, for a local run that knows no other batch can open the window meanwhile.
   */
  shortBatchDeferralMs?: number
  /** The clock of the sync window and deferrals, for tests. */
  now?: () => number
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
      syncAudience: buildSyncAudience(endpoint, {
        coordination: options.coordination,
        shortBatchDeferralMs: options.shortBatchDeferralMs,
        now: options.now
      })
    }
  }
}

/** The definition the Segment runtime loads: always TTD's production API. */
const destination = createTheTradeDeskCrm()
export default destination
