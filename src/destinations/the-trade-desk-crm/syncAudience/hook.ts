import type { ActionDefinition } from '@segment/actions-core'
import type { TtdEndpoint } from '../api'
import { REGION_CHOICES } from '../constants'
import type { AudienceSettings, Settings } from '../generated-types'
import { segmentNameChoices } from '../segment-picker'
import { clientFor, requireRegion, requireSegmentName, setUpSegment, toMarketerError } from '../segment-setup'
import type { OnMappingSaveInputs, OnMappingSaveOutputs, Payload } from './generated-types'

type OnMappingSaveHook = NonNullable<
  ActionDefinition<Settings, Payload, AudienceSettings, OnMappingSaveInputs, OnMappingSaveOutputs>['hooks']
>['onMappingSave']

/**
 * Runs when the marketer saves the mapping: the segment is found or created right then, so an ambiguous name,
 * a region mismatch or a bad token shows at save time instead of in a failed sync hours later. The runtime
 * stores `savedData` in the mapping and hands it to every batch as `hookOutputs.onMappingSave.outputs`; the
 * batch then writes to that CrmDataId without looking the name up.
 */
export function buildOnMappingSave(endpoint: TtdEndpoint): NonNullable<OnMappingSaveHook> {
  return {
    label: 'Check or create the CRM segment',
    description:
      'Finds the CRM Data Segment of this name in this Region, or creates it, when you save the mapping, and ' +
      'remembers its CrmDataId so that every sync writes to exactly that segment.',
    inputFields: {
      segment_name: {
        label: 'Segment Name',
        description:
          "Pick one of the advertiser's CRM Data Segments or type a new name. A name shared by several segments, " +
          'or used by a segment in another Region, is refused with the segments it matches.',
        type: 'string',
        required: true,
        dynamic: (request, { settings }) => segmentNameChoices(request, settings, endpoint)
      },
      region: {
        label: 'Region',
        description:
          'Where The Trade Desk stores the segment: US (United States and Canada), EU (European Union and the UK) ' +
          'or APAC (Asia-Pacific). Phone numbers cannot be uploaded to EU segments.',
        type: 'string',
        required: true,
        choices: REGION_CHOICES
      }
    },
    outputTypes: {
      crm_data_id: {
        label: 'CrmDataId',
        description: 'The CRM Data Segment every sync of this mapping writes to.',
        type: 'string',
        required: true
      },
      segment_name: {
        label: 'Segment Name',
        description: 'Name of that segment when the mapping was saved.',
        type: 'string',
        required: true
      },
      region: {
        label: 'Region',
        description: "That segment's Region, which decides whether phone numbers may be uploaded.",
        type: 'string',
        required: true
      }
    },
    performHook: async (request, { settings, hookInputs }) => {
      try {
        const name = requireSegmentName(hookInputs?.segment_name, 'Segment Name')
        const region = requireRegion(hookInputs?.region, 'Region')
        const setup = await setUpSegment(clientFor(request, endpoint, settings), name, region)
        const what = setup.created ? 'Created the CRM Data Segment' : 'Found the CRM Data Segment'
        return {
          successMessage: `${what} "${setup.name}" in ${setup.region} (CrmDataId ${setup.crmDataId}). Every sync of this mapping writes to it.`,
          savedData: { crm_data_id: setup.crmDataId, segment_name: setup.name, region: setup.region }
        }
      } catch (error) {
        // Nothing is saved: the mapping keeps no half-checked segment.
        return { error: toMarketerError(error) }
      }
    }
  }
}
