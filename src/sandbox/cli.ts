// npm run sandbox -- [--port 4010] [--page-size 100] [--drop-ttl-seconds 600]
import { isPortInUse, parsePort, portInUseMessage } from './port'
import { sandboxAccount, startSandbox } from './server'
import type { SandboxAccount } from './types'
import { runnerCommandFor } from '../cli/command-line'
import { parseOptions } from '../cli/parse-options'
import { UsageError } from '../cli/usage-error'

export const USAGE = `Usage: npm run sandbox -- [options]

Starts an emulation of The Trade Desk CRM Data API on 127.0.0.1.

Options:
  --port <n>                 port to listen on (default: $PORT, else 4010; 0 picks a free one)
  --page-size <n>            segments per listing page (default 100)
  --drop-ttl-seconds <n>     how long a drop URL accepts its upload (default 600)
  --min-distinct <n>         distinct identifiers an upload needs (default 1500)
  --token <t>                the token to accept (default: a random one, printed at start)
  --advertiser-id <id>       the advertiser that token has rights on (default sandbox-advertiser)
  --help                     print this text
`

export { UsageError }

const EXIT_USAGE = 2

const OPTIONS = {
  port: { type: 'string' },
  'page-size': { type: 'string' },
  'drop-ttl-seconds': { type: 'string' },
  'min-distinct': { type: 'string' },
  token: { type: 'string' },
  'advertiser-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

/** The options given, by name, each as its text ("true" for --help); a mistake is a UsageError. */
export function parseArgs(argv: string[]): Map<string, string> {
  const values = parseOptions(argv, OPTIONS)
  return new Map(Object.entries(values).map(([name, value]) => [name, String(value)]))
}

function integer(args: Map<string, string>, name: string): number | undefined {
  const text = args.get(name)
  if (text === undefined) return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) throw new UsageError(`--${name} must be a whole number`)
  return value
}

class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} is in use`)
  }
}

/** --port, else PORT, else 4010. */
function portOption(args: Map<string, string>): number {
  const fromOption = args.get('port')
  // an empty PORT counts as unset
  const text = fromOption ?? (process.env.PORT || '4010')
  const port = parsePort(text)
  if (port === undefined) {
    throw new UsageError(`${fromOption === undefined ? 'PORT' : '--port'} must be a port number from 0 to 65535`)
  }
  return port
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (args.has('help')) {
    process.stdout.write(USAGE)
    return
  }
  const ttlSeconds = integer(args, 'drop-ttl-seconds')
  const token = args.get('token')
  const accounts: SandboxAccount[] = [sandboxAccount(token, args.get('advertiser-id'))]
  const port = portOption(args)
  const sandbox = await startSandbox({
    port,
    pageSize: integer(args, 'page-size'),
    dropUrlTtlMs: ttlSeconds === undefined ? undefined : ttlSeconds * 1000,
    minDistinct: integer(args, 'min-distinct'),
    accounts,
    log: (line) => console.log(`${new Date().toISOString()} ${line}`)
  }).catch((error: unknown) => {
    if (isPortInUse(error)) throw new PortInUseError(port)
    throw error
  })

  // The token is printed once, here, because a person needs it to point a client at the sandbox (it is the sandbox's
  // own, generated or given with --token, never a Trade Desk token); the request log never shows it.
  console.log(`TTD CRM sandbox listening on ${sandbox.origin}
  Console:        ${sandbox.consoleUrl}  (open it in a browser: segments, their drops, fault rules, a lookup)
  API base URL:   ${sandbox.apiBaseUrl}
  TTD-Auth token: ${sandbox.token}
  Advertiser id:  ${sandbox.advertiserId}
  Sync into it:   ${runnerCommandFor(sandbox.apiBaseUrl, sandbox.token, sandbox.advertiserId)}
                  (add --input FILE --segment-name NAME for your own list; without them the example audience)
  Inspect:        ${sandbox.origin}/_sandbox/overview (what the console shows, as JSON)
                  ${sandbox.origin}/_sandbox/segments
                  ${sandbox.origin}/_sandbox/drops
                  ${sandbox.origin}/_sandbox/faults (GET, PUT a JSON array of fault rules, DELETE)
Press Ctrl+C to stop.`)

  const stop = (signal: string) => {
    console.log(`${signal}: stopping the sandbox`)
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

// Importable without starting anything, so the argument parsing can be tested in-process.
if (require.main === module) {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`)
      process.exit(EXIT_USAGE)
    }
    if (error instanceof PortInUseError) {
      process.stderr.write(portInUseMessage(error.port, 'npm run sandbox --', process.argv.slice(2)))
      process.exit(EXIT_USAGE)
    }
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
