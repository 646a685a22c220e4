import {
  DEFAULT_BATCH_SIZE,
  MIN_BATCH_SIZE,
  PII_TYPES,
  REGIONS,
  type PiiType,
  type Region
} from '../destinations/the-trade-desk-crm/constants'
import { isAbsolute, resolve } from 'node:path'
import { isEmailType } from '../destinations/the-trade-desk-crm/pii'
import { ADVERTISER_ENV, TOKEN_ENV } from '../cli/command-line'
import { parseOptions } from '../cli/parse-options'
import { UsageError } from '../cli/usage-error'
import { isLoopbackHost } from '../destinations/the-trade-desk-crm/loopback'
import type { ColumnChoice } from './csv-input'
import { DELIMITERS } from './csv-input'
import { encodingNamed, ENCODING_NAMES, type Encoding } from './encoding'
import { EXAMPLE_BATCH_SIZE, EXAMPLE_INPUT } from './example'
import { INPUT_FORMATS, type InputFormat } from './input'
import { MAX_LINE_BYTES, STDIN } from './input-file'

/** One batch is held in memory at a time; this keeps a typo from asking for gigabytes. */
export const MAX_BATCH_SIZE = 1_000_000

export { ADVERTISER_ENV, TOKEN_ENV } from '../cli/command-line'

export { UsageError }

/** The name the runner goes by on the command line (package.json's bin). */
export const COMMAND_NAME = 'ttd-crm-sync'

/** Where the sync goes: the sandbox embedded in the process, or a real TTD API with credentials from the env. */
export type ApiTarget = { kind: 'sandbox' } | { kind: 'real'; apiBaseUrl: string; token: string; advertiserId: string }

export interface RunnerOptions {
  /** An absolute path (relative ones resolved against INIT_CWD, else the current directory), or "-" for stdin. */
  input: string
  /** Unset means "decide from the content" (and the extension). */
  format?: InputFormat
  /** Unset means "decide from the content": a byte order mark, valid UTF-8, else a guess said as such. */
  encoding?: Encoding
  /** CSV only; unset means "decide from the header line". */
  delimiter?: string
  /** CSV columns chosen by name: --email-column, --phone-column, --country-column. */
  columns: ColumnChoice
  /** --default-country, as typed (alpha-2 or alpha-3): checked against the country table when it is loaded. */
  defaultCountry?: string
  /** --rejects: an absolute path. */
  rejects?: string
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
  /** --add: every upload adds to the segment (`Add`); none replaces it. */
  add: boolean
  /**
   * --dry-run: read, check and plan the whole sync against a copy of the target's segment list, and report what it
   * would do; nothing is created, dropped or uploaded at the target.
   */
  dryRun: boolean
}

/** Modes that only talk to the target: they read no input and sync nothing. */
export type CheckMode = 'check' | 'list-segments'

export type ParsedArgs =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: CheckMode; api: ApiTarget; json: boolean }
  | { kind: 'run'; options: RunnerOptions }

export const USAGE = `Usage: npm start -- [options]     (or ${COMMAND_NAME} [options], see README)

Syncs an audience file to a CRM Data Segment of The Trade Desk through the destination's real runtime
(actions-core), batch by batch: the first upload of the sync replaces the segment, later ones add to it
(with --add, every upload adds); --dry-run shows what a sync would do without changing anything.
Without --api-url it runs against a TTD sandbox embedded in this process, discarded at exit; without
--input it syncs the bundled example audience (${EXAMPLE_INPUT.relative}). The credentials are checked
before any input is read.

Input:
  --input <file>          Segment events (Engage "Audience Entered"/"Audience Exited" track events), one JSON
                          object per line or a JSON array of them; or a CSV whose header names an email
                          and/or phone column ("email", "Email Address", "phone_number", ...: each row
                          becomes an "Audience Entered" event; needs --segment-name). "-" reads standard
                          input. A relative path is taken from the folder npm was run in. gzip-compressed
                          input is read as is. Lines (and CSV records, array elements) longer than
                          ${MAX_LINE_BYTES / (1024 * 1024)} MB are counted unreadable and skipped
  --format <format>       ${INPUT_FORMATS.join(' | ')} (default: from the content: "[" a JSON array,
                          "{" JSON lines, other text CSV)
  --encoding <name>       utf-8, utf-16le, utf-16be (utf-16: the byte order mark decides), windows-1252 or
                          latin1 (default: a byte order mark, else UTF-8 when valid, else Windows-1252, said so)
  --delimiter <d>         CSV: ${DELIMITERS.map((d) => d.name).join(', ')}, or the character itself (default: from the
                          header line)
  --email-column <name>   CSV: the column holding emails (default: a usual name, e.g. "Email Address")
  --phone-column <name>   CSV: the column holding phone numbers (default: a usual name, e.g. "Mobile")
  --default-country <cc>  phone numbers written without their country code (no leading +) are read as
                          numbers of this country (ISO 3166 alpha-2, e.g. US, FR) and sent in E.164
  --country-column <name> CSV: each row's country for its phone number (alpha-2 or alpha-3, e.g. FR or
                          FRA); rows without one use --default-country
  --rejects <file>        write every line left out for a fault as CSV: line, code, reason (never values)

Sync:
  --segment-name <name>   name of the TTD segment (default: each event's Engage audience key)
  --add                   add the people to the segment: every upload is an Add, none a Replace, so
                          everyone already in the segment stays (a segment that does not exist is created)
  --dry-run               read and check the input and find the segment (creating nothing), then print
                          what a sync would do: segment found or to be created, Replace or Add, counts by
                          outcome, exit code. Nothing is created, dropped or uploaded at the target
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
  --keep-sandbox          after the sync, keep the embedded sandbox running and print its console's
                          URL, its token and the runner command that syncs into it, until Ctrl-C

Other:
  --check                 check the credentials against the target (the connection test) and exit
  --list-segments         list the advertiser's CRM Data Segments at the target and exit
  --json                  print one JSON object on stdout for every outcome, errors included (progress
                          still goes to stderr)
  --version               print the version
  -h, --help              print this text

Exit codes:
  0    synced (events with invalid identifiers are reported but not fatal); --check: connected
  1    a batch failed, or events failed for another reason (too few distinct people, TTD refused)
  2    wrong usage, missing credentials, or an input that cannot be read as events
  3    nothing uploaded: the input held audience events, but none reached The Trade Desk (for example
       every identifier invalid for --pii-type, or everyone left the audience)
  4    no audience event in the input (empty, or no Engage Audience Entered/Exited event)
  5    synced everyone the readable lines named, but some input lines could not be read as events
  6    the connection check failed (token, rights or advertiser refused, or the target unreachable),
       or a dry run could not list the target's segments: nothing was read or sent
  130  interrupted by Ctrl-C (after a Replace, the segment holds part of the audience until the next run)
A dry run exits with the code the sync would have returned.
`

/** The runner's options, as node:util parseArgs takes them. */
const OPTIONS = {
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
  encoding: { type: 'string' },
  delimiter: { type: 'string' },
  'email-column': { type: 'string' },
  'phone-column': { type: 'string' },
  'country-column': { type: 'string' },
  'default-country': { type: 'string' },
  rejects: { type: 'string' },
  add: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  check: { type: 'boolean', default: false },
  'list-segments': { type: 'boolean', default: false },
  version: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false }
} as const

/** Options that concern reading or syncing an input (all but these): --check and --list-segments take none of them. */
const NOT_SYNC_OPTIONS: readonly string[] = ['api-url', 'json', 'check', 'list-segments', 'version', 'help']
const SYNC_OPTIONS = (Object.keys(OPTIONS) as (keyof typeof OPTIONS)[]).filter(
  (name) => !NOT_SYNC_OPTIONS.includes(name)
)

/** Whether the arguments ask for JSON, read before (and whether or not) they parse, so that errors can be JSON too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

/**
 * Pure: turns argv and the environment into runner options, or throws a UsageError saying what is wrong. Relative
 * paths are resolved against INIT_CWD (where `npm start` was run; npm itself runs from the repository's root),
 * else `cwd`.
 */
export function parseRunnerArgs(argv: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): ParsedArgs {
  const values = parseOptions(argv, OPTIONS)
  if (values.help) return { kind: 'help' }
  if (values.version) return { kind: 'version' }
  const base = env.INIT_CWD || cwd
  const path = (text: string) => (text === STDIN || isAbsolute(text) ? text : resolve(base, text))

  if (values.check || values['list-segments']) {
    const mode = values.check ? '--check' : '--list-segments'
    if (values.check && values['list-segments']) throw new UsageError('Give --check or --list-segments, not both.')
    const extra = SYNC_OPTIONS.find((name) => values[name] !== undefined && values[name] !== false)
    if (extra) {
      throw new UsageError(
        `${mode} only talks to the target (--api-url, or the embedded sandbox): leave out --${extra}.`
      )
    }
    const api: ApiTarget = values['api-url'] === undefined ? { kind: 'sandbox' } : realApi(values['api-url'], env)
    return { kind: values.check ? 'check' : 'list-segments', api, json: values.json === true }
  }

  const usingExample = values.input === undefined
  const input = usingExample ? EXAMPLE_INPUT.absolute : path(nonEmpty('--input', values.input))
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
      'The Trade Desk takes no phone numbers for EU segments: use an email --pii-type, or --region US or APAC.',
      'PHONE_IN_EU'
    )
  }
  const encoding = values.encoding === undefined ? undefined : encodingOption(values.encoding)
  const delimiter = values.delimiter === undefined ? undefined : delimiterOption(values.delimiter)
  const columns: ColumnChoice = {}
  if (values['email-column'] !== undefined) columns.email = nonEmpty('--email-column', values['email-column'])
  if (values['phone-column'] !== undefined) columns.phone = nonEmpty('--phone-column', values['phone-column'])
  if (values['country-column'] !== undefined) columns.country = nonEmpty('--country-column', values['country-column'])
  const defaultCountry = values['default-country'] === undefined ? undefined : countryOption(values['default-country'])
  if (piiType !== undefined && isEmailType(piiType) && (defaultCountry || columns.country)) {
    throw new UsageError(
      `${defaultCountry ? '--default-country' : '--country-column'} applies to phone numbers, and --pii-type ` +
        `${piiType} uploads emails: leave it out, or pick a phone --pii-type.`
    )
  }
  const api: ApiTarget = values['api-url'] === undefined ? { kind: 'sandbox' } : realApi(values['api-url'], env)
  if (values['keep-sandbox'] === true && api.kind !== 'sandbox') {
    throw new UsageError('--keep-sandbox keeps the embedded sandbox: it cannot be combined with --api-url.')
  }
  const dryRun = values['dry-run'] === true
  if (dryRun && values['keep-sandbox'] === true) {
    throw new UsageError('--dry-run uploads nothing, so there is no sandbox to keep: leave out --keep-sandbox.')
  }
  // A dry run's copy of the target must not write its windows and segment ids where real syncs read them.
  if (dryRun && values.coordinate !== undefined) {
    throw new UsageError(
      '--dry-run sends nothing, so it has nothing to coordinate, and must not write to the shared Redis: leave out ' +
        '--coordinate.'
    )
  }

  return {
    kind: 'run',
    options: {
      input,
      ...(format ? { format } : {}),
      ...(encoding ? { encoding } : {}),
      ...(delimiter ? { delimiter } : {}),
      columns,
      ...(defaultCountry ? { defaultCountry } : {}),
      ...(values.rejects === undefined ? {} : { rejects: path(nonEmpty('--rejects', values.rejects)) }),
      usingExample,
      segmentName,
      audienceName,
      region,
      piiType,
      batchSize: batchSize(values['batch-size'], usingExample ? EXAMPLE_BATCH_SIZE : DEFAULT_BATCH_SIZE),
      api,
      json: values.json === true,
      keepSandbox: values['keep-sandbox'] === true,
      coordinate: values.coordinate === undefined ? undefined : redisUrl(values.coordinate),
      add: values.add === true,
      dryRun
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

function encodingOption(text: string): Encoding {
  const encoding = encodingNamed(text)
  if (!encoding) throw new UsageError(`--encoding must be one of ${ENCODING_NAMES}.`)
  return encoding
}

/** A delimiter by name (tab is hard to type) or as the character itself, `\t` included. */
function delimiterOption(text: string): string {
  const wanted = text === '\\t' ? '\t' : text.length === 1 ? text : text.trim().toLowerCase()
  const match = DELIMITERS.find((d) => d.name === wanted || d.char === wanted)
  if (!match) {
    throw new UsageError(
      `--delimiter must be one of ${DELIMITERS.map((d) => d.name).join(', ')} (or the character itself).`
    )
  }
  return match.char
}

/** Two or three letters (ISO 3166 alpha-2 or alpha-3); whether it is a country is checked once the table is loaded. */
function countryOption(text: string): string {
  const code = text.trim().toUpperCase()
  if (!/^[A-Z]{2,3}$/.test(code)) {
    throw new UsageError('--default-country must be an ISO 3166 country code, e.g. US, FR or GB.')
  }
  return code
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
        '(they are never read from options, which other users can see in the process list).',
      'MISSING_CREDENTIALS'
    )
  }
  return { kind: 'real', apiBaseUrl: url.toString().replace(/\/+$/, ''), token, advertiserId }
}
