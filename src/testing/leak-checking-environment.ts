/**
 * Jest's Node environment, plus a check after each test file: whatever the file started and left running (a child
 * process, a server, a socket, a timer) fails that file, by name, instead of keeping jest from exiting until CI's
 * own limit. It ends what it found, so the files after it run clean and the run can exit.
 */
import type { ChildProcess } from 'node:child_process'
import type { Server, Socket } from 'node:net'
import { relative } from 'node:path'
import { TestEnvironment } from 'jest-environment-node'

/** Closing a server or a killed child's pipes takes a few event-loop turns; what outlives this was left running. */
const GRACE_MS = 2_000

type Handle = object

/** The handles that keep this process alive; Node has no public API that returns the objects. */
function activeHandles(): Handle[] {
  return (process as unknown as { _getActiveHandles(): Handle[] })._getActiveHandles()
}

/**
 * This process's own standard streams, created on first use, perhaps during a test file: never a leak. Told by their
 * file descriptor: reading process.stdin would create a stdin stream nobody asked for.
 */
function isStandardStream(handle: Handle): boolean {
  const fd = (handle as { fd?: unknown }).fd
  return fd === 0 || fd === 1 || fd === 2
}

interface Leftover {
  what: string
  end?: () => void
}

function leftover(handle: Handle): Leftover {
  const kind = handle.constructor?.name ?? typeof handle
  if (kind === 'ChildProcess') {
    const child = handle as ChildProcess
    // The program and script only: arguments may carry a token.
    const program = child.spawnargs.slice(0, 2).join(' ')
    return { what: `child process ${child.pid} (${program})`, end: () => child.kill('SIGKILL') }
  }
  if (kind === 'Server') {
    const server = handle as Server & { closeAllConnections?: () => void }
    const address = server.address()
    const where = typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address)
    return {
      what: `server listening on ${where}`,
      end: () => {
        server.close()
        server.closeAllConnections?.()
      }
    }
  }
  if (kind === 'Socket') {
    const socket = handle as Socket
    const peer = socket.remotePort === undefined ? 'a pipe' : `${socket.remoteAddress}:${socket.remotePort}`
    return { what: `socket to ${peer}`, end: () => socket.destroy() }
  }
  return { what: kind }
}

type Timers = Pick<typeof globalThis, 'setTimeout' | 'setInterval' | 'clearTimeout' | 'clearInterval'>

/**
 * Keeps track of the timers code in the test file sets (its own, and those of every module it loads: they all run in
 * the file's context) until they fire or are cleared. Node lists live timers by type name only, with nothing to end
 * them by, so the file's timer functions are wrapped instead.
 */
function trackTimers(context: Timers): Set<NodeJS.Timeout> {
  const pending = new Set<NodeJS.Timeout>()
  const { setTimeout: realSetTimeout, setInterval: realSetInterval } = context
  const { clearTimeout: realClearTimeout, clearInterval: realClearInterval } = context
  const forget = (timer: unknown) => {
    if (typeof timer === 'object') pending.delete(timer as NodeJS.Timeout)
    // A timer can be cleared by its number; such a clear is rare enough for a walk through the set.
    else for (const known of pending) if (Number(known) === timer) pending.delete(known)
  }
  const setTimeout = function (this: unknown, callback: (...args: unknown[]) => void, ...rest: unknown[]) {
    const timer: NodeJS.Timeout = realSetTimeout(
      function (this: unknown, ...args: unknown[]) {
        pending.delete(timer)
        return callback.apply(this, args)
      },
      ...(rest as [number])
    )
    pending.add(timer)
    return timer
  }
  const setInterval = function (this: unknown, ...args: Parameters<typeof realSetInterval>) {
    const timer = realSetInterval(...args)
    pending.add(timer)
    return timer
  }
  // util.promisify(setTimeout) and the like read properties of the functions: the wrappers carry them over.
  context.setTimeout = Object.assign(setTimeout, realSetTimeout) as unknown as typeof realSetTimeout
  context.setInterval = Object.assign(setInterval, realSetInterval) as unknown as typeof realSetInterval
  context.clearTimeout = (timer) => {
    forget(timer)
    realClearTimeout(timer)
  }
  context.clearInterval = (timer) => {
    forget(timer)
    realClearInterval(timer)
  }
  return pending
}

export default class LeakCheckingEnvironment extends TestEnvironment {
  private readonly testPath: string
  private handlesBefore = new Set<Handle>()
  private timers = new Set<NodeJS.Timeout>()

  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    super(...args)
    this.testPath = relative(args[0].globalConfig.rootDir, args[1].testPath)
  }

  async setup(): Promise<void> {
    await super.setup()
    this.handlesBefore = new Set(activeHandles())
    this.timers = trackTimers(this.global as unknown as Timers)
  }

  /**
   * After the file's last test and hook, before its result is made: what is left fails the file, alongside its own
   * test results (an error thrown from teardown would replace them).
   */
  async handleTestEvent(event: { name: string }, state: { unhandledErrors: unknown[] }): Promise<void> {
    if (event.name !== 'run_finish') return
    const left = await this.leftAfterGrace()
    if (left.handles.length === 0 && left.timers.length === 0) return
    const leftovers = left.handles.map(leftover)
    for (const { end } of leftovers) end?.()
    for (const timer of left.timers) clearTimeout(timer)
    const things = leftovers.map(({ what }) => what)
    if (left.timers.length > 0) things.push(`${left.timers.length} timer${left.timers.length === 1 ? '' : 's'}`)
    const error = new Error(
      `${this.testPath} left running after its tests ended: ${things.join(', ')}. End what a test starts in a ` +
        '`finally` or an afterEach/afterAll hook; these have been ended now, so the files after it run clean.'
    )
    // Where this environment noticed says nothing of where the test went wrong.
    error.stack = error.message
    state.unhandledErrors.push(error)
  }

  private async leftAfterGrace(): Promise<{ handles: Handle[]; timers: NodeJS.Timeout[] }> {
    const deadline = Date.now() + GRACE_MS
    for (;;) {
      const handles = activeHandles().filter((handle) => !this.handlesBefore.has(handle) && !isStandardStream(handle))
      // An unref'ed timer does not hold the process.
      const timers = [...this.timers].filter((timer) => timer.hasRef())
      if ((handles.length === 0 && timers.length === 0) || Date.now() >= deadline) return { handles, timers }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}
