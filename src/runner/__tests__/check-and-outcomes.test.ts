import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT_NOT_CONNECTED, EXIT_OK, EXIT_USAGE, type Outcome } from '../run'
import type { RunReport } from '../summary'
import { audienceMix, toJsonl } from '../../testing/audience-fixtures'
import { runnerHarness } from '../../testing/runner-harness'
import { freePort } from '../../testing/spawn-cli'

const harness = runnerHarness()
const { files, runner, credentials } = harness

/** With --json: exactly one JSON object on stdout, and the exit code it states. */
async function json(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const result = await runner([...argv, '--json'], env)
  const outcome = JSON.parse(result.stdout) as Outcome
  expect(outcome.exitCode).toBe(result.code)
  return outcome
}

describe('where the data went', () => {
  it('names the embedded sandbox, and warns that TTD credentials in the environment were not used', async () => {
    const input = files.write('people.jsonl', toJsonl(audienceMix({ members: 1500 }).events))
    const env = { TTD_AUTH_TOKEN: 'real-looking-token', TTD_ADVERTISER_ID: 'adv' }

    const text = await runner(['--input', input], env)
    expect(text.code).toBe(EXIT_OK)
    expect(text.stderr.split('\n')[0]).toBe(
      'Warning: TTD_AUTH_TOKEN and TTD_ADVERTISER_ID are set but not used: without --api-url the runner syncs to ' +
        'its embedded sandbox, which is discarded at exit. To sync to The Trade Desk, add --api-url ' +
        'https://api.thetradedesk.com/v3.'
    )
    expect(text.stdout).toContain(
      `Target:      the TTD sandbox embedded in this run (${harness.sandbox.apiBaseUrl}), discarded`
    )
    expect(text.stdout + text.stderr).not.toContain('real-looking-token')

    const report = (await json(['--input', input], env)) as unknown as RunReport
    expect(report.target).toEqual({ kind: 'embedded-sandbox', apiBaseUrl: harness.sandbox.apiBaseUrl, kept: false })
    expect(report.warnings.map((warning) => warning.code)).toEqual(['CREDENTIALS_NOT_USED'])
  })
})

describe('one JSON object for every outcome', () => {
  it('answers usage mistakes and missing credentials with their code, on stdout only', async () => {
    const result = await runner(['--json', '--batch-size', '12'])
    expect(result.stderr).toBe('')
    expect(JSON.parse(result.stdout)).toEqual({
      result: 'usage-error',
      ok: false,
      exitCode: EXIT_USAGE,
      error: { code: 'USAGE', message: expect.stringMatching(/^--batch-size must be a whole number/) }
    })
    expect((await json(['--api-url', 'https://api.thetradedesk.com/v3'])).error?.code).toBe('MISSING_CREDENTIALS')
    expect((await json(['--region', 'EU', '--pii-type', 'Phone'])).error?.code).toBe('PHONE_IN_EU')
  })

  it('answers input problems with their code, and the missing file in words', async () => {
    const missing = `${files.dir}/nope.csv`
    expect(await json(['--input', missing])).toEqual({
      result: 'input-error',
      ok: false,
      exitCode: EXIT_USAGE,
      error: { code: 'INPUT_NOT_FOUND', message: `Cannot read the input file ${missing}: there is no such file.` }
    })
    const text = await runner(['--input', missing])
    expect(text.stderr).toBe(
      `Cannot read the input file ${missing}: there is no such file.\nRun with --help for usage.\n`
    )
    const noColumn = files.write('cols.csv', 'id,name\n1,x\n')
    expect((await json(['--input', noColumn, '--segment-name', 'x'])).error?.code).toBe('CSV_NO_IDENTIFIER_COLUMN')
  })

  it("answers --version (package.json's) and --help too", async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      version: string
    }
    expect(await json(['--version'])).toEqual({ result: 'version', ok: true, exitCode: 0, version })
    expect((await runner(['--version'])).stdout).toBe(`ttd-crm-sync ${version}\n`)
    expect((await json(['--help'])).usage).toContain('Exit codes:')
  })
})

describe('--check and --list-segments', () => {
  it('checks the credentials and says so, against the embedded or a standalone sandbox', async () => {
    const embedded = await runner(['--check'])
    expect(embedded).toMatchObject({ code: EXIT_OK, stderr: '' })
    expect(embedded.stdout).toMatch(
      /^Connected: the TTD sandbox embedded in this run .* accepts the token for advertiser "sandbox-advertiser"\.\n$/
    )
    expect(await json(['--check', '--api-url', harness.sandbox.apiBaseUrl], credentials())).toEqual({
      result: 'connected',
      ok: true,
      exitCode: EXIT_OK,
      target: { kind: 'standalone-sandbox', apiBaseUrl: harness.sandbox.apiBaseUrl },
      advertiserId: harness.sandbox.advertiserId
    })
  })

  it.each([
    ['a wrong token', { TTD_AUTH_TOKEN: 'wrong' }, 'AUTHENTICATION', /refused the token or its rights/],
    [
      'an unknown advertiser',
      { TTD_ADVERTISER_ID: 'nobody' },
      'ADVERTISER_NOT_FOUND',
      /does not know advertiser "nobody": check TTD_ADVERTISER_ID/
    ]
  ])('fails with exit 6 for %s, never echoing the token', async (_name, override, code, message) => {
    const env = { ...credentials(), ...override }
    const outcome = await json(['--check', '--api-url', harness.sandbox.apiBaseUrl], env)
    expect(outcome).toMatchObject({
      result: 'connection-failed',
      ok: false,
      exitCode: EXIT_NOT_CONNECTED,
      error: { code }
    })
    expect(outcome.error?.message).toMatch(message)
    expect(JSON.stringify(outcome)).not.toContain(harness.sandbox.token)
    expect(harness.sandbox.drops()).toHaveLength(0)
  })

  it('says it cannot reach an address where nothing listens, and that this says nothing about the token', async () => {
    const url = `http://127.0.0.1:${await freePort()}/v3`
    const outcome = await json(['--check', '--api-url', url], credentials())
    expect(outcome).toMatchObject({ exitCode: EXIT_NOT_CONNECTED, error: { code: 'TTD_UNREACHABLE' } })
    expect(outcome.error?.message).toMatch(/^Cannot reach the TTD sandbox at .* This says nothing about the token/)
    expect(outcome.error?.reason).not.toMatch(/Segment will retry/)
  })

  it('lists the segments through the Segment Name picker', async () => {
    const input = files.write('list.jsonl', toJsonl(audienceMix({ members: 1500 }).events))
    await runner(['--input', input, '--segment-name', 'Loyal buyers'])
    const [segment] = harness.sandbox.segments()

    const text = await runner(['--list-segments'])
    expect(text.stdout).toBe(
      '1 CRM Data Segment of advertiser "sandbox-advertiser" at the TTD sandbox embedded in this run ' +
        `(${harness.sandbox.apiBaseUrl}), discarded when the runner exits:\n  Loyal buyers (US, CrmDataId ${segment.crmDataId})\n`
    )
    expect(await json(['--list-segments', '--api-url', harness.sandbox.apiBaseUrl], credentials())).toMatchObject({
      result: 'segments',
      segments: [{ name: 'Loyal buyers', label: `Loyal buyers (US, CrmDataId ${segment.crmDataId})` }]
    })
  })
})
