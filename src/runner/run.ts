import { access, constants as fsConstants } from 'node:fs/promises'
import { defaultValues, type JSONObject } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../destinations/the-trade-desk-crm'
import type { PiiType } from '../destinations/the-trade-desk-crm/constants'
import { isEmailType } from '../destinations/the-trade-desk-crm/pii'
import { startSandbox, type Sandbox } from '../sandbox'
import { CoordinationUnavailableError, RedisEngageCache } from '../local-runtime/redis-engage-cache'
import { isLoopbackHttp, parseRunnerArgs, UsageError, USAGE, type RunnerOptions } from './args'
import { InputError, readBatches, readCsvColumns } from './input'
import { MemoryStateContext } from './memory-state-context'
import { asNativeAudience, createNativeAudience, type NativeAudience } from './native-audience'
import { formatProgress, formatSummaryJson, formatSummaryText } from './summary'
import { runSync } from './sync'

export interface RunnerIo {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
}

export interface RunnerDeps {
  /** Use this running sandbox instead of starting one (tests inspect it afterwards); it is left open. */
  sandbox?: Sandbox
  retryDelaysMs?: number[]
}

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2

/** The whole `npm start` command, minus process globals: returns the exit code. */
export async function runRunner(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: RunnerIo,
  deps: RunnerDeps = {}
): Promise<number> {
  let options: RunnerOptions
  let piiType: PiiType
  try {
    const parsed = parseRunnerArgs(argv, env)
    if (parsed.kind === 'help') {
      io.stdout.write(USAGE)
      return EXIT_OK
    }
    options = parsed.options
    piiType = await choosePiiType(options)
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
  try {
    const target = sandbox
      ? { apiBaseUrl: sandbox.apiBaseUrl, token: sandbox.token, advertiserId: sandbox.advertiserId }
      : (options.api as Extract<RunnerOptions['api'], { kind: 'real' }>)
    const definition = createTheTradeDeskCrm({
      apiBaseUrl: target.apiBaseUrl,
      // Plain-http drop URLs are acceptable only from a sandbox: the one this process runs, or one on this
      // machine that --api-url itself reaches over plain http.
      allowLoopbackHttpDrops: sandbox !== undefined || isLoopbackHttp(target.apiBaseUrl),
      // Alone, the runner sends its batches one after another: a short batch that would start the sync has no
      // other batch to wait for, so it fails at once. Beside other processes (--coordinate) it is deferred.
      shortBatchDeferralMs: cache ? undefined : 0
    })
    const mapping = buildMapping(definition.actions.syncAudience.fields, options, piiType)

    io.stderr.write(
      `Syncing ${options.input} to ${sandbox ? `the embedded TTD sandbox (${sandbox.apiBaseUrl})` : target.apiBaseUrl}` +
        ` in batches of ${options.batchSize} (PII type ${piiType}, region ${options.region})\n`
    )
    const settings: JSONObject = {
      auth_token: target.token,
      advertiser_id: target.advertiserId,
      __segment_internal_engage_force_full_sync: true,
      __segment_internal_engage_batch_sync: true
    }
    let batches = readBatches(
      { path: options.input, format: options.format, audienceKey: options.segmentName ?? options.audienceName },
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
    const summary = await runSync({
      definition,
      settings,
      mapping,
      batches,
      stateContext: new MemoryStateContext(),
      engageDestinationCache: cache,
      onProgress: (progress) => io.stderr.write(formatProgress(progress) + '\n'),
      retryDelaysMs: deps.retryDelaysMs,
      secrets
    })
    // The sync itself never creates a native audience's segment: createAudience did, before it.
    for (const segment of summary.segments)
      if (segment.crmDataId === audience?.externalId) segment.created ||= audience.created
    io.stdout.write(options.json ? formatSummaryJson(summary) + '\n' : formatSummaryText(summary))
    return summary.ok ? EXIT_OK : EXIT_FAILED
  } catch (error) {
    if (error instanceof InputError) {
      io.stderr.write(`${error.message}\n`)
      return EXIT_USAGE
    }
    io.stderr.write(`Sync failed: ${redact(error instanceof Error ? error.message : String(error), secrets)}\n`)
    return EXIT_FAILED
  } finally {
    if (ownSandbox) await sandbox?.close()
    await cache?.close()
  }
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
async function choosePiiType(options: RunnerOptions): Promise<PiiType> {
  try {
    await access(options.input, fsConstants.R_OK)
  } catch {
    throw new InputError(`Cannot read the input file ${options.input}.`)
  }
  if (options.format !== 'csv') return options.piiType ?? 'EmailHashedUnifiedId2'

  const columns = await readCsvColumns(options.input)
  const piiType =
    options.piiType ?? (columns.email === undefined ? 'PhoneNumberHashedUnifiedId2' : 'EmailHashedUnifiedId2')
  const needed = isEmailType(piiType) ? 'email' : 'phone'
  if (columns[needed] === undefined) {
    throw new UsageError(`--pii-type ${piiType} needs a "${needed}" column, which the CSV header does not have.`)
  }
  return piiType
}

function redact(message: string, secrets: string[]): string {
  let text = message
  for (const secret of secrets) text = text.split(secret).join('[redacted]')
  return text
}
