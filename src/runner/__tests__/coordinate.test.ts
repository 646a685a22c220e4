import { startSandbox, type Sandbox } from '../../sandbox'
import { freePort } from '../../testing/spawn-cli'
import { isLoopbackHttp, parseRunnerArgs, UsageError } from '../args'
import { EXIT_USAGE, runRunner } from '../run'
import { audienceMix, captureIo, tempDir, toJsonl } from '../../testing/audience-fixtures'

const files = tempDir()
let sandbox: Sandbox | undefined

afterEach(async () => {
  await sandbox?.close()
  sandbox = undefined
})
afterAll(() => files.cleanup())

describe('--coordinate', () => {
  it('stops before any request with exit 2 when nothing answers at the Redis URL', async () => {
    sandbox = await startSandbox()
    const input = files.write('members.jsonl', toJsonl(audienceMix({ members: 1600 }).events))
    const port = await freePort()
    const output = captureIo()

    const code = await runRunner(['--input', input, '--coordinate', `redis://127.0.0.1:${port}`], {}, output.io, {
      sandbox,
      retryDelaysMs: []
    })

    expect(code).toBe(EXIT_USAGE)
    expect(output.stderr()).toContain(`Cannot reach the coordination Redis at redis://127.0.0.1:${port}`)
    expect(output.stderr()).toContain('Nothing was uploaded.')
    expect(sandbox.requests).toHaveLength(0)
  })

  it.each(['http://127.0.0.1:6379', 'redis:', 'not a url'])('refuses %s as a Redis URL', (url) => {
    expect(() => parseRunnerArgs(['--coordinate', url], {})).toThrow(UsageError)
  })

  it('keeps a valid Redis URL', () => {
    const parsed = parseRunnerArgs(['--coordinate', 'redis://10.0.0.5:6380'], {})
    expect(parsed).toMatchObject({ kind: 'run', options: { coordinate: 'redis://10.0.0.5:6380' } })
  })
})

describe('plain-http drop URLs', () => {
  it.each([
    ['http://127.0.0.1:4010/v3', true],
    ['http://localhost:4010/v3', true],
    ['http://[::1]:4010/v3', true],
    ['https://127.0.0.1:4010/v3', false],
    ['http://sandbox.example:4010/v3', false],
    ['https://api.thetradedesk.com/v3', false]
  ])('are allowed for --api-url %s: %s', (url, allowed) => {
    expect(isLoopbackHttp(url)).toBe(allowed)
  })
})
