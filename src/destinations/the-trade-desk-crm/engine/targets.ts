import { isRegion, REGIONS, type Region } from '../constants'
import { SyncRuleError } from '../errors'

/**
 * The CRM segment a group of events goes to, and how the batch named it (in this order of precedence):
 * - `audience`: Engage's native audience, whose events carry the CrmDataId `createAudience` returned
 *   (`context.personas.external_audience_id`), with the audience settings' Region;
 * - `hook`: the CrmDataId the mapping's `onMappingSave` hook saved, with the hook's Region;
 * - `name`: the mapping's Segment Name, looked up (and created when absent) in the mapping's Region.
 */
export type SegmentTarget =
  | { via: 'audience'; crmDataId: string; name: string; region: Region }
  | { via: 'hook'; crmDataId: string; name: string; region: Region }
  | { via: 'name'; name: string; region: Region }

/** What the runtime tells the whole batch about its segment, beside the payloads. */
export interface BatchTargetSources {
  /** What the mapping's `onMappingSave` hook saved. */
  hookSegment?: { crmDataId: string; name?: string; region?: Region }
  /** The Region of Engage's audience settings. */
  audienceRegion?: Region
}

/** Reads the hook's saved segment and the audience settings' Region, which hold for every event of the batch. */
export function targetSourcesOf(data: { hookOutputs?: unknown; audienceSettings?: unknown }): BatchTargetSources {
  const sources: BatchTargetSources = {}
  const hook = (data.hookOutputs as { onMappingSave?: { outputs?: Record<string, unknown> } } | undefined)
    ?.onMappingSave?.outputs
  if (hook && typeof hook.crm_data_id === 'string' && hook.crm_data_id !== '') {
    sources.hookSegment = { crmDataId: hook.crm_data_id }
    if (typeof hook.segment_name === 'string' && hook.segment_name !== '') sources.hookSegment.name = hook.segment_name
    if (isRegion(hook.region)) sources.hookSegment.region = hook.region
  }
  const region = (data.audienceSettings as { region?: unknown } | undefined)?.region
  if (region !== undefined && region !== null && region !== '') {
    // Checked before any request: a wrong Region could let phone numbers reach an EU segment.
    if (!isRegion(region)) {
      throw new SyncRuleError(
        'INVALID_REGION',
        `The audience's Region setting is "${String(region).slice(0, 40)}": choose ${REGIONS.join(', ')} in the ` +
          "audience's settings in Engage. Nothing was sent to The Trade Desk."
      )
    }
    sources.audienceRegion = region
  }
  return sources
}

/** The target of an event, given its own fields and what holds for the batch. */
export function targetOf(
  event: { name: string; region: Region; external_id?: string },
  sources: BatchTargetSources
): SegmentTarget {
  if (event.external_id) {
    return {
      via: 'audience',
      crmDataId: event.external_id,
      name: event.name,
      region: sources.audienceRegion ?? event.region
    }
  }
  const hook = sources.hookSegment
  if (hook) {
    return {
      via: 'hook',
      crmDataId: hook.crmDataId,
      name: hook.name ?? event.name,
      region: hook.region ?? event.region
    }
  }
  return { via: 'name', name: event.name, region: event.region }
}
