// The TTD sandbox of figures 2 and 3, in its own process: like the real TTD, its work (parsing and storing each
// upload) then runs outside the process being measured. Prints one JSON line with its address and credentials,
// and stops when its stdin closes (i.e. when the bench exits, however it exits).
import { startSandbox } from '../../src/sandbox'

async function main(): Promise<void> {
  const sandbox = await startSandbox()
  const { origin, apiBaseUrl, token, advertiserId } = sandbox
  process.stdout.write(JSON.stringify({ origin, apiBaseUrl, token, advertiserId }) + '\n')
  process.stdin.resume()
  process.stdin.on('end', () => {
    void sandbox.close().then(() => process.exit(0))
  })
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
