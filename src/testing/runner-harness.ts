import { startSandbox, type Sandbox } from '../sandbox'
import { runRunner, type RunnerDeps } from '../runner/run'
import { captureIo, tempDir } from './audience-fixtures'

/**
 * For tests of the runner in process: temporary files for the suite, a fresh sandbox for each test (closed after
 * it, whatever happened), and `runner`, which runs the whole command against that sandbox and returns its exit
 * code and output. Call it at the top of a test file.
 */
export function runnerHarness() {
  const files = tempDir()
  let current: Sandbox | undefined
  beforeEach(async () => {
    current = await startSandbox()
  })
  afterEach(async () => {
    await current?.close()
    current = undefined
  })
  afterAll(() => files.cleanup())
  const sandbox = (): Sandbox => {
    if (!current) throw new Error('The sandbox exists only inside a test.')
    return current
  }

  return {
    files,
    /** This test's sandbox. */
    get sandbox(): Sandbox {
      return sandbox()
    },
    /** The environment holding this test's sandbox's credentials, for a run against it as a standalone target. */
    credentials() {
      return { TTD_AUTH_TOKEN: sandbox().token, TTD_ADVERTISER_ID: sandbox().advertiserId }
    },
    async runner(argv: string[], env: NodeJS.ProcessEnv = {}, deps: Partial<RunnerDeps> = {}) {
      const output = captureIo()
      const code = await runRunner(argv, env, output.io, { sandbox: current, retryDelaysMs: [], ...deps })
      return { code, stdout: output.stdout(), stderr: output.stderr() }
    }
  }
}
