import type { IncomingMessage } from 'node:http'
import {
  defaultValues,
  type Destination,
  type DynamicFieldResponse,
  type JSONObject,
  type SegmentEvent,
  type StateContext
} from '@segment/actions-core'
import { HttpError, objectField, readJsonObject } from './http-json'
import { describeError } from './errors'

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

/**
 * Segment's `/authenticate`: always 200, `ok` says whether the settings work, and `fields` names the settings
 * the schema refused. Segment's CLI takes the settings as the whole body; `{"settings": {...}}` works too.
 */
export async function authenticateRoute(context: RouteContext, req: IncomingMessage): Promise<RouteAnswer> {
  const body = await readJsonObject(req)
  const given = objectField(body, 'settings', false) ?? body
  const settings = settingsOf(context, { settings: given })
  try {
    await context.destination.testAuthentication(settings)
    return { status: 200, body: { ok: true } }
  } catch (error) {
    return { status: 200, body: { ok: false, error: describeError(error).message, fields: fieldErrors(error) } }
  }
}

/** The schema's complaints by field name, as Segment's CLI reports them. */
function fieldErrors(error: unknown): Record<string, string> {
  const fields: Record<string, string> = {}
  const e = error as { name?: unknown; [Symbol.iterator]?: unknown }
  if (e?.name !== 'AggregateAjvError' || typeof e[Symbol.iterator] !== 'function') return fields
  for (const item of error as Iterable<{ path?: unknown; message?: unknown }>) {
    if (typeof item.path === 'string' && typeof item.message === 'string') {
      fields[item.path.replace(/^\$\./, '')] = item.message
    }
  }
  return fields
}

/**
 * Engage's audience methods: `createAudience` takes `{settings, audienceSettings, audienceName}`, `getAudience`
 * `{settings, audienceSettings?, externalId}`; both answer 200 `{externalId}`. A failure answers 400
 * `{ok: false, error}` as Segment's CLI does, with the error's code and its own status added.
 */
export async function audienceRoute(
  context: RouteContext,
  method: 'createAudience' | 'getAudience',
  req: IncomingMessage
): Promise<RouteAnswer> {
  const body = await readJsonObject(req)
  const settings = settingsOf(context, body)
  const audienceSettings = objectField(body, 'audienceSettings', false) as JSONObject | undefined
  const key = method === 'createAudience' ? 'audienceName' : 'externalId'
  const value = body[key]
  if (typeof value !== 'string') throw new HttpError(400, `"${key}" must be a string.`)
  const { destination } = context
  try {
    const result =
      method === 'createAudience'
        ? await destination.createAudience({ settings, audienceSettings, audienceName: value })
        : await destination.getAudience({ settings, audienceSettings, externalId: value })
    return { status: 200, body: result }
  } catch (error) {
    const { status, message, code } = describeError(error)
    return { status: 400, body: { ok: false, error: message, ...(code ? { code } : {}), status } }
  }
}

/**
 * `{settings, payload?, page?, audienceSettings?}` -> the field's choices. A picker reports failures in its
 * answer; as in Segment's CLI that answer becomes a 500, here with the picker's message and code.
 */
export async function dynamicFieldRoute(
  context: RouteContext,
  slug: string,
  fieldKey: string,
  req: IncomingMessage
): Promise<RouteAnswer> {
  const body = await readJsonObject(req)
  const settings = settingsOf(context, body)
  const result = (await withoutKeptResponses(context, () =>
    context.destination.executeDynamicField(slug, fieldKey, {
      settings,
      payload: objectField(body, 'payload', false) ?? {},
      page: typeof body.page === 'string' ? body.page : undefined,
      audienceSettings: objectField(body, 'audienceSettings', false)
    })
  )) as DynamicFieldResponse
  if (result.error) {
    return { status: 500, body: { ok: false, error: result.error.message, code: result.error.code, choices: [] } }
  }
  return { status: 200, body: result }
}

/**
 * `{settings, hookInputs}` -> the hook's answer: 200 `{successMessage, savedData}`, or 400 `{error}` when it
 * refused. Ours: Segment's CLI has no working hook route. Save `savedData` in a mapping as
 * `{"onMappingSave": {"outputs": savedData}}` to have `/<action>` use it, as Segment's runtime does.
 */
export async function hookRoute(
  context: RouteContext,
  slug: string,
  hookType: 'onMappingSave' | 'retlOnMappingSave',
  req: IncomingMessage
): Promise<RouteAnswer> {
  const body = await readJsonObject(req)
  const settings = settingsOf(context, body)
  const hookInputs = objectField(body, 'hookInputs', true) as JSONObject
  const result = await withoutKeptResponses(context, () =>
    context.destination.actions[slug].executeHook(hookType, { settings, hookInputs, payload: {} })
  )
  return { status: result.error ? 400 : 200, body: result }
}

/** actions-core keeps every response (with its request) on the destination; a long-running server must not. */
async function withoutKeptResponses<T>(context: RouteContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } finally {
    context.destination.responses.splice(0)
  }
}
