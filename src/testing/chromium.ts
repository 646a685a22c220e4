import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

// The Debian package's binary: .ci/run installs it when missing. playwright-core never downloads a browser.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// Headless, and quiet: no first-run work, no update or sync traffic, nothing that leaves the machine.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

export interface Chromium {
  context: BrowserContext
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>
}

/** Starts headless Chromium with a fresh profile; fails, saying how to install it, when it is missing. */
export async function launchChromium(
  options: { viewport?: { width: number; height: number }; executablePath?: string } = {}
): Promise<Chromium> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}. Install the Debian package (sudo apt-get install chromium), ` +
        'as .ci/run does, or set CHROMIUM_PATH to a Chromium binary.'
    )
  }
  const profile = mkdtempSync(join(tmpdir(), 'ttd-console-chromium-'))
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      // Well within the tests' hook timeout, so a browser that never comes up fails here and is not left starting.
      timeout: 30_000,
      headless: true,
      args: ARGS,
      viewport: options.viewport ?? { width: 1100, height: 900 }
    })
    return {
      context,
      close: async () => {
        try {
          await context.close()
        } finally {
          rmSync(profile, { recursive: true, force: true })
        }
      }
    }
  } catch (error) {
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
}
