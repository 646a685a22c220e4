/**
 * The thread that hosts the simulation's machines. Each machine is its own instance of actions-core and of the
 * destination's modules, loaded afresh, so nothing a module keeps in memory on one machine is seen on another; they
 * share only what each invocation's messages carry (the stateContext request and writes, the cache's calls) and TTD
 * over HTTP. Concurrent invocations on different machines interleave on this thread as they would on one event loop.
 * Outside jest's sandbox (a vm context, where actions-core's per-event work runs several times slower), the
 * destination runs at Node's own speed.
 */
import { parentPort } from 'node:worker_threads'
import type { Destination, Result, SegmentEvent, StateContext } from '@segment/actions-core'
import type { EngageDestinationCache } from '../destinations/the-trade-desk-crm/engine/store'
import type { EventAnswer } from './delivery'
import type { CacheMethod, FromHost, ToHost } from './machine-protocol'

type CoreModule = typeof import('@segment/actions-core')
type DestinationModule = typeof import('../destinations/the-trade-desk-crm')
type Invoke = Extract<ToHost, { type: 'invoke' }>

interface Machine {
  core: CoreModule
  destinationModule: DestinationModule
  /** One Destination per world: actions-core compiles a definition's schemas once per instance. */
  destinations: Map<string, Destination>
  /** The virtual time of this machine's invocation in progress: a machine runs one at a time. */
  now: number
}

const port = parentPort
if (!port) throw new Error('machine-host.ts runs as a worker thread only')

/** The modules the host itself loaded: every machine loads all others afresh. */
const hostModules = new Set(Object.keys(require.cache))
const machines = new Map<number, Machine>()
const syncs = new Map<string, SegmentEvent[]>()
const pendingCalls = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
let nextCall = 0

const send = (message: FromHost) => port.postMessage(message)

port.on('message', (message: ToHost) => {
  if (message.type === 'cache-answer') {
    const pending = pendingCalls.get(message.call)
    pendingCalls.delete(message.call)
    if (message.error !== undefined) pending?.reject(new Error(message.error))
    else pending?.resolve(message.value)
  } else if (message.type === 'forget') {
    syncs.delete(message.key)
    for (const machine of machines.values()) machine.destinations.delete(message.key)
  } else {
    invoke(message).catch((error: unknown) =>
      send({
        type: 'failed',
        id: message.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error)
      })
    )
  }
})

/** A machine's own module instances: the require cache is emptied of every module but the host's first. */
function loadMachine(): Machine {
  for (const key of Object.keys(require.cache)) if (!hostModules.has(key)) delete require.cache[key]
  /* eslint-disable @typescript-eslint/no-require-imports -- a fresh instance per machine needs a require at run time */
  const core = require('@segment/actions-core') as CoreModule
  const destinationModule = require('../destinations/the-trade-desk-crm') as DestinationModule
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { core, destinationModule, destinations: new Map(), now: 0 }
}

async function invoke(message: Invoke): Promise<void> {
  const { id } = message
  let machine = machines.get(message.machine)
  if (!machine) machines.set(message.machine, (machine = loadMachine()))
  const on = machine
  on.now = message.at
  let destination = on.destinations.get(message.world)
  if (!destination) {
    const definition = on.destinationModule.createTheTradeDeskCrm({ ...message.options, now: () => on.now })
    destination = new on.core.Destination(definition) as unknown as Destination
    on.destinations.set(message.world, destination)
  }
  if (message.syncEvents) syncs.set(message.sync, message.syncEvents)
  const all = syncs.get(message.sync)
  if (!all) throw new Error(`No events known for sync ${message.sync}.`)
  const events = message.events.map((index) => all[index])
  const request = new Map(message.request)
  const stateContext: StateContext = {
    getRequestContext(key: string, cb?: (res?: string) => unknown) {
      const value = request.get(key)
      cb?.(value)
      return value
    },
    setResponseContext(key, value, ttl) {
      send({ type: 'write', id, key, value, ttl })
    }
  }
  const engageDestinationCache = message.cache ? remoteCache(id, message.cache) : undefined
  let results: Result[] | undefined
  let thrown: EventAnswer | undefined
  try {
    results = await destination.onBatch(events, message.settings, { stateContext, engageDestinationCache })
  } catch (error) {
    thrown = thrownAnswer(error)
  } finally {
    // actions-core keeps every request and response, upload bodies included.
    destination.responses.splice(0)
  }
  const answers = thrown ? events.map(() => thrown) : answersOf(results ?? [], events.length)
  send({ type: 'answered', id, ...compact(answers), threw: thrown !== undefined })
}

/** The distinct answers of a batch, and for each event the index of its own. */
function compact(answers: EventAnswer[]): { distinct: EventAnswer[]; answerOf: Uint32Array } {
  const distinct: EventAnswer[] = []
  const known = new Map<string, number>()
  const answerOf = new Uint32Array(answers.length)
  answers.forEach((answer, i) => {
    const key = `${answer.status}\u0000${answer.code}\u0000${answer.thrown}\u0000${answer.message}`
    let index = known.get(key)
    if (index === undefined) known.set(key, (index = distinct.push(answer) - 1))
    answerOf[i] = index
  })
  return { distinct, answerOf }
}

/** The runtime's cache as the destination sees it; each call is answered by the simulation's one cache. */
function remoteCache(
  id: number,
  limits: { maxExpirySeconds: number; maxValueSizeBytes: number }
): EngageDestinationCache {
  const call = <T>(method: CacheMethod, args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      const number = nextCall++
      pendingCalls.set(number, { resolve: resolve as (value: unknown) => void, reject })
      send({ type: 'cache-call', id, call: number, method, args })
    })
  return {
    ...limits,
    getByKey: (key) => call('getByKey', [key]),
    setByKey: (key, value, expiry) => call('setByKey', [key, value, expiry]),
    setByKeyNX: (key, value, expiry) => call('setByKeyNX', [key, value, expiry]),
    delByKey: (key) => call('delByKey', [key])
  }
}

/** One answer per event from the multistatus; a destination that answers otherwise fails the simulation. */
function answersOf(results: Result[], count: number): EventAnswer[] {
  const multistatus = results.find((result) => Array.isArray(result.multistatus))?.multistatus
  if (!multistatus || multistatus.length !== count) {
    throw new Error(`The destination answered ${multistatus?.length ?? 'no'} multistatus entries for ${count} events.`)
  }
  return multistatus.map((entry) => {
    const body = entry.body as { code?: unknown; message?: unknown } | undefined
    const code = typeof body?.code === 'string' ? body.code : undefined
    const errorMessage = 'errormessage' in entry ? entry.errormessage : undefined
    const message = errorMessage ?? (typeof body?.message === 'string' ? body.message : undefined)
    return { status: entry.status, code, message, thrown: false }
  })
}

/** A thrown error fails the whole attempt with its status as actions-core reads it (500 when it has none). */
function thrownAnswer(error: unknown): EventAnswer {
  const { status, response, message } = (error ?? {}) as {
    status?: unknown
    response?: { status?: unknown }
    message?: unknown
  }
  const code = typeof status === 'number' ? status : typeof response?.status === 'number' ? response.status : 500
  return { status: code, message: typeof message === 'string' ? message : String(error), thrown: true }
}
