// npm start -- [--input file.jsonl|file.csv] [--segment-name ...] [--json] ...   (see --help)
import { runRunner } from './run'

runRunner(process.argv.slice(2), process.env, process).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    // Only a bug gets here; its message is printed without the stack, which could hold event data.
    process.stderr.write(`Unexpected error: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
)
