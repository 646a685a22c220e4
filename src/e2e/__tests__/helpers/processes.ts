import { runCliToExit, spawnCli, type CliResult } from '../../../testing/spawn-cli'

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

/**
 * `npm start -- ...args` as a process of its own, with the credentials in its environment. Fails when it runs longer
 * than `timeoutMs`, and ends the process whatever happens.
 */
export function runRunnerProcess(args: string[], env: Record<string, string>, timeoutMs?: number): Promise<CliResult> {
  return runCliToExit('src/runner/cli.ts', args, env, timeoutMs)
}
