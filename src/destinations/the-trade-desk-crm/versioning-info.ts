/** THE_TRADE_DESK_CRM_API_VERSION
 * The version of The Trade Desk's API that every CRM data call goes to (`/v3/crmdata/...`). Kept apart, as
 * Segment's destinations keep theirs, so a version bump is one reviewed line.
 */
export const THE_TRADE_DESK_CRM_API_VERSION = 'v3'
