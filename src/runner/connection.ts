import {
  createRequestClient,
  Destination,
  getAuthData,
  type DestinationDefinition,
  type DynamicFieldResponse,
  type JSONObject
} from '@segment/actions-core'
import { redactSecrets } from '../destinations/the-trade-desk-crm/redact'
import { connectionProblem, inRunnerWords, type ConnectionProblem, type Target } from './messages'

/** What a check needs to know to word its answer. */
export interface CheckContext {
  target: Target
  /** The target in words: "The Trade Desk at https://…", "the embedded sandbox". */
  where: string
  advertiserId: string
  secrets: string[]
}

/**
 * The destination's connection test (`testAuthentication`: the first page of the advertiser's segments), as
 * Segment's "Test connection" runs it, before the runner reads any input: a wrong token or advertiser fails at
 * once rather than after the first batch was read. The definition's function is called with actions-core's own
 * request client instead of through `Destination.testAuthentication`, which rewraps every failure into a plain
 * Error and so loses what it was (its class, code and status).
 */
export async function checkConnection(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: DestinationDefinition<any>,
  settings: JSONObject,
  context: CheckContext
): Promise<ConnectionProblem | undefined> {
  const test = definition.authentication?.testAuthentication
  if (!test) return undefined
  try {
    await test(createRequestClient({}), { settings, auth: getAuthData(settings) })
    return undefined
  } catch (error) {
    const reason = inRunnerWords(redactSecrets(error instanceof Error ? error.message : String(error), context.secrets))
    return connectionProblem(error, reason, context.target, context.where, context.advertiserId)
  }
}

/** One CRM segment as the Segment Name picker shows it: name, and a label with its Region and CrmDataId. */
export interface ListedSegment {
  name: string
  label: string
  description?: string
}

/**
 * The advertiser's CRM segments through the action's Segment Name picker (`dynamicFields.name`, every page), the
 * call Segment's mapping screen makes. A picker reports failure as data (`error`), never by throwing.
 */
export async function listSegments(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: DestinationDefinition<any>,
  settings: JSONObject
): Promise<{ segments: ListedSegment[] } | { error: string }> {
  const response = (await new Destination(definition).executeDynamicField('syncAudience', 'name', {
    settings,
    payload: {}
  })) as DynamicFieldResponse
  if (response.error) return { error: response.error.message }
  return {
    segments: response.choices.map((choice) => ({
      name: String(choice.value),
      label: choice.label,
      ...(choice.description ? { description: choice.description } : {})
    }))
  }
}
