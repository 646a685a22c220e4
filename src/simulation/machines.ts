import { Worker } from 'node:worker_threads'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import type { DestinationOptions } from '../destinations/the-trade-desk-crm'
import type { MemoryEngageCache } from '../local-runtime/memory-engage-cache'
import type { StateInvocation } from '../local-runtime/state-context-store'
import type { EventAnswer } from './delivery'
import { compiledTool } from '../testing/spawn-cli'
import type { FromHost, ToHost } from './machine-protocol'

/** One invocation of the destination, as the simulation hands it to a machine. */
export interface MachineCall {
  world: string
  options: Omit<DestinationOptions, 'now'>
  at: number
  /** The sync, all of its events, and which of them this invocation carries. */
  sync: string
  syncEvents: SegmentEvent[]
  events: number[]
  settings: JSONObject
  /** The runtime's stateContext invocation: the machine reads its request and sends its writes. */
  state: StateInvocation
  cache?: MemoryEngageCache
}

export interface MachineAnswer {
  answers: EventAnswer[]
  /** The invocation threw (its answers are the error's): the runtime settles its stateContext as such. */
  threw: boolean
}

interface Running {
  call: MachineCall
  resolve(answer: MachineAnswer): void
  reject(error: Error): void
}

/** The thread that hosts a test file's machines (see machine-host.ts), and the invocations it runs. */
class MachineHost {
  // The compiled host (dist-tools/, which the e2e project's global setup builds when the sources changed), as the
  // tests' child processes run: a thread starts outside jest's transform.
  private readonly worker = new Worker(compiledTool('src/simulation/machine-host.ts'))
  private readonly running = new Map<number, Running>()
  /** Syncs whose events the host holds: each sync's events cross once. */
  private readonly syncs = new Set<string>()
  private nextId = 0
  private failure: Error | undefined

  constructor() {
    // An idle host never keeps the test process alive; closeMachines() ends it.
    this.worker.unref()
    this.worker.on('message', (message: FromHost) => this.receive(message))
    this.worker.on('error', (error) => this.fail(error))
    this.worker.on('exit', (code) => this.fail(new Error(`The machines' thread exited (code ${code}).`)))
  }

  invoke(machine: number, call: MachineCall): Promise<MachineAnswer> {
    if (this.failure) return Promise.reject(this.failure)
    const id = this.nextId++
    const syncEvents = this.syncs.has(call.sync) ? undefined : call.syncEvents
    this.syncs.add(call.sync)
    const cache = call.cache && {
      maxExpirySeconds: call.cache.maxExpirySeconds,
      maxValueSizeBytes: call.cache.maxValueSizeBytes
    }
    return new Promise<MachineAnswer>((resolve, reject) => {
      this.running.set(id, { call, resolve, reject })
      this.post({
        type: 'invoke',
        id,
        machine,
        world: call.world,
        options: call.options,
        at: call.at,
        sync: call.sync,
        syncEvents,
        events: call.events,
        settings: call.settings,
        request: [...call.state.request],
        cache
      })
    })
  }

  /** Lets the host drop a closed world's destinations or an ended sync's events. */
  forget(key: string): void {
    this.syncs.delete(key)
    if (!this.failure) this.post({ type: 'forget', key })
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('The machines were stopped.')
    await this.worker.terminate()
  }

  private receive(message: FromHost): void {
    const running = this.running.get(message.id)
    if (!running) return
    if (message.type === 'write') {
      try {
        running.call.state.context.setResponseContext(message.key, message.value, message.ttl)
      } catch (error) {
        // The destination broke the runtime's contract (a value that is not text): the simulation stops on it.
        this.settle(message.id).reject(error as Error)
      }
    } else if (message.type === 'cache-call') {
      const cache = running.call.cache
      const method = cache?.[message.method] as ((...args: unknown[]) => Promise<unknown>) | undefined
      if (!method) return this.post({ type: 'cache-answer', call: message.call, error: 'no cache in this runtime' })
      method(...message.args).then(
        (value) => this.post({ type: 'cache-answer', call: message.call, value }),
        (error: unknown) => this.post({ type: 'cache-answer', call: message.call, error: String(error) })
      )
    } else if (message.type === 'answered') {
      const { distinct, answerOf } = message
      this.settle(message.id).resolve({
        answers: Array.from(answerOf, (index) => distinct[index]),
        threw: message.threw
      })
    } else {
      this.settle(message.id).reject(new Error(`A machine failed: ${message.error}`))
    }
  }

  private settle(id: number): Running {
    const running = this.running.get(id) as Running
    this.running.delete(id)
    return running
  }

  private fail(error: Error): void {
    this.failure ??= error
    for (const id of [...this.running.keys()]) this.settle(id).reject(error)
  }

  private post(message: ToHost): void {
    this.worker.postMessage(message)
  }
}

/** One machine of Segment's runtime: its own actions-core and destination, one invocation at a time. */
export class Machine {
  constructor(
    private readonly host: MachineHost,
    readonly number: number
  ) {}

  invoke(call: MachineCall): Promise<MachineAnswer> {
    return this.host.invoke(this.number, call)
  }
}

/**
 * The machines of one test file, reused by every simulation in it. An invocation takes a free machine, least recently
 * used first, so that even batches delivered one after another land on different machines; concurrent invocations
 * never share one.
 */
export class MachinePool {
  private host: MachineHost | undefined
  private readonly free: Machine[] = []
  private count = 0
  private wanted = 0

  async use<T>(work: (machine: Machine) => Promise<T>): Promise<T> {
    const machine = (this.count < this.wanted ? undefined : this.free.shift()) ?? this.start()
    try {
      return await work(machine)
    } finally {
      this.free.push(machine)
    }
  }

  /** Asks for at least `count` machines, so that invocations one after another rotate too. */
  reserve(count: number): void {
    this.wanted = Math.max(this.wanted, count)
  }

  forget(key: string): void {
    this.host?.forget(key)
  }

  async close(): Promise<void> {
    const host = this.host
    this.host = undefined
    this.free.splice(0)
    this.count = 0
    await host?.terminate()
  }

  private start(): Machine {
    this.host ??= new MachineHost()
    return new Machine(this.host, this.count++)
  }
}

/** The pool of the test file that loaded this module (jest gives each test file its own module registry). */
export const machines = new MachinePool()

/** Ends this test file's machines: call it in `afterAll` of every file that runs simulations. */
export function closeMachines(): Promise<void> {
  return machines.close()
}
