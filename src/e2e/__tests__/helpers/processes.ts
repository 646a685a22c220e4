import { spawn, type ChildProcess } from 'node:child_process'
import * as path from 'node:path'

const ROOT = path.join(__dirname, '..', '..', '..', '..')
const TS_NODE = ['-r', 'ts-node/register/transpile-only']

export interface SandboxProcess {
  apiBaseUrl: string
  origin: string
  /** GET on the sandbox's inspection API. */
  inspect<T>(resource: 'segments' | 'drops'): Promise<T>
  stop(): Promise<void>
}

/** `npm run sandbox` as a process of its own, on a free port; resolves once it prints its banner. */
export async function startSandboxProcess(args: string[]): Promise<SandboxProcess> {
  const child = spawn(process.execPath, [...TS_NODE, 'src/sandbox/cli.ts', '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  for (let i = 0; i < 400 && !output.includes('Press Ctrl+C'); i++) {
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const apiBaseUrl = /API base URL:\s+(\S+)/.exec(output)?.[1]
  if (!apiBaseUrl) {
    await stop(child)
    throw new Error(`the sandbox process did not start: ${output.slice(0, 500)}`)
  }
  const origin = new URL(apiBaseUrl).origin
  return {
    apiBaseUrl,
    origin,
    inspect: async <T>(resource: string) => (await (await fetch(`${origin}/_sandbox/${resource}`)).json()) as T,
    stop: () => stop(child)
  }
}

export interface RunnerResult {
  code: number | null
  stdout: string
  stderr: string
}

/** `npm start -- ...args` as a process of its own, with the credentials in its environment. */
export function runRunnerProcess(args: string[], env: Record<string, string>): Promise<RunnerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TS_NODE, 'src/runner/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}
