import { spawnCli } from '../../../testing/spawn-cli'

export interface SandboxProcess {
  apiBaseUrl: string
  origin: string
  /** GET on the sandbox's inspection API. */
  inspect<T>(resource: 'segments' | 'drops'): Promise<T>
  stop(): Promise<void>
}

/** `npm run sandbox` as a process of its own, on a free port; resolves once it prints its banner. */
export async function startSandboxProcess(args: string[]): Promise<SandboxProcess> {
  const cli = spawnCli('src/sandbox/cli.ts', ['--port', '0', ...args])
  try {
    await cli.waitFor('Press Ctrl+C')
  } catch (error) {
    await cli.stop()
    throw error
  }
  const apiBaseUrl = /API base URL:\s+(\S+)/.exec(cli.output())?.[1]
  if (!apiBaseUrl) {
    await cli.stop()
    throw new Error(`the sandbox process printed no API base URL: ${cli.output().slice(0, 500)}`)
  }
  const origin = new URL(apiBaseUrl).origin
  return {
    apiBaseUrl,
    origin,
    inspect: async <T>(resource: string) => (await (await fetch(`${origin}/_sandbox/${resource}`)).json()) as T,
    stop: () => cli.stop()
  }
}

export interface RunnerResult {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * `npm start -- ...args` as a process of its own, with the credentials in its environment. Fails when it runs longer
 * than `timeoutMs`, and ends the process whatever happens.
 */
export async function runRunnerProcess(
  args: string[],
  env: Record<string, string>,
  timeoutMs?: number
): Promise<RunnerResult> {
  const cli = spawnCli('src/runner/cli.ts', args, env)
  try {
    const code = await cli.waitForExit(timeoutMs)
    return { code, stdout: cli.stdout(), stderr: cli.stderr() }
  } finally {
    await cli.stop()
  }
}
