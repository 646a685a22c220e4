import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { defaultValues, type JSONObject } from '@segment/actions-core'
import { runnerCommandFor, ADVERTISER_ENV, TOKEN_ENV } from '../cli/command-line'
import { createTheTradeDeskCrm } from '../destinations/the-trade-desk-crm'
import type { PiiType } from '../destinations/the-trade-desk-crm/constants'
import { isLoopbackHost } from '../destinations/the-trade-desk-crm/loopback'
import { isEmailType } from '../destinations/the-trade-desk-crm/pii'
import { startSandbox, type Sandbox } from '../sandbox'
import { CoordinationUnavailableError, RedisEngageCache } from '../local-runtime/redis-engage-cache'
import {
  COMMAND_NAME,
  isLoopbackHttp,
  parseRunnerArgs,
  UsageError,
  USAGE,
  wantsJson,
  type ApiTarget,
  type CheckMode,
  type RunnerOptions
} from './args'
import { checkConnection, listSegments, type TargetAccount } from './connection'
import { copyTarget, describeDryRunSegments, type CopyProblem } from './dry-run'
import { EXAMPLE_INPUT } from './example'
import { ensureExampleAudience } from './example-audience'
import { InputError, inspectInput, readBatches, type InputBatch, type InputShape, type PhoneCountries } from './input'
import { InputFile, STDIN } from './input-file'
import {
  count,
  formatCount,
  formatSeconds,
  runnerReason,
  retryNote,
  type CheckWording,
  type ConnectionProblem,
  type Target
} from './messages'
import { StateContextStore } from '../local-runtime/state-context-store'
import { asNativeAudience, createNativeAudience, type NativeAudience } from './native-audience'
import { loadNationalPhones } from './phone-country'
import { ProgressDisplay } from './progress'
import { RejectsFile } from './rejects'
import { sandboxSizes, segmentSizes } from './segment-sizes'
import {
  describeTarget,
  formatSummaryJson,
  formatSummaryText,
  type RunReport,
  type TargetSummary,
  type Warning
} from './summary'
import { runSync, type SyncSummary } from './run-sync'
import { API_TIMEOUT_MS } from '../destinations/the-trade-desk-crm/constants'

export interface RunnerIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  /** What `--input -` reads; process.stdin when not given. */
  stdin?: Readable & { isTTY?: boolean }
}

export interface RunnerDeps {
  /** Use this running sandbox instead of starting one (tests inspect it afterwards); it is left open. */
  sandbox?: Sandbox
  retryDelaysMs?: number[]
  /**
   * Ctrl-C: when aborted the sync stops after the batch in flight and exits 130; with --keep-sandbox it
   * also ends the wait after the sync.
   */
  signal?: AbortSignal
  /** Filled while the sync runs, so that a second Ctrl-C (which does not wait) can still warn. */
  status?: RunStatus
  /** Where relative paths start when INIT_CWD is not set (default: the process's current directory). */
  cwd?: string
  /** How long each call to the target's API may take (default: the destination's); tests of a silent server shorten it. */
  apiTimeoutMs?: number
}

export interface RunStatus {
  /** A Replace succeeded: stopping now leaves the segment holding part of the audience. */
  replaced: boolean
}

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2
export const EXIT_NOTHING_UPLOADED = 3
export const EXIT_NO_AUDIENCE_EVENTS = 4
export const EXIT_UNREADABLE_LINES = 5
export const EXIT_NOT_CONNECTED = 6
export const EXIT_INTERRUPTED = 130

const EXIT_CODES: Record<SyncSummary['result'], number> = {
  ok: EXIT_OK,
  failed: EXIT_FAILED,
  'nothing-uploaded': EXIT_NOTHING_UPLOADED,
  'no-audience-events': EXIT_NO_AUDIENCE_EVENTS,
  'unreadable-lines': EXIT_UNREADABLE_LINES,
  interrupted: EXIT_INTERRUPTED
}

/** The warning for a sync stopped after its Replace: what the segment holds and what mends it. */
export const PARTIAL_SEGMENT_WARNING =
  'Warning: the sync was stopped after its first upload replaced the segment, so the segment now holds only ' +
  'part of the audience. The next full run replaces it again with the whole audience.'

/**
 * What --json prints for every outcome that is not a sync summary (errors, --check, --list-segments, --version,
 * --help): `result` is the outcome's stable name, `exitCode` the process's, `error.code` the stable cause.
 */
export type Outcome = {
  result: string
  ok: boolean
  exitCode: number
  error?: { code: string; message: string; reason?: string }
} & Record<string, unknown>

/** The whole `npm start` command, minus process globals: returns the exit code. */
export async function runRunner(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: RunnerIo,
  deps: RunnerDeps = {}
): Promise<number> {
  const out = new Output(io, wantsJson(argv))
  let parsed
  try {
    parsed = parseRunnerArgs(argv, env, deps.cwd)
  } catch (error) {
    if (error instanceof UsageError) return out.usageError(error)
    throw error
  }
  switch (parsed.kind) {
    case 'help':
      return out.outcome({ result: 'help', ok: true, exitCode: EXIT_OK, usage: USAGE }, USAGE)
    case 'version': {
      const version = packageVersion()
      return out.outcome({ result: 'version', ok: true, exitCode: EXIT_OK, version }, `${COMMAND_NAME} ${version}\n`)
    }
    case 'check':
    case 'list-segments':
      return runCheck(parsed.kind, parsed.api, out, deps)
    case 'run':
      return runSyncCommand(parsed.options, env, io, out, deps)
  }
}

/** Where output goes: text for a person, or one JSON object on stdout for every outcome with --json. */
class Output {
  constructor(
    readonly io: RunnerIo,
    readonly json: boolean
  ) {}

  outcome(outcome: Outcome, text: string, stream: 'stdout' | 'stderr' = 'stdout'): number {
    if (this.json) this.io.stdout.write(JSON.stringify(outcome, null, 2) + '\n')
    else this.io[stream].write(text)
    return outcome.exitCode
  }

  usageError(error: UsageError): number {
    return this.failure('usage-error', error.code, error.message, EXIT_USAGE, '\nRun with --help for usage.')
  }

  inputError(error: InputError): number {
    return this.failure('input-error', error.code, error.message, EXIT_USAGE, '\nRun with --help for usage.')
  }

  failure(result: string, code: string, message: string, exitCode: number, textTail = ''): number {
    return this.outcome({ result, ok: false, exitCode, error: { code, message } }, `${message}${textTail}\n`, 'stderr')
  }

  /** A line for the person watching (stderr): progress, warnings, hand-offs. Never on stdout, which may be JSON. */
  note(text: string): void {
    this.io.stderr.write(text.endsWith('\n') ? text : text + '\n')
  }
}

/** The package's version, read from package.json beside src/ or dist-tools/ (both two levels up). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
  return manifest.version
}

/** A sync's target: where requests go, with which credentials, and how the summary names it. */
interface Connection {
  apiBaseUrl: string
  token: string
  advertiserId: string
  summary: TargetSummary
  /** Whose words messages use: the embedded sandbox's, or credentials given through the environment. */
  target: Target
  /** The sandbox this run started (closed at the end), if any. */
  ownSandbox?: Sandbox
  sandbox?: Sandbox
  apiTimeoutMs: number
}

async function connect(api: ApiTarget, deps: RunnerDeps, keep: boolean): Promise<Connection> {
  const apiTimeoutMs = deps.apiTimeoutMs ?? API_TIMEOUT_MS
  if (api.kind === 'real') {
    const local = isLoopbackHost(new URL(api.apiBaseUrl))
    return {
      apiBaseUrl: api.apiBaseUrl,
      token: api.token,
      advertiserId: api.advertiserId,
      summary: { kind: local ? 'standalone-sandbox' : 'the-trade-desk', apiBaseUrl: api.apiBaseUrl },
      target: 'real',
      apiTimeoutMs
    }
  }
  const sandbox = deps.sandbox ?? (await startSandbox())
  return {
    apiBaseUrl: sandbox.apiBaseUrl,
    token: sandbox.token,
    advertiserId: sandbox.advertiserId,
    summary: { kind: 'embedded-sandbox', apiBaseUrl: sandbox.apiBaseUrl, kept: keep },
    target: 'sandbox',
    sandbox,
    ...(deps.sandbox ? {} : { ownSandbox: sandbox }),
    apiTimeoutMs
  }
}

/**
 * A dry run's stand-in for the target: the run's own sandbox holding a copy of the target's segments, spoken of as
 * the target (its summary and whose credentials), and closed at the end.
 */
function toCopy(connection: Connection, copy: Sandbox): Connection {
  return {
    ...connection,
    apiBaseUrl: copy.apiBaseUrl,
    token: copy.token,
    sandbox: copy
  }
}

/** The destination for this run: --add is its factory's addOnly, never a field a Segment customer could set. */
function definitionFor(connection: Connection, add = false) {
  return createTheTradeDeskCrm({
    apiBaseUrl: connection.apiBaseUrl,
    // Plain-http drop URLs are acceptable only from a sandbox: the one this process runs, or one on this
    // machine that --api-url itself reaches over plain http.
    allowLoopbackHttpDrops: connection.sandbox !== undefined || isLoopbackHttp(connection.apiBaseUrl),
    apiTimeoutMs: connection.apiTimeoutMs,
    addOnly: add
  })
}

function accountOf(connection: Connection): TargetAccount {
  return {
    apiBaseUrl: connection.apiBaseUrl,
    token: connection.token,
    advertiserId: connection.advertiserId,
    apiTimeoutMs: connection.apiTimeoutMs
  }
}

function settingsFor(connection: Connection): JSONObject {
  return {
    auth_token: connection.token,
    advertiser_id: connection.advertiserId,
    __segment_internal_engage_force_full_sync: true,
    __segment_internal_engage_batch_sync: true
  }
}

/** The target in a sentence about a call to it: "The Trade Desk at https://…", "the TTD sandbox at http://…". */
function whereOf(connection: Connection): string {
  const { kind, apiBaseUrl } = connection.summary
  if (kind === 'embedded-sandbox') return 'the embedded sandbox'
  return kind === 'standalone-sandbox' ? `the TTD sandbox at ${apiBaseUrl}` : describeTarget(connection.summary)
}

/**
 * The connection check, said before it starts when the target is across a network (a silent server makes it wait
 * the call's whole timeout), and read for what went wrong when it fails.
 */
async function check(connection: Connection, out: Output): Promise<ConnectionProblem | undefined> {
  const wording: CheckWording = {
    target: connection.target,
    where: whereOf(connection),
    advertiserId: connection.advertiserId,
    timeoutMs: connection.apiTimeoutMs
  }
  if (connection.summary.kind !== 'embedded-sandbox') {
    out.note(
      `Checking the credentials with ${wording.where} (waiting at most ${formatSeconds(connection.apiTimeoutMs)} ` +
        'for its answer)…'
    )
  }
  return checkConnection(accountOf(connection), wording)
}

/** The connection check failed (or, for a dry run, the listing of the target's segments): nothing was read or sent. */
function notConnected(out: Output, problem: ConnectionProblem | CopyProblem, target: TargetSummary): number {
  return out.outcome(
    {
      result: 'connection-failed',
      ok: false,
      exitCode: EXIT_NOT_CONNECTED,
      target,
      error: { code: problem.code, message: problem.message, reason: problem.reason }
    },
    `${problem.message}\n`,
    'stderr'
  )
}

/** --check and --list-segments: the connection test, then (for the list) the Segment Name picker. */
async function runCheck(mode: CheckMode, api: ApiTarget, out: Output, deps: RunnerDeps): Promise<number> {
  const connection = await connect(api, deps, false)
  try {
    const definition = definitionFor(connection)
    const settings = settingsFor(connection)
    const problem = await check(connection, out)
    if (problem) return notConnected(out, problem, connection.summary)
    const where = describeTarget(connection.summary)
    if (mode === 'check') {
      return out.outcome(
        {
          result: 'connected',
          ok: true,
          exitCode: EXIT_OK,
          target: connection.summary,
          advertiserId: connection.advertiserId
        },
        `Connected: ${where} accepts the token for advertiser "${connection.advertiserId}".\n`
      )
    }
    const listed = await listSegments(definition, settings)
    if ('error' in listed) {
      return out.failure(
        'connection-failed',
        'LISTING_FAILED',
        `Listing the segments at ${where} failed: ${runnerReason(listed.error, [connection.token])}`,
        EXIT_NOT_CONNECTED
      )
    }
    const text =
      `${count(listed.segments.length, 'CRM Data Segment')} of advertiser "${connection.advertiserId}" at ${where}` +
      (listed.segments.length > 0 ? ':\n' : '.\n') +
      listed.segments.map((segment) => `  ${segment.label}\n`).join('')
    return out.outcome(
      {
        result: 'segments',
        ok: true,
        exitCode: EXIT_OK,
        target: connection.summary,
        advertiserId: connection.advertiserId,
        segments: listed.segments
      },
      text
    )
  } finally {
    await connection.ownSandbox?.close()
  }
}

/** The TTD credentials in the environment, without --api-url: not used, which a person must be told. */
function unusedCredentials(env: NodeJS.ProcessEnv): Warning | undefined {
  const set = [TOKEN_ENV, ADVERTISER_ENV].filter((name) => (env[name] ?? '').trim() !== '')
  if (set.length === 0) return undefined
  return {
    code: 'CREDENTIALS_NOT_USED',
    message:
      `${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set but not used: without --api-url the runner ` +
      'syncs to its embedded sandbox, which is discarded at exit. To sync to The Trade Desk, add ' +
      '--api-url https://api.thetradedesk.com/v3.'
  }
}

async function runSyncCommand(
  options: RunnerOptions,
  env: NodeJS.ProcessEnv,
  io: RunnerIo,
  out: Output,
  deps: RunnerDeps
): Promise<number> {
  const warnings: Warning[] = []
  const unused = options.api.kind === 'sandbox' ? unusedCredentials(env) : undefined
  if (unused) {
    warnings.push(unused)
    out.note(`Warning: ${unused.message}`)
  }

  let rejects: RejectsFile | undefined
  let file: InputFile | undefined
  let cache: RedisEngageCache | undefined
  let connection: Connection | undefined
  let copy: Sandbox | undefined
  const status = deps.status ?? { replaced: false }
  const progress = new ProgressDisplay(io.stderr, io.stderr.isTTY === true, options.dryRun)
  try {
    // The example audience is not committed: the first plain `npm start` writes it from its seeded generator.
    if (options.input === EXAMPLE_INPUT.absolute) await ensureExampleAudience()
    rejects = options.rejects === undefined ? undefined : RejectsFile.create(options.rejects)
    // Checks that the file is there; reads nothing yet.
    file = await InputFile.open(options.input, io.stdin)

    if (options.coordinate) {
      try {
        cache = await RedisEngageCache.connect(options.coordinate)
      } catch (error) {
        // Never fall back to an uncoordinated sync: next to other processes it could replace twice.
        if (!(error instanceof CoordinationUnavailableError)) throw error
        return out.failure(
          'coordination-unavailable',
          'COORDINATION_UNAVAILABLE',
          `${error.message}\nNothing was uploaded.`,
          EXIT_USAGE
        )
      }
    }

    connection = await connect(options.api, deps, options.keepSandbox)
    const secrets = [connection.token]

    // The credentials before the input: a wrong token fails at once, not after the first batch was read.
    const problem = await check(connection, out)
    if (problem) return notConnected(out, problem, connection.summary)

    // A dry run syncs to a copy of the target's segments; the target itself is only listed.
    let syncTo = connection
    if (options.dryRun) {
      const copied = await copyTarget(accountOf(connection), options.region, whereOf(connection))
      if ('problem' in copied) return notConnected(out, copied.problem, connection.summary)
      copy = copied.sandbox
      syncTo = toCopy(connection, copy)
    }
    const definition = definitionFor(syncTo, options.add)
    const settings = settingsFor(syncTo)

    if (options.input === STDIN && io.stdin?.isTTY) out.note('Reading events from standard input (end with Ctrl-D).')
    const shape = await inspectInput(file, {
      format: options.format,
      encoding: options.encoding,
      delimiter: options.delimiter,
      columns: options.columns
    })
    const piiType = choosePiiType(options, shape)
    const countries = await phoneCountries(options, shape, piiType)
    if (shape.encoding.note)
      warnings.push({ code: 'ENCODING_GUESSED', message: `The input is ${shape.encoding.note}.` })

    const mapping = buildMapping(definition.actions.syncAudience.fields, options, piiType)
    const plan =
      `${file.label} (${describeShape(shape)}) to ${describeTarget(connection.summary)}, in batches of ` +
      `${formatCount(options.batchSize)} (PII type ${piiType}, region ${options.region}` +
      `${options.add ? ', Add only' : ''})`
    out.note(
      options.dryRun
        ? `Dry run of syncing ${plan}: the target's segments were copied into a sandbox of this run, which gets ` +
            'the uploads; nothing is created, dropped or uploaded at the target'
        : `Syncing ${plan}`
    )
    const onAbort = () => {
      progress.note('Stopping after the batch in flight (Ctrl-C again to stop now).')
    }
    const phones = { present: 0, withoutCountryCode: 0 }
    let batches: AsyncIterable<InputBatch> = countPhones(
      readBatches(
        {
          file,
          shape,
          audienceKey: options.segmentName ?? options.audienceName,
          countries,
          onPosition: (position) => progress.reading(position)
        },
        options.batchSize
      ),
      phones
    )
    let audience: NativeAudience | undefined
    if (options.audienceName !== undefined) {
      audience = await createNativeAudience(definition, settings, options.audienceName, options.region)
      const segment = `CRM Data Segment "${options.audienceName}" in ${options.region}`
      out.note(
        options.dryRun && audience.created
          ? `createAudience: ${segment} would be created; every event would carry its CrmDataId as ` +
              'context.personas.external_audience_id'
          : `createAudience: ${segment} ${audience.created ? 'created' : 'found'}, CrmDataId ${audience.externalId}; ` +
              'every event carries it as context.personas.external_audience_id'
      )
      batches = asNativeAudience(batches, audience.externalId, options.region)
    }
    // Segment sizes before the sync, where the target tells them (a sandbox): the summary says "was N, now M".
    const sizesBefore = await sizesAt(connection)
    deps.signal?.addEventListener('abort', onAbort, { once: true })
    const summary = await runSync({
      definition,
      settings,
      mapping,
      batches,
      state: new StateContextStore(),
      engageDestinationCache: cache,
      onBatchStart: (batch, position) => progress.sending(batch, position),
      onProgress: (batch) => {
        if (batch.mergeModes.includes('Replace') && !options.dryRun) status.replaced = true
        progress.batchDone(batch)
      },
      onRetry: (retry) =>
        progress.note(
          retryNote(
            retry.batch,
            retry.failure,
            retry.events,
            retry.attempt,
            retry.attempts,
            retry.delayMs,
            syncTo.apiTimeoutMs
          )
        ),
      retryDelaysMs: deps.retryDelaysMs,
      secrets,
      // Credentials given through the environment (even to a standalone sandbox) are what a refusal points to.
      target: connection.target,
      add: options.add,
      signal: deps.signal,
      onReject: rejects ? (line, code, reason) => rejects?.add(line, code, reason) : undefined
    })
    deps.signal?.removeEventListener('abort', onAbort)
    progress.stop()
    // The sync itself never creates a native audience's segment: createAudience did, before it.
    for (const segment of summary.segments)
      if (segment.crmDataId === audience?.externalId) segment.created ||= audience.created
    if (copy) {
      describeDryRunSegments(summary, copy, sizesBefore)
      explainDryRun(summary)
    } else {
      describeSegments(summary, sizesBefore, summary.segments.length > 0 ? await sizesAt(connection) : undefined)
    }

    const missingCountry = phonesWithoutCountry(phones, piiType, countries)
    if (missingCountry) warnings.push(missingCountry)
    // Complete on disk before the summary says so (and before --keep-sandbox waits).
    rejects?.close()
    const report: RunReport = {
      ...summary,
      exitCode: EXIT_CODES[summary.result],
      target: connection.summary,
      input: {
        path: options.input,
        format: shape.format,
        gzip: file.gzip,
        encoding: shape.encoding.encoding,
        encodingSource: shape.encoding.source,
        ...(shape.csv ? { delimiter: shape.csv.delimiter } : {})
      },
      warnings,
      dryRun: options.dryRun,
      add: options.add,
      ...(rejects ? { rejects: { path: rejects.path, lines: rejects.lines } } : {})
    }
    io.stdout.write(out.json ? formatSummaryJson(report) + '\n' : formatSummaryText(report))

    if (options.keepSandbox && connection.sandbox && !deps.signal?.aborted) {
      await keepOpen(connection.sandbox, out, deps.signal)
    }
    return report.exitCode
  } catch (error) {
    // The live progress line goes before the message (finally stops it on the early returns).
    progress.stop()
    if (error instanceof UsageError) return out.usageError(error)
    if (error instanceof InputError) return out.inputError(error)
    const secrets = connection ? [connection.token] : []
    const reason = runnerReason(error, secrets)
    const message = `Sync failed: ${reason}`
    return out.failure('failed', 'UNEXPECTED', message, EXIT_FAILED)
  } finally {
    progress.stop()
    rejects?.close()
    file?.close()
    await connection?.ownSandbox?.close()
    await copy?.close()
    await cache?.close()
  }
}

/** People in each segment of the target, when it tells them (a sandbox; The Trade Desk's API does not). */
async function sizesAt(connection: Connection): Promise<Map<string, number> | undefined> {
  if (connection.summary.kind === 'the-trade-desk') return undefined
  if (connection.sandbox) return sandboxSizes(connection.sandbox, connection.advertiserId)
  return segmentSizes(new URL(connection.apiBaseUrl).origin, connection.advertiserId)
}

/** Each segment's size before and after the sync, where the target tells them; one the sync created had nobody. */
function describeSegments(
  summary: SyncSummary,
  before: Map<string, number> | undefined,
  after: Map<string, number> | undefined
): void {
  for (const segment of summary.segments) {
    const id = segment.crmDataId ?? ''
    segment.sizeBefore = segment.created ? 0 : (before?.get(id) ?? null)
    segment.size = after?.get(id) ?? null
  }
}

/** A dry run's result is what the sync would have returned, said as such: nothing was sent. */
function explainDryRun(summary: SyncSummary): void {
  if (summary.result === 'interrupted') {
    summary.explanation = 'The dry run was interrupted: nothing was sent.'
  } else if (summary.explanation) {
    summary.explanation = `Dry run, nothing was sent. A sync would end so: ${summary.explanation}`
  }
}

/** Adds up the phone values of the batches as they pass. */
async function* countPhones(
  batches: AsyncIterable<InputBatch>,
  phones: { present: number; withoutCountryCode: number }
): AsyncGenerator<InputBatch> {
  for await (const batch of batches) {
    phones.present += batch.phones.present
    phones.withoutCountryCode += batch.phones.withoutCountryCode
    yield batch
  }
}

/** A phone sync where most numbers lack their country code, and no country was given to add it. */
function phonesWithoutCountry(
  phones: { present: number; withoutCountryCode: number },
  piiType: PiiType,
  countries: PhoneCountries | undefined
): Warning | undefined {
  if (isEmailType(piiType) || countries || phones.withoutCountryCode * 2 <= phones.present) return undefined
  return {
    code: 'PHONES_WITHOUT_COUNTRY_CODE',
    message:
      `${formatCount(phones.withoutCountryCode)} of ${count(phones.present, 'phone number')} have no country code ` +
      '(no leading +), which The Trade Desk needs. If they are national numbers, pass --default-country (e.g. ' +
      "--default-country US), or --country-column with a CSV column holding each row's country."
  }
}

/** --default-country and --country-column, when given: the phone library, loaded only then. */
async function phoneCountries(
  options: RunnerOptions,
  shape: InputShape,
  piiType: PiiType
): Promise<PhoneCountries | undefined> {
  if (options.defaultCountry === undefined && options.columns.country === undefined) return undefined
  const option = options.defaultCountry === undefined ? '--country-column' : '--default-country'
  if (isEmailType(piiType)) {
    throw new UsageError(
      `${option} applies to phone numbers, and this sync uploads emails (PII type ${piiType}): leave it out, or ` +
        'pick a phone --pii-type.'
    )
  }
  if (options.columns.country !== undefined && shape.format !== 'csv') {
    throw new UsageError('--country-column reads a CSV column; this input is not a CSV.')
  }
  const phones = await loadNationalPhones()
  if (options.defaultCountry === undefined) return { phones }
  const defaultCountry = phones.countryCode(options.defaultCountry)
  if (!defaultCountry) {
    throw new UsageError(
      `--default-country ${options.defaultCountry} is not an ISO 3166 country with a phone numbering plan (e.g. ` +
        'US, FR, GB).'
    )
  }
  return { phones, defaultCountry }
}

/**
 * Waits, with the sandbox serving its console, until Ctrl-C (the signal) ends the run. Says how to use it: its own
 * token (generated by the sandbox, no customer secret) and the runner command that syncs into it.
 */
async function keepOpen(sandbox: Sandbox, out: Output, signal: AbortSignal | undefined): Promise<void> {
  out.note(
    'The embedded sandbox keeps running until Ctrl-C:\n' +
      `  Console:        ${sandbox.origin}/\n` +
      `  API base URL:   ${sandbox.apiBaseUrl}\n` +
      `  TTD-Auth token: ${sandbox.token} (the sandbox's own, not a Trade Desk token)\n` +
      `  Advertiser id:  ${sandbox.advertiserId}\n` +
      `  Sync into it:   ${runnerCommandFor(sandbox.apiBaseUrl, sandbox.token, sandbox.advertiserId)}\n` +
      'Press Ctrl-C to stop it.'
  )
  if (!signal) return
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}

/** The mapping as Segment stores it: every field default, then the runner's choices. */
function buildMapping(
  fields: Parameters<typeof defaultValues>[0],
  options: RunnerOptions,
  piiType: PiiType
): JSONObject {
  const mapping: JSONObject = {
    ...(defaultValues(fields) as JSONObject),
    pii_type: piiType,
    region: options.region,
    batch_size: options.batchSize
  }
  if (options.segmentName !== undefined) mapping.name = options.segmentName
  if (options.audienceName !== undefined) mapping.name = options.audienceName
  return mapping
}

/** The given PII type, checked against a CSV's columns; else the one the input's identifiers call for. */
function choosePiiType(options: RunnerOptions, shape: InputShape): PiiType {
  const columns = shape.csv?.columns
  if (shape.format !== 'csv' || !columns) return options.piiType ?? 'EmailHashedUnifiedId2'
  if (options.segmentName === undefined && options.audienceName === undefined) {
    throw new UsageError('A CSV input has no Engage audience key to name the segment after: give --segment-name.')
  }
  const piiType =
    options.piiType ?? (columns.email === undefined ? 'PhoneNumberHashedUnifiedId2' : 'EmailHashedUnifiedId2')
  const needed = isEmailType(piiType) ? 'an email' : 'a phone'
  if (columns[isEmailType(piiType) ? 'email' : 'phone'] === undefined) {
    const option = isEmailType(piiType) ? '--email-column' : '--phone-column'
    throw new InputError(
      `--pii-type ${piiType} needs ${needed} column, which the CSV header does not have (choose one with ${option}).`,
      'CSV_NO_IDENTIFIER_COLUMN'
    )
  }
  if (options.region === 'EU' && !isEmailType(piiType)) {
    throw new UsageError(
      'The CSV has only a phone column, and The Trade Desk takes no phone numbers for EU segments: use ' +
        '--region US or APAC, or a CSV with an email column.',
      'PHONE_IN_EU'
    )
  }
  return piiType
}

function describeShape(shape: InputShape): string {
  if (shape.empty) return 'empty'
  const parts = [{ jsonl: 'JSON lines', json: 'a JSON array', csv: 'CSV' }[shape.format]]
  if (shape.csv && shape.csv.delimiter !== ',') parts[0] += ` separated by ${delimiterName(shape.csv.delimiter)}`
  if (shape.gzip) parts.push('gzip')
  if (shape.encoding.encoding !== 'utf-8') parts.push(`${shape.encoding.encoding} (${shape.encoding.source})`)
  return parts.join(', ')
}

function delimiterName(char: string): string {
  return { ';': 'semicolons', '\t': 'tabs', '|': 'pipes' }[char] ?? JSON.stringify(char)
}
