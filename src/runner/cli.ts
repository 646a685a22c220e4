// npm start -- [--input file] [--segment-name ...] [--json] ...   (see --help)
import { EXIT_INTERRUPTED, PARTIAL_SEGMENT_WARNING, runRunner, type RunStatus } from './run'

const interrupt = new AbortController()
const status: RunStatus = { replaced: false }

// First Ctrl-C: stop after the batch in flight (or end --keep-sandbox's wait). Second: stop now, and warn when a
// Replace has already run, since the segment then holds only part of the audience.
process.on('SIGINT', () => {
  if (!interrupt.signal.aborted) {
    interrupt.abort()
    return
  }
  if (status.replaced) process.stderr.write(`\n${PARTIAL_SEGMENT_WARNING}\n`)
  process.exit(EXIT_INTERRUPTED)
})

// Only a bug gets here; its message is printed without the stack, which could hold event data.
function unexpected(error: unknown): void {
  process.stderr.write(`Unexpected error: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}
process.on('uncaughtException', unexpected)
process.on('unhandledRejection', unexpected)

runRunner(process.argv.slice(2), process.env, process, { signal: interrupt.signal, status }).then((code) => {
  process.exitCode = code
}, unexpected)
