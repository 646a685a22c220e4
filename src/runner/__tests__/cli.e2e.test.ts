import { PassThrough } from 'node:stream'
import { gzipSync } from 'node:zlib'
import {
  EXIT_INTERRUPTED,
  EXIT_NO_AUDIENCE_EVENTS,
  EXIT_NOTHING_UPLOADED,
  EXIT_NOT_CONNECTED,
  EXIT_OK,
  EXIT_UNREADABLE_LINES,
  EXIT_USAGE,
  runRunner
} from '../run'
import { segmentSizes } from '../segment-sizes'
import type { SyncSummary } from '../run-sync'
import { audienceMix, captureIo, emailOf, memberKeyOfEmail, toJsonl } from '../../testing/audience-fixtures'
import { runnerHarness } from '../../testing/runner-harness'
import { waitUntil } from '../../testing/wait-until'

const harness = runnerHarness()
const { files, runner } = harness

/**
 * Nothing was synced: at most the connection check (one listing page) reached the sandbox's TTD API (reads of its
 * inspection API, for the segments' sizes, are no sync).
 */
function nothingSent() {
  const api = harness.sandbox.requests.filter((request) => !request.path.startsWith('/_sandbox/'))
  expect(api.filter((request) => request.route !== 'list')).toEqual([])
  expect(api.length).toBeLessThanOrEqual(1)
}

function onlySegment() {
  const segments = harness.sandbox.segments()
  expect(segments).toHaveLength(1)
  return segments[0]
}

describe('the runner command', () => {
  it('prints its usage for --help and exits 0', async () => {
    const result = await runner(['--help'])
    expect(result.code).toBe(EXIT_OK)
    expect(result.stdout).toContain('Usage: npm start -- [options]')
    expect(harness.sandbox.requests).toHaveLength(0)
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
    expect(harness.sandbox.requests).toHaveLength(0)
  })

  it('syncs JSONL in batches, shows progress and a summary, and never prints the token or an email', async () => {
    const { events, memberEmails } = audienceMix({ members: 3200, duplicates: 20, invalid: 10, exited: 7 })
    const input = files.write('audience.jsonl', toJsonl(events))

    const result = await runner(['--input', input, '--batch-size', '1620'])

    expect(result.code).toBe(EXIT_OK)
    expect(result.stderr).toContain('batch 1: 1,620 events, Replace, 1,620 uploaded, 0 left out')
    // The 20 repeats land in batch 2 while their first occurrences were in batch 1: the destination only
    // dedupes within a batch, so they are uploaded again (harmless with Add) and counted as uploaded.
    expect(result.stderr).toContain('batch 2: 1,617 events, Add, 1,600 uploaded, 17 left out')
    expect(result.stdout).toContain('Uploaded:    3,220 identifiers (distinct within each batch)')
    expect(result.stdout).toContain('Batches:     2 (Replace, Add)')
    expect(result.stdout).toMatch(/Segment: {5}"runner_test_audience", CrmDataId \S+ \(created\)/)
    expect(result.stdout).toMatch(/invalid identifier\s+10/)
    expect(result.stdout).toContain('Result:      OK')
    expect(harness.sandbox.members(onlySegment().crmDataId).size).toBe(3200)
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(harness.sandbox.token)
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
    expect(result.stderr).toContain('batch 1: 1,603 events')
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
    expect(harness.sandbox.members(segment.crmDataId)).toEqual(new Set(emails.map(memberKeyOfEmail)))
    expect(harness.sandbox.drops(segment.crmDataId)[0].piiType).toBe('Email')
  })

  it('picks the hashed phone type for a CSV with only a phone column', async () => {
    const phones = Array.from({ length: 1500 }, (_, i) => `+1 415 ${String(1_000_000 + i).slice(0, 3)} ${1000 + i}`)
    const input = files.write('phones.csv', ['phone', ...phones].join('\n'))

    const result = await runner(['--input', input, '--segment-name', 'Phones'])

    expect(result.code).toBe(EXIT_OK)
    expect(result.stderr).toContain('PII type PhoneNumberHashedUnifiedId2')
    const segment = onlySegment()
    expect(harness.sandbox.drops(segment.crmDataId)[0].piiType).toBe('PhoneNumberHashedUnifiedId2')
    expect(harness.sandbox.members(segment.crmDataId).size).toBe(1500)
    expect(result.stdout + result.stderr).not.toContain(phones[0])
  })

  it('exits 2 when the chosen PII type has no column in the CSV', async () => {
    const input = files.write('only-phone.csv', 'phone\n+14155550100\n')
    const result = await runner(['--input', input, '--segment-name', 'x', '--pii-type', 'Email'])
    expect(result.code).toBe(EXIT_USAGE)
    expect(result.stderr).toContain('--pii-type Email needs an email column')
  })

  it('exits 3 when a batch holds too few distinct people, and uploads nothing', async () => {
    const input = files.write('small.jsonl', toJsonl(audienceMix({ members: 200 }).events))
    const result = await runner(['--input', input])

    expect(result.code).toBe(EXIT_NOTHING_UPLOADED)
    expect(result.stdout).toMatch(/below the 1,500 minimum\s+200/)
    expect(result.stdout).toContain('200 x Too few distinct people for one upload')
    expect(result.stdout).toMatch(/Result: {6}NOTHING UPLOADED\n {2}Nothing was uploaded: 200 people were in the/)
    expect(harness.sandbox.drops()).toHaveLength(0)
  })

  it('exits 5, saying exactly that, when everyone was synced but an input line could not be read', async () => {
    const content = toJsonl(audienceMix({ members: 1500 }).events) + '{"broken json\n'
    const result = await runner(['--input', files.write('broken.jsonl', content)])

    expect(result.code).toBe(EXIT_UNREADABLE_LINES)
    expect(result.stdout).toMatch(/Events read: 1,500 \(and 1 unreadable record\)/)
    expect(result.stdout).toContain(
      'Unreadable:  1 record, by reason:\n    1 x not a JSON object (an event) (line 1501)'
    )
    expect(result.stdout).toMatch(
      /Result: {6}SYNCED, BUT SOME LINES UNREADABLE\n {2}Everyone the readable lines named was synced, but 1 line of/
    )
    expect(harness.sandbox.members(onlySegment().crmDataId).size).toBe(1500)
  })

  it('exits 6 at once, reading no input, when the real API rejects the token, without printing it', async () => {
    const env = { TTD_AUTH_TOKEN: 'wrong-token-5f3c', TTD_ADVERTISER_ID: harness.sandbox.advertiserId }
    // Standard input that never ends: a run that read its input before checking the token would wait forever.
    const stdin = new PassThrough()
    const output = captureIo()
    const code = await runRunner(
      ['--input', '-', '--api-url', harness.sandbox.apiBaseUrl],
      env,
      { ...output.io, stdin },
      {
        sandbox: harness.sandbox,
        retryDelaysMs: []
      }
    )

    expect(code).toBe(EXIT_NOT_CONNECTED)
    expect(output.stderr()).toMatch(
      /^Checking the credentials with the TTD sandbox at \S+ \(waiting at most 15 s for its answer\)…\nThe TTD sandbox at \S+ refused the token or its rights on advertiser "sandbox-advertiser": set a current long-lived token in TTD_AUTH_TOKEN and check TTD_ADVERTISER_ID\. Nothing was read or sent\.\n$/
    )
    expect(stdin.readableFlowing).not.toBe(true)
    expect(harness.sandbox.requests.map((request) => `${request.route} ${request.status}`)).toEqual(['list 401'])
    expect(output.stdout() + output.stderr()).not.toContain('wrong-token-5f3c')
  })

  it('counts events of other types as not subscribed, without failing', async () => {
    const events = [...audienceMix({ members: 1500 }).events, { type: 'identify' as const, traits: { plan: 'pro' } }]
    const result = await runner(['--input', files.write('mixed.jsonl', toJsonl(events)), '--json'])
    expect(result.code).toBe(EXIT_OK)
    expect((JSON.parse(result.stdout) as SyncSummary).leftOut.notSubscribed).toBe(1)
  })
})

describe('an honest result', () => {
  it('exits 3 and explains the reasons when the PII type does not fit the data (no values printed)', async () => {
    // US numbers without the +1 country code: every one invalid for the phone types.
    const phones = Array.from({ length: 1600 }, (_, i) => `415555${String(i).padStart(4, '0')}`)
    const input = files.write('us-phones.csv', ['Phone Number', ...phones, ''].join('\n'))

    const text = await runner(['--input', input, '--segment-name', 'Phones'])
    expect(text.code).toBe(EXIT_NOTHING_UPLOADED)
    expect(text.stdout).toMatch(
      /Result: {6}NOTHING UPLOADED\n {2}Nothing was uploaded: 1,600 people were in the audience/
    )
    expect(text.stdout).toMatch(
      /Invalid identifiers, by reason:\n {4}1,600 x Phone number .*\(lines 2, 3, 4, 5, 6, …\)/
    )
    expect(text.stdout + text.stderr).not.toContain(phones[0])
    expect(harness.sandbox.drops()).toHaveLength(0)

    const json = await runner(['--input', input, '--segment-name', 'Phones', '--json'])
    const summary = JSON.parse(json.stdout) as SyncSummary
    expect(summary).toMatchObject({ result: 'nothing-uploaded', ok: false, uploaded: 0 })
    expect(summary.invalidReasons).toEqual([
      { reason: expect.stringMatching(/^Phone number/), count: 1600, lineNumbers: [2, 3, 4, 5, 6] }
    ])
  })

  it('exits 3 when everyone in the input left the audience', async () => {
    const input = files.write('all-gone.jsonl', toJsonl(audienceMix({ members: 0, exited: 40 }).events))
    const result = await runner(['--input', input])
    expect(result.code).toBe(EXIT_NOTHING_UPLOADED)
    expect(result.stdout).toContain('Nothing was uploaded: all 40 audience events are people who left')
  })

  it.each([
    ['an empty file', '', /The input held no events: nothing was sent/],
    [
      'events of other kinds',
      toJsonl([
        { type: 'identify', traits: {} },
        { type: 'track', event: 'Order Completed' }
      ]) + '{oops\n',
      /The input held no audience event \(2 events that are not Engage audience events .*, 1 unreadable line\)/
    ]
  ])('exits 4 for %s', async (name, content, explanation) => {
    const result = await runner(['--input', files.write(`${name}.jsonl`, content)])
    expect(result.code).toBe(EXIT_NO_AUDIENCE_EVENTS)
    expect(result.stdout).toMatch(/Result: {6}NO AUDIENCE EVENTS/)
    expect(result.stdout).toMatch(explanation)
    nothingSent()
  })

  it('says to pass --segment-name when events carry no audience key, keeping the runtime reason in --json', async () => {
    const events = audienceMix({ members: 1500 }).events.map((event) => ({
      ...event,
      context: { traits: event.context?.traits }
    }))
    const result = await runner(['--input', files.write('no-key.jsonl', toJsonl(events)), '--json'])
    expect(result.code).toBe(EXIT_NOTHING_UPLOADED)
    const summary = JSON.parse(result.stdout) as SyncSummary
    expect(summary.failures).toEqual([
      {
        code: 'NO_SEGMENT_NAME',
        message: expect.stringMatching(/no Engage audience key .* pass --segment-name\.$/),
        reason: expect.stringContaining("'name'"),
        count: 1500,
        lineNumbers: [1, 2, 3, 4, 5]
      }
    ])
  })

  it('prints the size of the segment a standalone sandbox holds after the sync', async () => {
    const input = files.write('standalone.jsonl', toJsonl(audienceMix({ members: 1550, duplicates: 10 }).events))
    const result = await runner(['--input', input, '--api-url', harness.sandbox.apiBaseUrl], harness.credentials())
    expect(result.code).toBe(EXIT_OK)
    expect(result.stdout).toMatch(/\(created\), now 1,550 people/)
    expect(result.stdout).toContain(`Target:      the TTD sandbox at ${harness.sandbox.apiBaseUrl}, on this machine\n`)
    expect(result.stdout).not.toContain(harness.sandbox.token)
  })
})

describe('input the runner forgives or explains', () => {
  it('syncs a JSON array of events (the body serve takes) and a gzip CSV with an "Email Address" header', async () => {
    const { events, memberEmails } = audienceMix({ members: 1500, tag: 'arr' })
    const array = await runner(['--input', files.write('events.json', JSON.stringify(events))])
    expect(array.code).toBe(EXIT_OK)
    expect(array.stderr).toContain('(a JSON array)')
    expect(harness.sandbox.members(onlySegment().crmDataId)).toEqual(new Set(memberEmails.map(memberKeyOfEmail)))

    const csv = gzipSync(
      ['Name,Email Address', ...memberEmails.map((email, i) => `"Person, ${i}",${email}`)].join('\n')
    )
    const zipped = await runner(['--input', files.write('export.dat', csv), '--segment-name', 'From CSV'])
    expect(zipped.code).toBe(EXIT_OK)
    expect(zipped.stderr).toContain('(CSV, gzip)')
    const segment = harness.sandbox.segments().find((s) => s.segmentName === 'From CSV')
    expect(segment?.memberCount).toBe(1500)
  })

  it.each([
    ['a directory', () => files.dir, /is a directory/],
    [
      'a binary file',
      () => files.write('image.bin', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d])),
      /looks binary/
    ],
    [
      'a CSV without an identifier column',
      () => files.write('cols.csv', 'id,full name\n1,x\n'),
      /Columns found: "id", "full name"/
    ]
  ])('exits 2 with one clear error for %s', async (_name, path, message) => {
    const result = await runner(['--input', path(), '--segment-name', 'x'])
    expect(result.code).toBe(EXIT_USAGE)
    expect(result.stderr).toMatch(message)
    expect(result.stderr.split('\n').filter((line) => !line.startsWith('Syncing'))).toEqual([
      expect.stringMatching(message),
      'Run with --help for usage.',
      ''
    ])
    nothingSent()
  })

  it('refuses a phone-only CSV for EU before syncing anything', async () => {
    const input = files.write('eu-phones.csv', 'phone\n+442079460000\n')
    const result = await runner(['--input', input, '--segment-name', 'x', '--region', 'EU'])
    expect(result.code).toBe(EXIT_USAGE)
    expect(result.stderr).toContain('no phone numbers for EU segments')
    nothingSent()
  })

  it('counts a line over 1 MB as unreadable with its number and goes on', async () => {
    const events = audienceMix({ members: 1500 }).events
    const huge = JSON.stringify({ type: 'track', padding: 'x'.repeat(1024 * 1024) })
    const input = files.write('huge.jsonl', [huge, ...events.map((event) => JSON.stringify(event))].join('\n'))
    const result = await runner(['--input', input, '--json'])
    const summary = JSON.parse(result.stdout) as SyncSummary
    expect(result.code).toBe(EXIT_UNREADABLE_LINES)
    expect(summary.unreadable).toEqual({
      count: 1,
      lines: 1,
      lineNumbers: [1],
      byReason: [{ code: 'LINE_TOO_LONG', reason: 'longer than 1 MB', count: 1, lines: 1, lineRanges: [[1, 1]] }]
    })
    expect(summary.uploaded).toBe(1500)
  })
})

describe('long runs and Ctrl-C', () => {
  it('on Ctrl-C after a Replace stops after the batch in flight, exits 130 and warns about the segment once', async () => {
    const input = files.write('long.jsonl', toJsonl(audienceMix({ members: 6000 }).events))
    const interrupt = new AbortController()
    const output = captureIo()
    const stderr = output.io.stderr
    const io = {
      ...output.io,
      stderr: {
        write: (text: string) => {
          stderr.write(text)
          if (text.startsWith('batch 1:')) interrupt.abort()
        }
      }
    }
    const code = await runRunner(['--input', input, '--batch-size', '1500'], {}, io, {
      sandbox: harness.sandbox,
      retryDelaysMs: [],
      signal: interrupt.signal
    })
    expect(code).toBe(EXIT_INTERRUPTED)
    expect(harness.sandbox.drops().map((drop) => drop.mergeMode)).toEqual(['Replace'])
    expect(output.stderr()).toContain('Stopping after the batch in flight (Ctrl-C again to stop now).\n')
    expect(output.stdout()).toMatch(/Result: {6}INTERRUPTED\n {2}Interrupted after a Replace: the segment now holds/)
    expect((output.stdout() + output.stderr()).match(/holds only part of the audience/g)).toHaveLength(1)
  })

  it('prints one progress line per batch, with the position in the file, when not on a terminal', async () => {
    const input = files.write('progress.jsonl', toJsonl(audienceMix({ members: 4500 }).events))
    const result = await runner(['--input', input, '--batch-size', '1500'])
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('batch '))
    expect(lines).toHaveLength(3)
    expect(lines[2]).toMatch(
      /^batch 3: 1,500 events, Add, 1,500 uploaded, 0 left out; 4,500 events read, 100% of the file$/
    )
    expect(result.stderr).not.toContain('\r')
  })

  it('folds a short remainder into the last batch rather than sending a batch under the minimum', async () => {
    const input = files.write('fold.jsonl', toJsonl(audienceMix({ members: 3500 }).events))
    const result = await runner(['--input', input, '--batch-size', '1500', '--json'])
    const summary = JSON.parse(result.stdout) as SyncSummary
    expect(result.code).toBe(EXIT_OK)
    expect(summary.batches.map(({ events, folded }) => ({ events, folded }))).toEqual([
      { events: 1500, folded: undefined },
      { events: 2000, folded: 500 }
    ])
    expect(summary.segments[0].size).toBe(3500)
  })

  it('with --keep-sandbox, keeps the sandbox up after the sync and prints its console URL until Ctrl-C', async () => {
    const input = files.write('keep.jsonl', toJsonl(audienceMix({ members: 1500 }).events))
    const interrupt = new AbortController()
    const output = captureIo()
    const running = runRunner(['--input', input, '--keep-sandbox'], {}, output.io, {
      sandbox: harness.sandbox,
      retryDelaysMs: [],
      signal: interrupt.signal
    })
    try {
      // Wait until the runner says where the console is; the sandbox must still answer then.
      await waitUntil(
        'the runner to print "Press Ctrl-C"',
        () => output.stderr().includes('Press Ctrl-C') || undefined,
        {
          describe: () => output.stderr()
        }
      )
      expect(output.stderr()).toContain(`  Console:        ${harness.sandbox.origin}/\n`)
      expect(output.stderr()).toContain(
        `  Sync into it:   TTD_AUTH_TOKEN=${harness.sandbox.token} TTD_ADVERTISER_ID=${harness.sandbox.advertiserId} npm start -- ` +
          `--api-url ${harness.sandbox.apiBaseUrl}\n`
      )
      expect((await segmentSizes(harness.sandbox.origin, harness.sandbox.advertiserId))?.size).toBe(1)
    } finally {
      interrupt.abort()
    }
    expect(await running).toBe(EXIT_OK)
  })
})
