import { IntegrationError, type ActionDefinition } from '@segment/actions-core'
import type { AudienceSettings, Settings } from '../generated-types'
import { fields } from './fields'
import type { TtdEndpoint } from '../api'
import { segmentNameChoices } from '../segment-picker'
import { MIN_DISTINCT_IDENTIFIERS } from '../constants'
import type { EngineOptions } from '../engine/context'
import { syncBatch } from '../engine/sync'
import type { OnMappingSaveInputs, OnMappingSaveOutputs, Payload } from './generated-types'
import { buildOnMappingSave } from './hook'

export function buildSyncAudience(
  endpoint: TtdEndpoint,
  options: EngineOptions = {}
): ActionDefinition<Settings, Payload, AudienceSettings, OnMappingSaveInputs, OnMappingSaveOutputs> {
  return {
    // The name Segment's setup steps tell marketers to pick.
    title: 'Sync Audience to CRM Data Segment',
    description:
      'Keeps a CRM Data Segment in The Trade Desk equal to an Engage audience: normalizes, validates and (for ' +
      'hashed types) hashes emails or phone numbers, then uploads each batch. Requires batching.',
    defaultSubscription: 'event = "Audience Entered"',
    fields,
    dynamicFields: {
      name: (request, { settings }) => segmentNameChoices(request, settings, endpoint)
    },
    hooks: {
      onMappingSave: buildOnMappingSave(endpoint)
    },
    perform: () => {
      throw new IntegrationError(
        `The Trade Desk accepts uploads of at least ${MIN_DISTINCT_IDENTIFIERS} distinct people, which a single ` +
          'event never reaches. Turn Enable Batching on in this mapping.',
        'BATCHING_REQUIRED',
        400
      )
    },
    performBatch: (request, data) => syncBatch(request, data, endpoint, options)
  }
}
