// Writes docs/sandbox-console.png, the README's picture of the sandbox console: a few syncs through the runner into
// an embedded sandbox, a fault rule, a lookup, then a headless Chromium screenshot.
//   npx ts-node --transpile-only scripts/console-screenshot.ts [output.png]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runRunner } from '../src/runner/run'
import { EXAMPLE_INPUT } from '../src/runner/example'
import { startSandbox } from '../src/sandbox'
import { launchChromium } from '../src/testing/chromium'

const OUTPUT = resolve(process.argv[2] ?? join(__dirname, '..', 'docs', 'sandbox-console.png'))

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'console-screenshot-'))
  const sandbox = await startSandbox()
  const io = { stdout: { write: () => true }, stderr: { write: () => true } }
  const sync = async (argv: string[]) => {
    const code = await runRunner(argv, {}, io, { sandbox })
    if (code !== 0) throw new Error(`runner ${argv.join(' ')} exited ${code}`)
  }
  try {
    // Day one: the example audience in three batches (Replace, Add, Add). Day two: a smaller audience, whose first
    // batch replaces the segment, so the people who left drop out.
    await sync([])
    const dayTwo = join(work, 'day-two.jsonl')
    writeFileSync(dayTwo, readFileSync(EXAMPLE_INPUT.absolute, 'utf8').split('\n').slice(0, 5000).join('\n') + '\n')
    await sync(['--input', dayTwo, '--batch-size', '2500'])
    // A second segment, from a CSV, in another region.
    const csv = join(work, 'lapsed.csv')
    const rows = Array.from({ length: 2400 }, (_, i) => `lapsed.buyer.${i}@example.org`)
    writeFileSync(csv, ['email', ...rows].join('\n') + '\n')
    await sync(['--input', csv, '--segment-name', 'Lapsed buyers <EU>', '--region', 'EU'])
    sandbox.setFaults([
      { route: 'list', status: 429, retryAfterSeconds: 30, times: 2 },
      { route: 'upload', latencyMs: 1500 }
    ])

    const chromium = await launchChromium({ viewport: { width: 1100, height: 900 } })
    try {
      const page = await chromium.context.newPage()
      await page.goto(sandbox.consoleUrl)
      await page.locator('.segment').first().waitFor()
      await page.fill('#identifier', '  Ada.Lovelace.0@Example.com ')
      await page.click('button[type=submit]')
      await page.locator('.lookup-answer .verdict').waitFor()
      await page.screenshot({ path: OUTPUT, fullPage: true })
    } finally {
      await chromium.close()
    }
    process.stdout.write(`Wrote ${OUTPUT}\n`)
  } finally {
    await sandbox.close()
    rmSync(work, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
