import type { RequestClient } from '@segment/actions-core'
import { TtdCrmClient, type TtdEndpoint } from './api'
import { isRegion, REGIONS, type Region } from './constants'
import { SyncRuleError } from './errors'
import type { Settings } from './generated-types'
import { findOrCreate } from './engine/segment'
import { isBlankSegmentName } from './segment-name'

/**
 * Setting a CRM segment up ahead of any sync, for Engage's `createAudience` and the mapping's
 * `onMappingSave` hook: the same find-or-create rules the sync applies, checked before a single person is sent.
 */

export interface SegmentSetup {
  crmDataId: string
  name: string
  region: Region
  /** False when a segment of that name already existed in that region and is reused. */
  created: boolean
}

/** A TTD client for these settings; empty credentials are refused before any request carries them. */
export function clientFor(request: RequestClient, endpoint: TtdEndpoint, settings: Partial<Settings>): TtdCrmClient {
  const token = typeof settings.auth_token === 'string' ? settings.auth_token : ''
  // Passed on as given, as the sync does, so both address the same advertiser.
  const advertiserId = typeof settings.advertiser_id === 'string' ? settings.advertiser_id : ''
  if (token.trim() === '' || advertiserId.trim() === '') {
    throw new SyncRuleError(
      'MISSING_SETTING',
      `The ${token.trim() === '' ? 'Auth Token' : 'Advertiser ID'} setting is empty. Fill it in the destination's ` +
        'settings, then try again. Nothing was sent to The Trade Desk.'
    )
  }
  return new TtdCrmClient(request, { ...endpoint, token, advertiserId })
}

/**
 * The name, exactly as given (TTD matches names exactly), refused when blank: a segment named "" or " " could
 * never be told apart in The Trade Desk's UI (the same rule as the mapping path's, from segment-name.ts).
 */
export function requireSegmentName(value: unknown, what: string): string {
  if (isBlankSegmentName(value)) {
    throw new SyncRuleError(
      'BLANK_SEGMENT_NAME',
      `${what} is empty: The Trade Desk needs a name for the CRM Data Segment. Nothing was sent to The Trade Desk.`
    )
  }
  return value as string
}

export function requireRegion(value: unknown, what: string): Region {
  if (!isRegion(value)) {
    const given = typeof value === 'string' && value !== '' ? `"${value.slice(0, 40)}"` : 'missing'
    throw new SyncRuleError(
      'INVALID_REGION',
      `${what} is ${given}: choose ${REGIONS.join(', ')}. Nothing was sent to The Trade Desk.`
    )
  }
  return value
}

/** Finds the one segment of that name in that region, or creates it; duplicates and a region mismatch throw. */
export async function setUpSegment(client: TtdCrmClient, name: string, region: Region): Promise<SegmentSetup> {
  const resolved = await findOrCreate(client, name, region)
  return { crmDataId: resolved.crmDataId, name, region, created: resolved.source === 'created' }
}

/**
 * The `{ message, code }` a picker or hook answers with instead of throwing: the runtime shows it to the
 * marketer as it is. Messages come from errors.ts and the checks above, which never carry the token.
 */
export function toMarketerError(error: unknown): { message: string; code: string } {
  const e = (error ?? {}) as { message?: unknown; code?: unknown }
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'The Trade Desk could not be reached.'
  const code = typeof e.code === 'string' && e.code !== '' ? e.code : 'UNKNOWN_ERROR'
  return { message, code }
}
