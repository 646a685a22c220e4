import { defaultValues, type JSONObject } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../destinations/the-trade-desk-crm'
import type { PiiType } from '../destinations/the-trade-desk-crm/constants'
import { isEmailType } from '../destinations/the-trade-desk-crm/pii'
import { redactSecrets } from '../destinations/the-trade-desk-crm/redact'
import { startSandbox, type Sandbox } from '../sandbox'
import { CoordinationUnavailableError, RedisEngageCache } from '../local-runtime/redis-engage-cache'
import { isLoopbackHttp, parseRunnerArgs, UsageError, USAGE, type RunnerOptions } from './args'
import { EXAMPLE_INPUT } from './example'
import { ensureExampleAudience } from './example-audience'
import { InputError, inspectInput, readBatches, type InputShape } from './input'
import { StateContextStore } from '../local-runtime/state-context-store'
import { asNativeAudience, createNativeAudience, type NativeAudience } from './native-audience'
import { ProgressDisplay } from './progress'
import { segmentSizes } from './segment-sizes'
import { formatSummaryJson, formatSummaryText } from './summary'
import { runSync, type SyncSummary } from './run-sync'

export interface RunnerIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown; isTTY?: boolean }
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
export const EXIT_INTERRUPTED = 130

const EXIT_CODES: Record<SyncSummary['result'], number> = {
  ok: EXIT_OK,
  failed: EXIT_FAILED,
  'nothing-uploaded': EXIT_NOTHING_UPLOADED,
  'no-audience-events': EXIT_NO_AUDIENCE_EVENTS,
  interrupted: EXIT_INTERRUPTED
}

/** The warning for a sync stopped after its Replace: what the segment holds and what mends it. */
export const PARTIAL_SEGMENT_WARNING =
  'Warning: the sync was stopped after its first upload replaced the segment, so the segment now holds only ' +
  'part of the audience. The next full run replaces it again with the whole audience.'

/** The whole `npm start` command, minus process globals: returns the exit code. */
export async function runRunner(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: RunnerIo,
  deps: RunnerDeps = {}
): Promise<number> {
  let options: RunnerOptions
  let shape: InputShape
  let piiType: PiiType
  try {
    const parsed = parseRunnerArgs(argv, env)
    if (parsed.kind === 'help') {
      io.stdout.write(USAGE)
      return EXIT_OK
    }
    options = parsed.options
    // The example audience is not committed: the first plain `npm start` writes it from its seeded generator.
    if (options.input === EXAMPLE_INPUT.absolute) await ensureExampleAudience()
    shape = await inspectInput(options.input, options.format)
    piiType = choosePiiType(options, shape)
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputError) {
      io.stderr.write(`${error.message}\nRun with --help for usage.\n`)
      return EXIT_USAGE
    }
    throw error
  }

  let cache: RedisEngageCache | undefined
  if (options.coordinate) {
    try {
      cache = await RedisEngageCache.connect(options.coordinate)
    } catch (error) {
      // Never fall back to an uncoordinated sync: next to other processes it could replace twice.
      if (!(error instanceof CoordinationUnavailableError)) throw error
      io.stderr.write(`${error.message}\nNothing was uploaded.\n`)
      return EXIT_USAGE
    }
  }

  const ownSandbox = options.api.kind === 'sandbox' && !deps.sandbox
  const sandbox = options.api.kind === 'sandbox' ? (deps.sandbox ?? (await startSandbox())) : undefined
  const secrets = [sandbox?.token ?? '', options.api.kind === 'real' ? options.api.token : ''].filter(Boolean)
  const status = deps.status ?? { replaced: false }
  const progress = new ProgressDisplay(io.stderr, io.stderr.isTTY === true)
  try {
    const target = sandbox
      ? { apiBaseUrl: sandbox.apiBaseUrl, token: sandbox.token, advertiserId: sandbox.advertiserId }
      : (options.api as Extract<RunnerOptions['api'], { kind: 'real' }>)
    const loopback = isLoopbackHttp(target.apiBaseUrl)
    const definition = createTheTradeDeskCrm({
      apiBaseUrl: target.apiBaseUrl,
      // Plain-http drop URLs are acceptable only from a sandbox: the one this process runs, or one on this
      // machine that --api-url itself reaches over plain http.
      allowLoopbackHttpDrops: sandbox !== undefined || loopback,
      // Alone, the runner sends its batches one after another: a short batch that would start the sync has no
      // other batch to wait for, so it fails at once. Beside other processes (--coordinate) it is deferred.
      shortBatchDeferralMs: cache ? undefined : 0
    })
    const mapping = buildMapping(definition.actions.syncAudience.fields, options, piiType)

    io.stderr.write(
      `Syncing ${options.input} (${describeShape(shape)}) to ` +
        `${sandbox ? `the embedded TTD sandbox (${sandbox.apiBaseUrl})` : target.apiBaseUrl}` +
        ` in batches of ${options.batchSize} (PII type ${piiType}, region ${options.region})\n`
    )
    const onAbort = () => {
      progress.note(
        status.replaced
          ? `Stopping after the batch in flight (Ctrl-C again to stop now). ${PARTIAL_SEGMENT_WARNING}`
          : 'Stopping after the batch in flight (Ctrl-C again to stop now).'
      )
    }
    const settings: JSONObject = {
      auth_token: target.token,
      advertiser_id: target.advertiserId,
      __segment_internal_engage_force_full_sync: true,
      __segment_internal_engage_batch_sync: true
    }
    let batches = readBatches(
      {
        path: options.input,
        format: shape.format,
        audienceKey: options.segmentName ?? options.audienceName,
        onPosition: (position) => progress.reading(position)
      },
      options.batchSize
    )
    let audience: NativeAudience | undefined
    if (options.audienceName !== undefined) {
      audience = await createNativeAudience(definition, settings, options.audienceName, options.region)
      io.stderr.write(
        `createAudience: CRM Data Segment "${options.audienceName}" in ${options.region} ` +
          `${audience.created ? 'created' : 'found'}, CrmDataId ${audience.externalId}; every event carries it as ` +
          'context.personas.external_audience_id\n'
      )
      batches = asNativeAudience(batches, audience.externalId, options.region)
    }
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
        if (batch.mergeModes.includes('Replace')) status.replaced = true
        progress.batchDone(batch)
      },
      retryDelaysMs: deps.retryDelaysMs,
      secrets,
      // Credentials given through the environment (even to a standalone sandbox) are what a refusal points to.
      target: options.api.kind === 'real' ? 'real' : 'sandbox',
      signal: deps.signal
    })
    deps.signal?.removeEventListener('abort', onAbort)
    progress.stop()
    // The sync itself never creates a native audience's segment: createAudience did, before it.
    for (const segment of summary.segments)
      if (segment.crmDataId === audience?.externalId) segment.created ||= audience.created

    if (summary.segments.length === 0) {
      // nothing to measure
    } else if (sandbox || loopback) {
      const sizes = await segmentSizes(sandbox?.origin ?? new URL(target.apiBaseUrl).origin, target.advertiserId)
      for (const segment of summary.segments) segment.size = sizes?.get(segment.crmDataId) ?? null
    } else {
      for (const segment of summary.segments) segment.size = null
    }
    io.stdout.write(options.json ? formatSummaryJson(summary) + '\n' : formatSummaryText(summary))
    if (summary.result === 'interrupted' && summary.replaced) io.stderr.write(PARTIAL_SEGMENT_WARNING + '\n')

    if (options.keepSandbox && sandbox && !deps.signal?.aborted) await keepOpen(sandbox, io, deps.signal)
    return EXIT_CODES[summary.result]
  } catch (error) {
    progress.stop()
    if (error instanceof InputError) {
      io.stderr.write(`${error.message}\n`)
      return EXIT_USAGE
    }
    io.stderr.write(`Sync failed: ${redactSecrets(error instanceof Error ? error.message : String(error), secrets)}\n`)
    return EXIT_FAILED
  } finally {
    if (ownSandbox) await sandbox?.close()
    await cache?.close()
  }
}

/** Waits, with the sandbox serving its console, until Ctrl-C (the signal) ends the run. */
async function keepOpen(sandbox: Sandbox, io: RunnerIo, signal: AbortSignal | undefined): Promise<void> {
  io.stderr.write(
    `The sandbox keeps running: open its console at ${sandbox.origin}/ ` +
      `(API ${sandbox.apiBaseUrl}, advertiser ${sandbox.advertiserId}). Press Ctrl-C to stop it.\n`
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
  if (shape.format !== 'csv' || !shape.csvColumns) return options.piiType ?? 'EmailHashedUnifiedId2'
  if (options.segmentName === undefined && options.audienceName === undefined) {
    throw new UsageError('A CSV input has no Engage audience key to name the segment after: give --segment-name.')
  }
  const columns = shape.csvColumns
  const piiType =
    options.piiType ?? (columns.email === undefined ? 'PhoneNumberHashedUnifiedId2' : 'EmailHashedUnifiedId2')
  const needed = isEmailType(piiType) ? 'email' : 'phone'
  if (columns[needed] === undefined) {
    throw new UsageError(`--pii-type ${piiType} needs a ${needed} column, which the CSV header does not have.`)
  }
  if (options.region === 'EU' && !isEmailType(piiType)) {
    throw new UsageError(
      'The CSV has only a phone column, and The Trade Desk takes no phone numbers for EU segments: use ' +
        '--region US or APAC, or a CSV with an email column.'
    )
  }
  return piiType
}

function describeShape(shape: InputShape): string {
  const format = { jsonl: 'JSON lines', json: 'a JSON array', csv: 'CSV' }[shape.format]
  return shape.gzip ? `${format}, gzip` : format
}
