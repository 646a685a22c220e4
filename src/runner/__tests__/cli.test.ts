import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { startSandbox, type Sandbox } from '../../sandbox'
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runRunner } from '../run'
import type { SyncSummary } from '../sync'
import { audienceMix, captureIo, emailOf, memberKeyOfEmail, tempDir, toJsonl } from './helpers/audience'

const REPO = join(__dirname, '..', '..', '..')
const files = tempDir()
let sandbox: Sandbox

beforeEach(async () => {
  sandbox = await startSandbox()
})
afterEach(() => sandbox.close())
afterAll(() => files.cleanup())

async function runner(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const output = captureIo()
  const code = await runRunner(argv, env, output.io, { sandbox, retryDelaysMs: [] })
  return { code, stdout: output.stdout(), stderr: output.stderr() }
}

function onlySegment() {
  const segments = sandbox.segments()
  expect(segments).toHaveLength(1)
  return segments[0]
}

describe('the runner command', () => {
  it('prints its usage for --help and exits 0', async () => {
    const result = await runner(['--help'])
    expect(result.code).toBe(EXIT_OK)
    expect(result.stdout).toContain('Usage: npm start -- [options]')
    expect(sandbox.requests).toHaveLength(0)
  })

  it.each([
    [['--region', 'XX'], /--region must be one of/],
    [['--api-url', 'https://api.thetradedesk.com/v3'], /set TTD_AUTH_TOKEN and TTD_ADVERTISER_ID/],
    [['--input', '/no/such/file.jsonl'], /Cannot read the input file/]
  ])('exits 2 on a usage error: %j', async (argv, message) => {
    const result = await runner(argv)
    expect(result.code).toBe(EXIT_USAGE)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).toContain('Run with --help')
    expect(sandbox.requests).toHaveLength(0)
  })

  it('syncs JSONL in batches, shows progress and a summary, and never prints the token or an email', async () => {
    const { events, memberEmails } = audienceMix({ members: 3200, duplicates: 20, invalid: 10, exited: 7 })
    const input = files.write('audience.jsonl', toJsonl(events))

    const result = await runner(['--input', input, '--batch-size', '1620'])

    expect(result.code).toBe(EXIT_OK)
    expect(result.stderr).toContain('batch 1: 1620 events, Replace, 1620 uploaded, 0 left out')
    // The 20 repeats land in batch 2 while their first occurrences were in batch 1: the destination only
    // dedupes within a batch, so they are uploaded again (harmless with Add) and counted as uploaded.
    expect(result.stderr).toContain('batch 2: 1617 events, Add, 1600 uploaded, 17 left out')
    expect(result.stdout).toContain('Uploaded:    3220 identifiers (distinct within each batch)')
    expect(result.stdout).toContain('Batches:     2 (Replace, Add)')
    expect(result.stdout).toMatch(/Segment: {5}"runner_test_audience", CrmDataId \S+ \(created\)/)
    expect(result.stdout).toMatch(/invalid identifier\s+10/)
    expect(result.stdout).toContain('Result:      OK')
    expect(sandbox.members(onlySegment().crmDataId).size).toBe(3200)
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(sandbox.token)
      expect(text).not.toContain(memberEmails[0])
      expect(text).not.toContain(memberEmails[3199])
    }
  })

  it('prints the summary as JSON with --json', async () => {
    const input = files.write('json.jsonl', toJsonl(audienceMix({ members: 1600, exited: 3 }).events))
    const result = await runner(['--input', input, '--json', '--segment-name', 'Named by flag'])

    expect(result.code).toBe(EXIT_OK)
    const summary = JSON.parse(result.stdout) as SyncSummary
    expect(summary).toMatchObject({
      ok: true,
      segments: [{ name: 'Named by flag', created: true }],
      batches: [{ batch: 1, events: 1603, mergeModes: ['Replace'], uploaded: 1600 }],
      leftOut: { exited: 3 }
    })
    expect(onlySegment().segmentName).toBe('Named by flag')
    expect(result.stderr).toContain('batch 1: 1603 events')
  })

  it('syncs a CSV of emails, each row as an Audience Entered event', async () => {
    const emails = Array.from({ length: 1500 }, (_, i) => emailOf(i, 'csv'))
    const rows = emails.map((email, i) => (i % 2 === 0 ? `${i},"${email}"` : `${i},${email.toUpperCase()}`))
    const input = files.write('emails.csv', ['id,Email', ...rows, '1500,not-an-email'].join('\n'))

    const result = await runner(['--input', input, '--segment-name', 'CSV people', '--pii-type', 'Email', '--json'])

    expect(result.code).toBe(EXIT_OK)
    const summary = JSON.parse(result.stdout) as SyncSummary
    expect(summary.leftOut.invalid).toBe(1)
    expect(summary.uploaded).toBe(1500)
    const segment = onlySegment()
    expect(segment.segmentName).toBe('CSV people')
    expect(sandbox.members(segment.crmDataId)).toEqual(new Set(emails.map(memberKeyOfEmail)))
    expect(sandbox.drops(segment.crmDataId)[0].piiType).toBe('Email')
  })

  it('picks the hashed phone type for a CSV with only a phone column', async () => {
    const phones = Array.from({ length: 1500 }, (_, i) => `+1 415 ${String(1_000_000 + i).slice(0, 3)} ${1000 + i}`)
    const input = files.write('phones.csv', ['phone', ...phones].join('\n'))

    const result = await runner(['--input', input, '--segment-name', 'Phones'])

    expect(result.code).toBe(EXIT_OK)
    expect(result.stderr).toContain('PII type PhoneNumberHashedUnifiedId2')
    const segment = onlySegment()
    expect(sandbox.drops(segment.crmDataId)[0].piiType).toBe('PhoneNumberHashedUnifiedId2')
    expect(sandbox.members(segment.crmDataId).size).toBe(1500)
    expect(result.stdout + result.stderr).not.toContain(phones[0])
  })

  it('exits 2 when the chosen PII type has no column in the CSV', async () => {
    const input = files.write('only-phone.csv', 'phone\n+14155550100\n')
    const result = await runner(['--input', input, '--segment-name', 'x', '--pii-type', 'Email'])
    expect(result.code).toBe(EXIT_USAGE)
    expect(result.stderr).toContain('needs a "email" column')
  })

  it('exits 1 when a batch holds too few distinct people, and uploads nothing', async () => {
    const input = files.write('small.jsonl', toJsonl(audienceMix({ members: 200 }).events))
    const result = await runner(['--input', input])

    expect(result.code).toBe(EXIT_FAILED)
    expect(result.stdout).toMatch(/below the 1,500 minimum\s+200/)
    expect(result.stdout).toContain('200 x Too few distinct identifiers to upload: 200 found')
    expect(sandbox.drops()).toHaveLength(0)
  })

  it('exits 1 on unreadable input lines even when everything else synced', async () => {
    const content = toJsonl(audienceMix({ members: 1500 }).events) + '{"broken json\n'
    const result = await runner(['--input', files.write('broken.jsonl', content)])

    expect(result.code).toBe(EXIT_FAILED)
    expect(result.stdout).toMatch(/unreadable input lines\s+1/)
    expect(result.stdout).toContain('Unreadable lines include: 1501')
    expect(sandbox.members(onlySegment().crmDataId).size).toBe(1500)
  })

  it('exits 1 with a message to check the token when the real API rejects it, without printing it', async () => {
    const input = files.write('rejected.jsonl', toJsonl(audienceMix({ members: 1500 }).events))
    const env = { TTD_AUTH_TOKEN: 'wrong-token-5f3c', TTD_ADVERTISER_ID: sandbox.advertiserId }

    const result = await runner(['--input', input, '--api-url', sandbox.apiBaseUrl], env)

    expect(result.code).toBe(EXIT_FAILED)
    expect(result.stderr).toMatch(/batch 1: 1500 events, FAILED: The Trade Desk rejected the API token \(401\)/)
    expect(result.stdout).toContain('Check the Auth Token setting')
    expect(result.stdout).toContain('Stopped at batch 1')
    expect(sandbox.requests.every((request) => request.route === 'list' && request.status === 401)).toBe(true)
    expect(result.stdout + result.stderr).not.toContain('wrong-token-5f3c')
  })

  it('counts events of other types as not subscribed, without failing', async () => {
    const events = [...audienceMix({ members: 1500 }).events, { type: 'identify' as const, traits: { plan: 'pro' } }]
    const result = await runner(['--input', files.write('mixed.jsonl', toJsonl(events)), '--json'])
    expect(result.code).toBe(EXIT_OK)
    expect((JSON.parse(result.stdout) as SyncSummary).leftOut.notSubscribed).toBe(1)
  })
})

describe('npm start (a real process)', () => {
  it('syncs the bundled example to its own sandbox: Replace then Add, exit 0, JSON summary', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'src/runner/cli.ts', '--json'],
        { cwd: REPO, env: { ...process.env, TTD_AUTH_TOKEN: '' } },
        (error, out, err) => resolve({ code: error ? Number(error.code) : 0, stdout: out, stderr: err })
      )
    })
    expect(code).toBe(0)
    const summary = JSON.parse(stdout) as SyncSummary
    expect(summary.ok).toBe(true)
    expect(summary.events).toBe(7500)
    expect(summary.batches.map((batch) => batch.mergeModes.join())).toEqual(['Replace', 'Add', 'Add'])
    expect(summary.segments).toEqual([
      { name: 'example_high_value_customers', crmDataId: expect.any(String), created: true }
    ])
    expect(summary.leftOut.invalid).toBeGreaterThan(0)
    expect(summary.leftOut.duplicate).toBeGreaterThan(0)
    expect(summary.leftOut.exited).toBeGreaterThan(0)
    expect(stderr).toMatch(/batch 3: 2500 events, Add/)
    expect(stdout + stderr).not.toMatch(/sandbox-[0-9a-f]{32}/)
    expect(stdout + stderr).not.toMatch(/@example\.(com|net|org)/)
  }, 30_000)
})
