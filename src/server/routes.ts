import type { IncomingMessage } from 'node:http'
import {
  defaultValues,
  type Destination,
  type JSONObject,
  type SegmentEvent,
  type StateContext
} from '@segment/actions-core'
import { HttpError, objectField, readJsonObject } from './http-json'

export interface RouteContext {
  destination: Destination<JSONObject>
  stateContext: StateContext
}

/**
 * The settings as Segment stores them: defaults of the settings fields (such as the Engage full-sync flags)
 * fill in what the request leaves out, so a request needs only the token and the advertiser.
 */
function settingsOf(context: RouteContext, body: Record<string, unknown>): JSONObject {
  const fields = context.destination.authentication?.fields ?? {}
  return { ...(defaultValues(fields) as JSONObject), ...(objectField(body, 'settings', true) as JSONObject) }
}

type RouteAnswer = { status: number; body: unknown }

/** `{settings}` -> 200 `{ok:true}`, or 400 `{ok:false,error}` whatever made the check fail. */
export async function authenticationRoute(context: RouteContext, req: IncomingMessage): Promise<RouteAnswer> {
  const settings = settingsOf(context, await readJsonObject(req))
  try {
    await context.destination.testAuthentication(settings)
  } catch (error) {
    throw new HttpError(400, error instanceof Error ? error.message : String(error))
  }
  return { status: 200, body: { ok: true } }
}

/**
 * `{settings, mapping, payload, auth?, features?}`: one event runs `perform`, an array `performBatch`.
 * The action runs directly, as in Segment's `serve`, without the subscription filter, so any event can be
 * tried. Field defaults fill in the keys the given mapping leaves out: for Engage events `{"pii_type": "Email"}`
 * is a complete mapping.
 */
export async function actionRoute(context: RouteContext, slug: string, req: IncomingMessage): Promise<RouteAnswer> {
  const { destination, stateContext } = context
  const action = destination.actions[slug]
  const body = await readJsonObject(req)
  const settings = settingsOf(context, body)
  const mapping: JSONObject = {
    ...(defaultValues(action.definition.fields) as JSONObject),
    ...(objectField(body, 'mapping', false) as JSONObject | undefined)
  }
  const auth = objectField(body, 'auth', false) as Parameters<typeof action.execute>[0]['auth']
  const features = objectField(body, 'features', false) as Record<string, boolean> | undefined
  const events = payloadEvents(body.payload)

  destination.validateSettings(settings)
  try {
    if (Array.isArray(events)) {
      const multistatus = await destination.executeBatch(slug, {
        events,
        mapping,
        settings,
        auth,
        features,
        stateContext
      })
      return { status: 200, body: multistatus }
    }
    const personas = events.context?.personas
    const results = await action.execute({
      data: events as unknown as Record<string, unknown>,
      settings,
      mapping,
      auth,
      features,
      stateContext,
      personasContext: personas,
      audienceSettings: personas?.audience_settings
    })
    return { status: 200, body: results }
  } finally {
    // actions-core keeps every response (with its request body) on the destination; this server would leak them.
    destination.responses.splice(0)
  }
}

function payloadEvents(payload: unknown): SegmentEvent | SegmentEvent[] {
  const isObject = (value: unknown) => value !== null && typeof value === 'object' && !Array.isArray(value)
  if (Array.isArray(payload)) {
    if (payload.length === 0) throw new HttpError(400, '"payload" is an empty list: send at least one event.')
    if (!payload.every(isObject)) throw new HttpError(400, 'Every event in "payload" must be a JSON object.')
    return payload as SegmentEvent[]
  }
  if (!isObject(payload)) throw new HttpError(400, '"payload" must be an event object or an array of events.')
  return payload as SegmentEvent
}
