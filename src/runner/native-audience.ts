import { Destination, type DestinationDefinition, type JSONObject, type RequestClient } from '@segment/actions-core'
import type { Region } from '../destinations/the-trade-desk-crm/constants'
import type { InputBatch } from './input'

export interface NativeAudience {
  externalId: string
  /** True when createAudience made the segment (a POST that created it), false when it found one. */
  created: boolean
}

type AudienceConfig = {
  createAudience: (request: RequestClient, input: unknown) => Promise<{ externalId: string }>
}

/**
 * What Engage does when a marketer connects an audience: call the destination's `createAudience`, through
 * actions-core, with the audience's name and its audience settings. The request client is watched only to
 * tell the summary whether the segment was created, which createAudience's answer does not say.
 */
export async function createNativeAudience(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: DestinationDefinition<any>,
  settings: JSONObject,
  audienceName: string,
  region: Region
): Promise<NativeAudience> {
  const config = (definition as unknown as { audienceConfig?: AudienceConfig }).audienceConfig
  if (!config?.createAudience) throw new Error(`${definition.name} has no createAudience.`)
  let created = false
  const watched = {
    ...definition,
    audienceConfig: {
      ...config,
      createAudience: (request: RequestClient, input: unknown) => {
        const watching = async <Data>(url: string, options?: Parameters<RequestClient>[1]) => {
          const response = await request<Data>(url, options)
          if (options?.method === 'POST' && new URL(url).pathname.replace(/\/+$/, '').endsWith('/crmdata/segment')) {
            created = true
          }
          return response
        }
        return config.createAudience(watching as RequestClient, input)
      }
    }
  }
  const { externalId } = await new Destination(watched as typeof definition).createAudience({
    settings,
    audienceSettings: { region },
    audienceName
  })
  return { externalId, created }
}

/** Stamps every event as Engage stamps a native audience's: its CrmDataId and its audience settings. */
export async function* asNativeAudience(
  batches: AsyncIterable<InputBatch>,
  externalId: string,
  region: Region
): AsyncGenerator<InputBatch> {
  for await (const batch of batches) {
    for (const event of batch.events) {
      const context = (event.context ??= {})
      context.personas = {
        ...(context.personas ?? {}),
        external_audience_id: externalId,
        audience_settings: { region }
      } as typeof context.personas
    }
    yield batch
  }
}
