import type { DynamicFieldItem, DynamicFieldResponse, RequestClient } from '@segment/actions-core'
import type { TtdEndpoint } from './api'
import type { Settings } from './generated-types'
import { clientFor, toMarketerError } from './segment-setup'

/**
 * The advertiser's CRM segments as choices for a Segment Name field, all pages at once (the listing is
 * bounded in api.ts). The value is the name, which is what the field holds; the label adds the Region and
 * CrmDataId so that same-named segments can be told apart, and such names say why they cannot be used.
 * Any failure comes back as the picker's error with no choices: a picker must never crash the mapping UI.
 */
export async function segmentNameChoices(
  request: RequestClient,
  settings: Partial<Settings>,
  endpoint: TtdEndpoint
): Promise<DynamicFieldResponse> {
  try {
    const segments = await clientFor(request, endpoint, settings).listSegments()
    const perName = new Map<string, number>()
    for (const segment of segments) perName.set(segment.SegmentName, (perName.get(segment.SegmentName) ?? 0) + 1)

    const choices: DynamicFieldItem[] = segments
      .filter((segment) => typeof segment.SegmentName === 'string' && segment.SegmentName !== '')
      .sort((a, b) => a.SegmentName.localeCompare(b.SegmentName) || a.CrmDataId.localeCompare(b.CrmDataId))
      .map((segment) => {
        const region = segment.Region ?? 'region unknown'
        const shared = perName.get(segment.SegmentName) ?? 1
        return {
          label: `${segment.SegmentName} (${region}, CrmDataId ${segment.CrmDataId})`,
          value: segment.SegmentName,
          description:
            shared > 1
              ? `${shared} segments share this name, so a sync to it stops: rename or remove the extras in The Trade Desk.`
              : `CRM Data Segment ${segment.CrmDataId} in Region ${region}.`
        }
      })
    return { choices }
  } catch (error) {
    return { choices: [], error: toMarketerError(error) }
  }
}
