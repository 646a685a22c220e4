// npm start -- [--input file] [--segment-name ...] [--json] ...   (see --help)
import { wantsJson } from './args'
import { EXIT_FAILED, EXIT_INTERRUPTED, PARTIAL_SEGMENT_WARNING, runRunner, type Outcome, type RunStatus } from './run'

const interrupt = new AbortController()
const status: RunStatus = { replaced: false }
const json = wantsJson(process.argv.slice(2))

/** With --json every way out prints one JSON object, these two included. */
function printOutcome(outcome: Outcome): void {
  if (json) process.stdout.write(JSON.stringify(outcome, null, 2) + '\n')
}

// First Ctrl-C: stop after the batch in flight (or end --keep-sandbox's wait). Second: stop now, and warn when a
// Replace has already run, since the segment then holds only part of the audience.
process.on('SIGINT', () => {
  if (!interrupt.signal.aborted) {
    interrupt.abort()
    return
  }
  if (status.replaced) process.stderr.write(`\n${PARTIAL_SEGMENT_WARNING}\n`)
  printOutcome({
    result: 'interrupted',
    ok: false,
    exitCode: EXIT_INTERRUPTED,
    explanation: status.replaced ? PARTIAL_SEGMENT_WARNING : 'Stopped at once by a second Ctrl-C.'
  })
  process.exit(EXIT_INTERRUPTED)
})

// Only a bug gets here; its message is printed without the stack, which could hold event data.
function unexpected(error: unknown): void {
  const message = `Unexpected error: ${error instanceof Error ? error.message : String(error)}`
  process.stderr.write(`${message}\n`)
  printOutcome({ result: 'failed', ok: false, exitCode: EXIT_FAILED, error: { code: 'UNEXPECTED', message } })
  process.exit(EXIT_FAILED)
}
process.on('uncaughtException', unexpected)
process.on('unhandledRejection', unexpected)

runRunner(process.argv.slice(2), process.env, process, { signal: interrupt.signal, status }).then((code) => {
  process.exitCode = code
}, unexpected)
