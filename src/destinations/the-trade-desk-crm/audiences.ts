import { IntegrationError, type AudienceDestinationDefinition } from '@segment/actions-core'
import type { TtdEndpoint } from './api'
import { toSegmentError } from './errors'
import type { AudienceSettings, Settings } from './generated-types'
import { clientFor, requireRegion, requireSegmentName, setUpSegment } from './segment-setup'

type AudienceConfigWithCreateGet = Extract<
  AudienceDestinationDefinition<Settings, AudienceSettings>['audienceConfig'],
  { createAudience: unknown }
>

/**
 * Engage's native audience lifecycle. When a marketer connects an audience, Engage calls `createAudience`
 * with its name and audience settings and stores the returned CrmDataId; every event of that audience then
 * carries it as `context.personas.external_audience_id`. `getAudience` checks that a stored id still exists.
 */
export function buildAudienceConfig(endpoint: TtdEndpoint): AudienceConfigWithCreateGet {
  return {
    // Engage resends the whole audience each day; the sync replaces the segment with it (see README).
    mode: { type: 'synced', full_audience_sync: true },

    /**
     * Idempotent: Engage may call again for the same audience, and the segment it made the first time is
     * found by name and reused. A name shared by several segments, or used in another region, fails with
     * the same message the sync gives rather than guessing.
     */
    async createAudience(request, { audienceName, settings, audienceSettings }) {
      try {
        const name = requireSegmentName(audienceName, 'The audience name')
        const region = requireRegion(audienceSettings?.region, "The audience's Region setting")
        const setup = await setUpSegment(clientFor(request, endpoint, settings), name, region)
        return { externalId: setup.crmDataId }
      } catch (error) {
        throw toSegmentError(error)
      }
    },

    /**
     * Looks the id up in the whole listing. TTD's single-segment GET is not used: Segment found it failing
     * for segments that hold no one yet (action-destinations PR #1654), which a new audience's segment is.
     */
    async getAudience(request, { externalId, settings }) {
      if (typeof externalId !== 'string' || externalId.trim() === '') {
        throw new IntegrationError('No CrmDataId was given to look up.', 'MISSING_REQUIRED_FIELD', 400)
      }
      let segments
      let advertiserId
      try {
        const client = clientFor(request, endpoint, settings)
        advertiserId = client.advertiserId
        segments = await client.listSegments()
      } catch (error) {
        throw toSegmentError(error)
      }
      if (segments.some((segment) => segment.CrmDataId === externalId)) return { externalId }
      throw new IntegrationError(
        `Advertiser "${advertiserId}" has no CRM Data Segment with CrmDataId "${externalId}": it was ` +
          'probably deleted in The Trade Desk, or the Advertiser ID setting changed. Disconnect and reconnect the ' +
          'audience to this destination so that Segment creates its segment again.',
        'AUDIENCE_NOT_FOUND',
        404
      )
    }
  }
}
