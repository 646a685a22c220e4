import {
  createRequestClient,
  Destination,
  type DestinationDefinition,
  type DynamicFieldResponse,
  type JSONObject
} from '@segment/actions-core'
import { TtdCrmClient } from '../destinations/the-trade-desk-crm/api'
import { forConnectionTest } from '../destinations/the-trade-desk-crm/errors'
import { connectionProblem, runnerReason, type CheckWording, type ConnectionProblem } from './messages'

/** Where the runner's own calls to the target go, with which credentials, and how long each may take. */
export interface TargetAccount {
  apiBaseUrl: string
  token: string
  advertiserId: string
  apiTimeoutMs: number
}

/** The destination's client for TTD's CRM API, with actions-core's request client, as the destination's calls use. */
export function clientFor(account: TargetAccount): TtdCrmClient {
  return new TtdCrmClient(createRequestClient({}), account)
}

/**
 * The connection test before the runner reads any input: the first page of the advertiser's segments, the call the
 * destination's `testAuthentication` makes (Segment's "Test connection"), so that a wrong token or advertiser fails
 * at once rather than after the first batch was read. The client is called directly rather than through
 * `testAuthentication`, which turns every failure into an error that no longer says what it was (which host, which
 * network cause, which status); the runner words the failure from that data, and keeps the destination's own
 * wording of it as the reason.
 */
export async function checkConnection(
  account: TargetAccount,
  check: CheckWording
): Promise<ConnectionProblem | undefined> {
  try {
    await clientFor(account).listFirstPage()
    return undefined
  } catch (error) {
    const reason = runnerReason(forConnectionTest(error), [account.token])
    return connectionProblem(error, reason, check)
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
