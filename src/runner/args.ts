import {
  DEFAULT_BATCH_SIZE,
  MIN_BATCH_SIZE,
  PII_TYPES,
  REGIONS,
  type PiiType,
  type Region
} from '../destinations/the-trade-desk-crm/constants'
import { isEmailType } from '../destinations/the-trade-desk-crm/pii'
import { parseOptions } from '../cli/parse-options'
import { UsageError } from '../cli/usage-error'
import { isLoopbackHost } from '../destinations/the-trade-desk-crm/loopback'
import { ADVERTISER_ENV, TOKEN_ENV } from './env-names'
import { EXAMPLE_BATCH_SIZE, EXAMPLE_INPUT } from './example'
import { INPUT_FORMATS, type InputFormat } from './input'
import { MAX_LINE_BYTES } from './input-file'

/** One batch is held in memory at a time; this keeps a typo from asking for gigabytes. */
export const MAX_BATCH_SIZE = 1_000_000

export { ADVERTISER_ENV, TOKEN_ENV } from './env-names'

export { UsageError }

/** Where the sync goes: the sandbox embedded in the process, or a real TTD API with credentials from the env. */
export type ApiTarget = { kind: 'sandbox' } | { kind: 'real'; apiBaseUrl: string; token: string; advertiserId: string }

export interface RunnerOptions {
  input: string
  /** Unset means "decide from the content" (and the extension). */
  format?: InputFormat
  /** True when no --input was given and the bundled example audience is synced. */
  usingExample: boolean
  /** A fixed segment name; without it each event's Engage audience key names the segment. */
  segmentName?: string
  /** Engage's native flow: createAudience with this name first, then every event carries its CrmDataId. */
  audienceName?: string
  region: Region
  /** Unset means "decide from the input": phone for a CSV with only a phone column, email otherwise. */
  piiType?: PiiType
  batchSize: number
  api: ApiTarget
  json: boolean
  /** Keep the embedded sandbox (and its console) running after the sync, until Ctrl-C. */
  keepSandbox: boolean
  /** redis:// URL of the cache that coordinates several runner processes syncing into one segment. */
  coordinate?: string
}

export type ParsedArgs = { kind: 'help' } | { kind: 'run'; options: RunnerOptions }

export const USAGE = `Usage: npm start -- [options]

Syncs an audience file to a CRM Data Segment of The Trade Desk through the destination's real runtime
(actions-core), batch by batch: the first upload of the sync replaces the segment, later ones add to it.
Without --api-url it runs against a TTD sandbox embedded in this process; without --input it syncs the
bundled example audience (${EXAMPLE_INPUT.relative}).

Options:
  --input <file>          Segment events (Engage "Audience Entered"/"Audience Exited" track events), one JSON
                          object per line or a JSON array of them; or a CSV whose header names an email
                          and/or phone column ("email", "Email Address", "phone_number", ...: each row
                          becomes an "Audience Entered" event; needs --segment-name). gzip-compressed
                          input is read as is. Lines (and CSV records, array elements) longer than
                          ${MAX_LINE_BYTES / (1024 * 1024)} MB are counted unreadable and skipped
  --format <format>       ${INPUT_FORMATS.join(' | ')} (default: from the content: "[" a JSON array,
                          "{" JSON lines, other text CSV)
  --segment-name <name>   name of the TTD segment (default: each event's Engage audience key)
  --audience-name <name>  Engage's native audience flow: call the destination's createAudience for this name
                          (in --region) first, then stamp the CrmDataId it returns on every event as
                          context.personas.external_audience_id, as Engage does (not with --segment-name)
  --region <region>       ${REGIONS.join(' | ')} (default US)
  --pii-type <type>       ${PII_TYPES.join(' | ')}
                          (default EmailHashedUnifiedId2; PhoneNumberHashedUnifiedId2 for a CSV with
                          only a phone column)
  --batch-size <n>        events per batch, ${MIN_BATCH_SIZE} to ${MAX_BATCH_SIZE} (default ${DEFAULT_BATCH_SIZE}, the
                          destination's default; ${EXAMPLE_BATCH_SIZE} for the bundled example, to show several batches)
  --api-url <url>         base URL of a real TTD API, e.g. https://api.thetradedesk.com/v3, instead of the
                          embedded sandbox. The token and advertiser then come from the environment
                          variables ${TOKEN_ENV} and ${ADVERTISER_ENV} (never from options: they would
                          show in the process list)
  --coordinate <url>      redis://HOST:PORT of a Redis server shared by several runner processes (on this
                          machine or others) that each sync a slice of one audience into one segment at the
                          same time: they create the segment once and replace it once, as Segment's machines
                          do through its cache. An unreachable Redis stops the run before any upload (exit 2)
  --json                  print the summary as JSON on stdout (progress still goes to stderr)
  --keep-sandbox          after the sync, keep the embedded sandbox running and print its console's
                          URL, until Ctrl-C
  -h, --help              print this text

Exit codes:
  0    synced (events with invalid identifiers are reported but not fatal)
  1    a batch failed, or events failed for another reason (too few distinct people, TTD refused,
       unreadable input lines)
  2    wrong usage, missing credentials, or an input file that cannot be read as events
  3    nothing uploaded: the input held audience events, but none reached The Trade Desk (for example
       every identifier invalid for --pii-type, or everyone left the audience)
  4    no audience event in the input (empty, or no Engage Audience Entered/Exited event)
  130  interrupted by Ctrl-C (after a Replace, the segment holds part of the audience until the next run)
`

/** Pure: turns argv and the environment into runner options, or throws a UsageError saying what is wrong. */
export function parseRunnerArgs(argv: string[], env: NodeJS.ProcessEnv): ParsedArgs {
  const values = parseOptions(argv, {
    input: { type: 'string' },
    'segment-name': { type: 'string' },
    region: { type: 'string' },
    'pii-type': { type: 'string' },
    'batch-size': { type: 'string' },
    'api-url': { type: 'string' },
    'audience-name': { type: 'string' },
    coordinate: { type: 'string' },
    json: { type: 'boolean', default: false },
    format: { type: 'string' },
    'keep-sandbox': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false }
  })
  if (values.help) return { kind: 'help' }

  const usingExample = values.input === undefined
  const input = usingExample ? EXAMPLE_INPUT.absolute : nonEmpty('--input', values.input)
  const format = values.format === undefined ? undefined : oneOf('--format', values.format, INPUT_FORMATS)
  const segmentName =
    values['segment-name'] === undefined ? undefined : nonEmpty('--segment-name', values['segment-name'])
  const audienceName =
    values['audience-name'] === undefined ? undefined : nonEmpty('--audience-name', values['audience-name'])
  if (audienceName !== undefined && segmentName !== undefined) {
    throw new UsageError('--audience-name names the segment itself: leave out --segment-name.')
  }
  const region = oneOf('--region', values.region ?? 'US', REGIONS)
  const piiType = values['pii-type'] === undefined ? undefined : oneOf('--pii-type', values['pii-type'], PII_TYPES)
  // Known before a byte of input is read: the destination would refuse every event.
  if (piiType !== undefined && region === 'EU' && !isEmailType(piiType)) {
    throw new UsageError(
      'The Trade Desk takes no phone numbers for EU segments: use an email --pii-type, or --region US or APAC.'
    )
  }
  const api: ApiTarget = values['api-url'] === undefined ? { kind: 'sandbox' } : realApi(values['api-url'], env)
  if (values['keep-sandbox'] === true && api.kind !== 'sandbox') {
    throw new UsageError('--keep-sandbox keeps the embedded sandbox: it cannot be combined with --api-url.')
  }

  return {
    kind: 'run',
    options: {
      input,
      ...(format ? { format } : {}),
      usingExample,
      segmentName,
      audienceName,
      region,
      piiType,
      batchSize: batchSize(values['batch-size'], usingExample ? EXAMPLE_BATCH_SIZE : DEFAULT_BATCH_SIZE),
      api,
      json: values.json === true,
      keepSandbox: values['keep-sandbox'] === true,
      coordinate: values.coordinate === undefined ? undefined : redisUrl(values.coordinate)
    }
  }
}

function nonEmpty(option: string, value: string | undefined): string {
  const trimmed = (value ?? '').trim()
  if (trimmed === '') throw new UsageError(`${option} needs a non-empty value.`)
  return trimmed
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  const match = allowed.find((candidate) => candidate.toLowerCase() === value.trim().toLowerCase())
  if (!match) throw new UsageError(`${option} must be one of ${allowed.join(', ')}.`)
  return match
}

function batchSize(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!/^\d+$/.test(text.trim()) || value < MIN_BATCH_SIZE || value > MAX_BATCH_SIZE) {
    throw new UsageError(
      `--batch-size must be a whole number from ${MIN_BATCH_SIZE} (the fewest people The Trade Desk accepts in an ` +
        `upload) to ${MAX_BATCH_SIZE}.`
    )
  }
  return value
}

function redisUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new UsageError('--coordinate must be a Redis URL, e.g. redis://127.0.0.1:6379.')
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new UsageError('--coordinate must be a Redis URL, e.g. redis://127.0.0.1:6379.')
  }
  return url.toString()
}

/** Plain http to this machine: the only place a sandbox's http drop URLs may come from. */
export function isLoopbackHttp(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' && isLoopbackHost(parsed)
  } catch {
    return false
  }
}

function realApi(urlText: string, env: NodeJS.ProcessEnv): ApiTarget {
  let url: URL
  try {
    url = new URL(urlText)
  } catch {
    throw new UsageError('--api-url must be an absolute URL, e.g. https://api.thetradedesk.com/v3.')
  }
  const loopback = isLoopbackHost(url)
  // The token travels in a header: plain http is acceptable only to this machine.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new UsageError('--api-url must use https (plain http only to localhost).')
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new UsageError('--api-url must be a plain base URL, without credentials, query or fragment.')
  }
  const token = (env[TOKEN_ENV] ?? '').trim()
  const advertiserId = (env[ADVERTISER_ENV] ?? '').trim()
  const missing = [token ? '' : TOKEN_ENV, advertiserId ? '' : ADVERTISER_ENV].filter(Boolean)
  if (missing.length > 0) {
    throw new UsageError(
      `--api-url needs the credentials in the environment: set ${missing.join(' and ')} ` +
        '(they are never read from options, which other users can see in the process list).'
    )
  }
  return { kind: 'real', apiBaseUrl: url.toString().replace(/\/+$/, ''), token, advertiserId }
}
