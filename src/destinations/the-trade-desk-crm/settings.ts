import type { GlobalSetting } from '@segment/actions-core'
import { REGION_CHOICES } from './constants'

/** Keys are part of existing Segment configurations: never rename them. */
export const settingsFields: Record<string, GlobalSetting> = {
  auth_token: {
    label: 'Auth Token',
    description:
      "A long-lived API token of The Trade Desk. Create it in TTD's developer portal under Manage API Tokens, " +
      'as a user with access to the advertiser below.',
    type: 'password',
    required: true
  },
  advertiser_id: {
    label: 'Advertiser ID',
    description: "ID of the advertiser in The Trade Desk whose CRM Data Segments Segment manages (shown in TTD's UI).",
    type: 'string',
    required: true
  },
  __segment_internal_engage_force_full_sync: {
    label: 'Force Full Sync',
    description: 'Engage resends the full audience every 24 hours, so that The Trade Desk segment is replaced with it.',
    type: 'boolean',
    required: true,
    default: true
  },
  __segment_internal_engage_batch_sync: {
    label: 'Supports batch sync via ADS',
    description: 'Engage delivers audiences to this destination in batches.',
    type: 'boolean',
    required: true,
    default: true
  }
}

/**
 * Engage's per-audience settings, asked when a marketer connects an audience (the native audience flow):
 * `createAudience` makes the segment in this Region, and every batch of that audience carries it as
 * `context.personas.audience_settings`. Keys are saved with each audience: never rename them.
 */
export const audienceFields: Record<string, GlobalSetting> = {
  region: {
    label: 'Region',
    description:
      'Where The Trade Desk stores the CRM Data Segment made for this audience: US (United States and Canada), EU ' +
      '(European Union and the UK) or APAC (Asia-Pacific), by where the people in it are. A segment of the ' +
      "audience's name that already exists must be in this Region. Phone numbers cannot be uploaded to EU segments.",
    type: 'string',
    required: true,
    choices: REGION_CHOICES
  }
}
