// npm run serve [-- --sandbox] [--port n]: Segment's local actions server for this destination (default port 3000).
import { shellQuote } from '../cli/command-line'
import { parseOptions } from '../cli/parse-options'
import { UsageError } from '../cli/usage-error'
import type { AddressInfo } from 'node:net'
import theTradeDeskCrm, { createTheTradeDeskCrm } from '../destinations/the-trade-desk-crm'
import { isPortInUse, parsePort, portInUseMessage, sandboxAccount, startSandbox, type Sandbox } from '../sandbox'
import { SAMPLE_BATCH_PEOPLE, writeSampleBatch } from './sample-batch'
import { createLocalServer } from './server'

const USAGE = `Usage: npm run serve [-- --sandbox] [--port <n>]

Serves the destination the way Segment's "serve" command does, on 127.0.0.1 (port 3000 by default):
  GET  /manifest                       the destination definition (also GET /)
  POST /authenticate                   {"settings": {...}} (also POST /authentication)
  POST /createAudience                 {"settings": {...}, "audienceSettings": {"region": "US"}, "audienceName": "..."}
  POST /getAudience                    {"settings": {...}, "externalId": "<CrmDataId>"}
  POST /syncAudience                   {"settings": {...}, "mapping": {...}, "payload": event | [events]}
  POST /syncAudience/name              {"settings": {...}}: the Segment Name picker's choices
  POST /syncAudience/hooks/onMappingSave  {"settings": {...}, "hookInputs": {"segment_name": "...", "region": "US"}}

Options:
  --sandbox               run against a TTD sandbox started in this process instead of The Trade Desk's API,
                          and print its settings, curl lines that run as printed and the address of its console
                          (a web page showing its segments, their uploads and a lookup)
  --token <t>             with --sandbox: the token its sandbox accepts (default: a random one, printed)
  --advertiser-id <id>    with --sandbox: the advertiser that token has rights on (default sandbox-advertiser)
  --port <n>              port to listen on (default: $PORT, else 3000; 0 picks a free one)
  -h, --help              print this text
`

async function main(): Promise<number> {
  let values
  try {
    values = parseOptions(process.argv.slice(2), {
      sandbox: { type: 'boolean', default: false },
      token: { type: 'string' },
      'advertiser-id': { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    })
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`${error.message}\n\n${USAGE}`)
    return 2
  }
  if (values.help) {
    process.stdout.write(USAGE)
    return 0
  }
  // --port wins over PORT; an empty PORT counts as unset
  const port = parsePort(values.port ?? (process.env.PORT || '3000'))
  if (port === undefined) {
    process.stderr.write(`${values.port === undefined ? 'PORT' : '--port'} must be a port number (0 to 65535).\n`)
    return 2
  }

  if (!values.sandbox && (values.token !== undefined || values['advertiser-id'] !== undefined)) {
    process.stderr.write(`--token and --advertiser-id set up the embedded sandbox: add --sandbox.\n\n${USAGE}`)
    return 2
  }
  // Fixed credentials make the README's curl examples run as written; without them the sandbox makes up a token.
  const sandbox: Sandbox | undefined = values.sandbox
    ? await startSandbox({ accounts: [sandboxAccount(values.token, values['advertiser-id'])] })
    : undefined
  const definition = sandbox
    ? createTheTradeDeskCrm({ apiBaseUrl: sandbox.apiBaseUrl, allowLoopbackHttpDrops: true })
    : theTradeDeskCrm
  const server = createLocalServer({
    definition,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      // Loopback only: requests carry a TTD token and people's identifiers.
      server.listen(port, '127.0.0.1', () => resolve())
    })
  } catch (error) {
    await sandbox?.close()
    if (!isPortInUse(error)) throw error
    process.stderr.write(portInUseMessage(port, 'npm run serve --', process.argv.slice(2)))
    return 2
  }
  const listening = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${listening}`
  process.stdout.write(`Local actions server for ${definition.name} on ${url}\n`)
  if (sandbox) {
    // A throwaway sandbox token, printed because a person needs it to call the server; never a real one.
    const settings = { auth_token: sandbox.token, advertiser_id: sandbox.advertiserId }
    process.stdout.write(
      `  Talking to the embedded TTD sandbox at ${sandbox.apiBaseUrl}. Use these settings:\n` +
        `  ${JSON.stringify(settings)}\n` +
        `  Sandbox console: ${sandbox.consoleUrl} (open it in a browser to see the segments and their uploads)\n` +
        tryIt(url, settings, writeSampleBatch(settings, listening))
    )
  } else {
    process.stdout.write(`  Talking to The Trade Desk's production API: use your own auth_token and advertiser_id.\n`)
  }

  const stop = () => {
    server.closeAllConnections()
    server.close(() => void (sandbox ? sandbox.close() : Promise.resolve()).finally(() => process.exit(0)))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return 0
}

/**
 * curl lines that run as printed against this server and its sandbox: test the connection, Engage's createAudience,
 * the hook at mapping save, the Segment Name picker, and a sync of the sample batch file.
 */
function tryIt(url: string, settings: { auth_token: string; advertiser_id: string }, batchFile: string): string {
  const call = (route: string, body: Record<string, unknown>) =>
    `    curl -s ${url}${route} -d ${shellQuote(JSON.stringify({ settings, ...body }))}\n`
  return (
    '  Try it (each line runs as printed):\n' +
    call('/authenticate', {}) +
    call('/createAudience', { audienceName: 'Loyal buyers', audienceSettings: { region: 'US' } }) +
    call('/syncAudience/hooks/onMappingSave', { hookInputs: { segment_name: 'Loyal buyers', region: 'US' } }) +
    call('/syncAudience/name', {}) +
    `    curl -s ${url}/syncAudience --data-binary ${shellQuote('@' + batchFile)}\n` +
    `  (the last one syncs ${SAMPLE_BATCH_PEOPLE.toLocaleString('en-US')} Engage events from ${batchFile}, written ` +
    'for this server)\n'
  )
}

main().then(
  (code) => {
    if (code !== 0) process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
)
