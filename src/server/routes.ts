import {
  defaultValues,
  type Destination,
  type DynamicFieldResponse,
  type JSONObject,
  type SegmentEvent
} from '@segment/actions-core'
import { HttpError } from '../http/http-error'
import type { StateContextStore } from '../local-runtime/state-context-store'
import { describeError } from './errors'

/** A request's JSON body: the server reads it once, before any route runs. */
export type RequestBody = Record<string, unknown>

export type RouteAnswer = { status: number; body: unknown }

export type HookType = 'onMappingSave' | 'retlOnMappingSave'

/** An optional member that must be a JSON object when present. */
function objectField(body: RequestBody, name: string, required: boolean) {
  const value = body[name]
  if (value === undefined && !required) return undefined
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, `"${name}" must be a JSON object.`)
  }
  return value as Record<string, unknown>
}

/** What each route of the local server does with a request body, for one destination and its stateContext store. */
export class DestinationRoutes {
  constructor(
    private readonly destination: Destination<JSONObject>,
    /**
     * Shared by every request, like Segment's runtime: each action request is one invocation, so consecutive batches
     * of a sync replace once, then add.
     */
    private readonly state: StateContextStore
  ) {}

  /** `{settings}` -> 200 `{ok:true}`, or 400 `{ok:false,error}` whatever made the check fail. */
  async authentication(body: RequestBody): Promise<RouteAnswer> {
    const settings = this.settings(body.settings)
    try {
      await this.destination.testAuthentication(settings)
    } catch (error) {
      throw new HttpError(400, error instanceof Error ? error.message : String(error))
    }
    return { status: 200, body: { ok: true } }
  }

  /**
   * Segment's `/authenticate`: always 200, `ok` says whether the settings work, and `fields` names the settings
   * the schema refused. Segment's CLI takes the settings as the whole body; `{"settings": {...}}` works too.
   */
  async authenticate(body: RequestBody): Promise<RouteAnswer> {
    const settings = this.settings(objectField(body, 'settings', false) ?? body)
    try {
      await this.destination.testAuthentication(settings)
      return { status: 200, body: { ok: true } }
    } catch (error) {
      return { status: 200, body: { ok: false, error: describeError(error).message, fields: fieldErrors(error) } }
    }
  }

  /**
   * Engage's audience methods: `createAudience` takes `{settings, audienceSettings, audienceName}`, `getAudience`
   * `{settings, audienceSettings?, externalId}`; both answer 200 `{externalId}`. A failure answers 400
   * `{ok: false, error}` as Segment's CLI does, with the error's code and its own status added.
   */
  async audience(method: 'createAudience' | 'getAudience', body: RequestBody): Promise<RouteAnswer> {
    const settings = this.settings(body.settings)
    const audienceSettings = objectField(body, 'audienceSettings', false) as JSONObject | undefined
    const key = method === 'createAudience' ? 'audienceName' : 'externalId'
    const value = body[key]
    if (typeof value !== 'string') throw new HttpError(400, `"${key}" must be a string.`)
    try {
      const result =
        method === 'createAudience'
          ? await this.destination.createAudience({ settings, audienceSettings, audienceName: value })
          : await this.destination.getAudience({ settings, audienceSettings, externalId: value })
      return { status: 200, body: result }
    } catch (error) {
      const { status, message, code } = describeError(error)
      return { status: 400, body: { ok: false, error: message, ...(code ? { code } : {}), status } }
    }
  }

  /**
   * `{settings, mapping, payload, auth?, features?}`: one event runs `perform`, an array `performBatch`.
   * The action runs directly, as in Segment's `serve`, without the subscription filter, so any event can be
   * tried. Field defaults fill in the keys the given mapping leaves out: for Engage events `{"pii_type": "Email"}`
   * is a complete mapping.
   */
  async action(slug: string, body: RequestBody): Promise<RouteAnswer> {
    const { destination, state } = this
    const action = destination.actions[slug]
    const settings = this.settings(body.settings)
    const mapping: JSONObject = {
      ...(defaultValues(action.definition.fields) as JSONObject),
      ...(objectField(body, 'mapping', false) as JSONObject | undefined)
    }
    const auth = objectField(body, 'auth', false) as Parameters<typeof action.execute>[0]['auth']
    const features = objectField(body, 'features', false) as Record<string, boolean> | undefined
    const events = payloadEvents(body.payload)

    destination.validateSettings(settings)
    // One invocation per request: its stateContext reads what earlier requests left, its writes reach later ones.
    return this.withoutKeptResponses(() =>
      state.run(async (stateContext) => {
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
      })
    )
  }

  /**
   * `{settings, payload?, page?, audienceSettings?}` -> the field's choices. A picker reports failures in its
   * answer; as in Segment's CLI that answer becomes a 500, here with the picker's message and code.
   */
  async dynamicField(slug: string, fieldKey: string, body: RequestBody): Promise<RouteAnswer> {
    const settings = this.settings(body.settings)
    const result = (await this.withoutKeptResponses(() =>
      this.destination.executeDynamicField(slug, fieldKey, {
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
  async hook(slug: string, hookType: HookType, body: RequestBody): Promise<RouteAnswer> {
    const settings = this.settings(body.settings)
    const hookInputs = objectField(body, 'hookInputs', true) as JSONObject
    const result = await this.withoutKeptResponses(() =>
      this.destination.actions[slug].executeHook(hookType, { settings, hookInputs, payload: {} })
    )
    return { status: result.error ? 400 : 200, body: result }
  }

  /**
   * The settings as Segment stores them: defaults of the settings fields (such as the Engage full-sync flags)
   * fill in what the request leaves out, so a request needs only the token and the advertiser.
   */
  private settings(given: unknown): JSONObject {
    const fields = this.destination.authentication?.fields ?? {}
    return {
      ...(defaultValues(fields) as JSONObject),
      ...(objectField({ settings: given }, 'settings', true) as JSONObject)
    }
  }

  /** actions-core keeps every response (with its request body) on the destination; a long-running server must not. */
  private async withoutKeptResponses<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } finally {
      this.destination.responses.splice(0)
    }
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
