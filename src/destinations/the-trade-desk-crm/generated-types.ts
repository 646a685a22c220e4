// Generated file. DO NOT MODIFY IT BY HAND: run `npm run types` after changing fields.

export interface Settings {
  /**
   * A long-lived API token of The Trade Desk. Create it in TTD's developer portal under Manage API Tokens, as a user with access to the advertiser below.
   */
  auth_token: string
  /**
   * ID of the advertiser in The Trade Desk whose CRM Data Segments Segment manages (shown in TTD's UI).
   */
  advertiser_id: string
  /**
   * Engage resends the full audience every 24 hours, so that The Trade Desk segment is replaced with it.
   */
  __segment_internal_engage_force_full_sync: boolean
  /**
   * Engage delivers audiences to this destination in batches.
   */
  __segment_internal_engage_batch_sync: boolean
}
// Generated file. DO NOT MODIFY IT BY HAND: run `npm run types` after changing fields.

export interface AudienceSettings {
  /**
   * Where The Trade Desk stores the CRM Data Segment made for this audience: US (United States and Canada), EU (European Union and the UK) or APAC (Asia-Pacific), by where the people in it are. A segment of the audience's name that already exists must be in this Region. Phone numbers cannot be uploaded to EU segments.
   */
  region: 'US' | 'EU' | 'APAC'
}
