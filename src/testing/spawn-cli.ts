import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join, relative } from 'node:path'
import { waitUntil } from './wait-until'

const REPO = join(__dirname, '..', '..')
/** Where `npm run build:tools`, or the e2e project's global setup when the sources changed, compiles src/. */
const TOOLS = join(REPO, 'dist-tools')
/** How long a test waits for a process to end before it fails and its `finally` ends it: within jest's 20 s. */
const EXIT_WAIT_MS = 15_000

export interface RunningCli {
  child: ChildProcess
  /** The exit code (null when killed by a signal), once the process has ended and its output is closed. */
  exited: Promise<number | null>
  /** Waits until stdout + stderr contain the text; throws with what was printed after 15 s or once the process ends. */
  waitFor(text: string): Promise<void>
  /** The exit code once the process has ended; throws with what it printed when it runs longer than `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<number | null>
  /** stdout and stderr as they arrived, interleaved. */
  output(): string
  stdout(): string
  stderr(): string
  /** Ends the process (SIGTERM, then SIGKILL after 3 s) and waits for it; harmless once it has ended. */
  stop(): Promise<void>
}

export interface SpawnOptions {
  /** Written to the process's standard input, which is then closed; without it, standard input is empty. */
  stdin?: string | Buffer
}

/**
 * Runs one of the repository's TypeScript CLIs (`script`, its path under src/) from its compiled form in dist-tools/,
 * capturing its output: what `npm run …` runs through ts-node, started in a fraction of the time.
 */
export function spawnCli(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: SpawnOptions = {}
): RunningCli {
  const child = spawn(process.execPath, ['--enable-source-maps', compiledTool(script), ...args], {
    cwd: REPO,
    env: { ...process.env, PORT: '', ...env },
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
  })
  if (options.stdin !== undefined) child.stdin?.end(options.stdin)
  return watch(child, (signal) => child.kill(signal))
}

/**
 * Runs a command line in a shell from the repository's root, as a person pastes a printed command. It gets a
 * process group of its own, so that stopping it also ends what it started (npm, then node).
 */
export function spawnCommand(command: string, env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn('sh', ['-c', command], {
    cwd: REPO,
    env: { ...process.env, PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  return watch(child, (signal) => {
    if (child.pid !== undefined) process.kill(-child.pid, signal)
  })
}

/** Captures a started process's output and gives the waits and the stop every test uses. */
function watch(child: ChildProcess, signal: (name: NodeJS.Signals) => void): RunningCli {
  let output = ''
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
    stderr += chunk.toString()
  })
  let closed = false
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      closed = true
      resolve(code)
    })
  )
  const waitFor = async (text: string) => {
    await waitUntil(
      `"${text}"`,
      () => {
        if (output.includes(text)) return true
        if (closed) throw new Error(`The command ended without printing "${text}". It printed:\n${output}`)
        return undefined
      },
      {
        describe: () => `The command printed:\n${output}`
      }
    )
  }
  const waitForExit = async (timeoutMs = EXIT_WAIT_MS) => {
    await waitUntil('the command to end', () => closed || undefined, {
      timeoutMs,
      describe: () => `The command printed:\n${output}`
    })
    return exited
  }
  const stop = () => endProcess(child, signal)
  return {
    child,
    exited,
    waitFor,
    waitForExit,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    stop
  }
}

/** The compiled form of `script`, a path under src/; says how to build it when it is missing. */
export function compiledTool(script: string): string {
  const source = relative(join(REPO, 'src'), join(REPO, script))
  if (source.startsWith('..') || !source.endsWith('.ts')) throw new Error(`${script} is not a .ts file under src/`)
  const compiled = join(TOOLS, source.replace(/\.ts$/, '.js'))
  if (!existsSync(compiled)) {
    throw new Error(
      `${relative(REPO, compiled)} is missing: run \`npm run build:tools\` (jest's e2e project builds it by itself; ` +
        'a test run outside it does not).'
    )
  }
  return compiled
}

/**
 * Ends a child process (SIGTERM, then SIGKILL after 3 s) and waits until it has, 6 s at most; harmless once it has
 * ended. Each helper that starts a process stops it with this, from a `finally` or an `afterEach`/`afterAll`.
 */
export async function endProcess(
  child: ChildProcess,
  signal: (name: NodeJS.Signals) => void = (name) => child.kill(name)
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const timers: NodeJS.Timeout[] = []
  // 'close' comes after 'exit', once the child's output pipes are closed too: nothing of it is left open.
  const ended = new Promise<void>((resolve) => {
    child.once('close', () => resolve())
    timers.push(setTimeout(resolve, 6_000))
  })
  signal('SIGTERM')
  timers.push(setTimeout(() => signal('SIGKILL'), 3_000))
  try {
    await ended
  } finally {
    for (const timer of timers) clearTimeout(timer)
  }
}

/** Holds a loopback port, as another program would, until close(). */
export async function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { port: address.port, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

/** Runs fn while another listener holds a loopback port. */
export async function withOccupiedPort(fn: (port: number) => Promise<void>): Promise<void> {
  const held = await occupyPort()
  try {
    await fn(held.port)
  } finally {
    await held.close()
  }
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const held = await occupyPort()
  await held.close()
  return held.port
}

export interface CliResult {
  /** The exit code, null when a signal ended the process. */
  code: number | null
  output: string
  stdout: string
  stderr: string
}

/**
 * Runs one of the repository's CLIs to its end, as spawnCli starts it, and returns what it printed. Fails when it
 * runs longer than `timeoutMs` (15 s by default); the process is ended whatever happens.
 */
export async function runCliToExit(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs?: number
): Promise<CliResult> {
  const cli = spawnCli(script, args, env)
  try {
    const code = await cli.waitForExit(timeoutMs)
    return { code, output: cli.output(), stdout: cli.stdout(), stderr: cli.stderr() }
  } finally {
    await cli.stop()
  }
}
