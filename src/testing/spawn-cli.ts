import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { waitUntil } from './wait-until'

const REPO = join(__dirname, '..', '..')

export interface RunningCli {
  child: ChildProcess
  /** The exit code (null when killed by a signal), once the process has ended and its output is closed. */
  exited: Promise<number | null>
  /** Waits until stdout + stderr contain the text; throws with what was printed after 15 s. */
  waitFor(text: string): Promise<void>
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

/** Runs one of the repository's TypeScript CLIs as `npm run …` does (ts-node, transpile only), capturing its output. */
export function spawnCli(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: SpawnOptions = {}
): RunningCli {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(REPO, script), ...args], {
    cwd: REPO,
    env: { ...process.env, PORT: '', ...env },
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
  })
  if (options.stdin !== undefined) child.stdin?.end(options.stdin)
  return watch(
    child,
    () => child.kill('SIGTERM'),
    () => child.kill('SIGKILL')
  )
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
  const group = (signal: NodeJS.Signals) => () => {
    if (child.pid !== undefined) process.kill(-child.pid, signal)
  }
  return watch(child, group('SIGTERM'), group('SIGKILL'))
}

function watch(child: ChildProcess, terminate: () => void, kill: () => void): RunningCli {
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
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const waitFor = async (text: string) => {
    await waitUntil(`"${text}"`, () => output.includes(text) || undefined, {
      describe: () => `The command printed:\n${output}`
    })
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    terminate()
    const killer = setTimeout(kill, 3_000)
    try {
      await exited
    } finally {
      clearTimeout(killer)
    }
  }
  return { child, exited, waitFor, output: () => output, stdout: () => stdout, stderr: () => stderr, stop }
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
