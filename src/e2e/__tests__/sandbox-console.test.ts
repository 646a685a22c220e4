/**
 * The sandbox console in a real browser: an audience synced by the runner (actions-core, the destination, the
 * sandbox over loopback HTTP), then the page as headless Chromium renders it: segment names, sizes, the Replace
 * then Add timeline, fault rules, and the lookup's answer for a member, a stranger and a malformed number.
 * Chromium missing fails the test with how to install it; nothing is skipped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { runRunner } from '../../runner/run'
import { startSandbox, type Sandbox } from '../../sandbox'
import { CHROMIUM_PATH, launchChromium, type Chromium } from '../../testing/chromium'
import { engageEvent } from '../../testing/engage-events'

jest.setTimeout(60_000)

const AUDIENCE = 'console_test_audience'
const MEMBERS = 3400
const BATCH_SIZE = 1700
// A name a client chose: were it put in the page as markup, it would add an image and run its handler.
const HOSTILE_NAME = '<img src=x onerror="window.__injected=1">Spring promo'

const memberEmail = (i: number) => `console.member${i}@example.com`

let sandbox: Sandbox
let chromium: Chromium
let page: Page
let workDir: string
const pageErrors: string[] = []

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'sandbox-console-test-'))
  sandbox = await startSandbox()
  sandbox.seedSegment(sandbox.advertiserId, HOSTILE_NAME, 'APAC')

  const events = [
    ...Array.from({ length: MEMBERS }, (_, i) => engageEvent(AUDIENCE, { email: memberEmail(i) })),
    ...Array.from({ length: 5 }, (_, i) =>
      engageEvent(AUDIENCE, { email: `console.leaver${i}@example.com`, entered: false })
    )
  ]
  const input = join(workDir, 'audience.jsonl')
  writeFileSync(input, events.map((e) => JSON.stringify(e)).join('\n') + '\n')
  let output = ''
  const io = { stdout: { write: (t: string) => (output += t) }, stderr: { write: (t: string) => (output += t) } }
  const code = await runRunner(['--input', input, '--batch-size', String(BATCH_SIZE)], {}, io, {
    sandbox,
    retryDelaysMs: []
  })
  if (code !== 0) throw new Error(`The runner exited ${code}:\n${output}`)
  sandbox.setFaults([{ route: 'list', status: 503, times: 1 }])

  chromium = await launchChromium()
  page = await chromium.context.newPage()
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text())
  })
  await page.goto(sandbox.consoleUrl)
  await page.locator('.segment').nth(1).waitFor()
})

afterAll(async () => {
  await chromium?.close()
  await sandbox?.close()
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

function syncedSegment() {
  const segment = sandbox.segments().find((s) => s.segmentName === AUDIENCE)
  if (!segment) throw new Error('the sync created no segment')
  return segment
}

const card = (crmDataId: string) => page.locator(`.segment[data-crm-data-id="${crmDataId}"]`)

async function rowCells(crmDataId: string): Promise<string[][]> {
  const rows = card(crmDataId).locator('table.timeline tbody tr')
  const cells: string[][] = []
  for (let i = 0; i < (await rows.count()); i++) cells.push(await rows.nth(i).locator('td').allTextContents())
  return cells
}

async function lookUp(identifier: string): Promise<string> {
  await page.fill('#identifier', identifier)
  const answer = page.locator('#lookup-answer')
  // each answer replaces the last; wait for this one by clearing first
  await answer.evaluate((node) => node.replaceChildren())
  await page.click('#lookup-form button[type=submit]')
  await answer.locator('.verdict').waitFor()
  return (await answer.innerText()).replace(/\s+/g, ' ')
}

describe('the sandbox console in Chromium', () => {
  it(`runs the Chromium at ${CHROMIUM_PATH}, and says how to install it when it is missing`, async () => {
    expect(chromium.context.browser()?.version()).toMatch(/^\d+\./)
    await expect(launchChromium({ executablePath: '/nonexistent/chromium' })).rejects.toThrow(
      'Chromium is not installed at /nonexistent/chromium. Install the Debian package (sudo apt-get install chromium)'
    )
  })

  it('shows each segment by name with its region, CrmDataId and size', async () => {
    const synced = syncedSegment()
    expect(synced.memberCount).toBe(MEMBERS)
    await expect(page.locator('.advertiser h2').allInnerTexts()).resolves.toEqual([
      `Advertiser ${sandbox.advertiserId} · 2 segments`
    ])
    await expect(page.locator('.segment-name').allTextContents()).resolves.toEqual([HOSTILE_NAME, AUDIENCE])
    const header = (await card(synced.crmDataId).locator('.segment-header').innerText()).replace(/\s+/g, ' ')
    expect(header).toBe(
      `${AUDIENCE} Region US CrmDataId ${synced.crmDataId} FirstPartyDataId ${synced.firstPartyDataId} 3,400 members`
    )
    const seeded = sandbox.segments().find((s) => s.segmentName === HOSTILE_NAME)?.crmDataId as string
    await expect(card(seeded).locator('.size-value').textContent()).resolves.toBe('0')
    await expect(card(seeded).locator('.empty').textContent()).resolves.toContain('No drops yet')
  })

  it("draws the sync's timeline: a Replace, then an Add that brings the segment to its full size", async () => {
    const { crmDataId } = syncedSegment()
    const rows = await rowCells(crmDataId)
    // newest first: number, time, merge mode, PII type, lines, distinct, rejected lines, status, size after
    expect(rows.map((cells) => [cells[0], ...cells.slice(2)])).toEqual([
      ['2', 'Add', 'EmailHashedUnifiedId2', '1,700', '1,700', '0', 'uploaded', '3,400'],
      ['1', 'Replace', 'EmailHashedUnifiedId2', '1,700', '1,700', '0', 'uploaded', '1,700']
    ])
    expect(rows[1][1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)

    const chart = card(crmDataId).locator('svg.chart')
    await expect(chart.getAttribute('aria-label')).resolves.toBe('Segment size over 2 uploads; now 3,400')
    await expect(
      chart.locator('.marker').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('class')))
    ).resolves.toEqual(['marker replace', 'marker add'])
    await expect(chart.locator('.marker title').allTextContents()).resolves.toEqual([
      'Upload 1 · Replace · 1,700 lines · uploaded · size 1,700',
      'Upload 2 · Add · 1,700 lines · uploaded · size 3,400'
    ])
    // the Add marker sits higher than the Replace one: twice the size
    const heights = await chart
      .locator('circle.marker')
      .evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('cy'))))
    expect(heights[1]).toBeLessThan(heights[0])
  })

  it('lists the active fault rules', async () => {
    const rows = page.locator('table.faults tbody tr')
    await expect(rows.count()).resolves.toBe(1)
    await expect(rows.first().locator('td').allTextContents()).resolves.toEqual(['list', 'status 503', '1 more use'])
  })

  it('answers the lookup: a member typed loosely, a stranger, and a number without its country code', async () => {
    const { crmDataId } = syncedSegment()
    expect(await lookUp('  Console.Member7@EXAMPLE.com ')).toMatch(
      new RegExp(
        `^✓ In 1 of 2 segments: ${AUDIENCE} · US · ${crmDataId} Read as an email address; stored as \\S{44}\\.$`
      )
    )
    expect(await lookUp('console.leaver1@example.com')).toMatch(/^✗ Not in any segment \(2 segments checked\)\./)
    expect(await lookUp('415 555 0100')).toBe(
      '✗ Not a valid identifier: Phone number must start with + and its country code (E.164). ' +
        'Read as a phone number (it has no @).'
    )
    // what was typed is in the input box only, never in the page's markup, nor the URL
    const html = await page.content()
    expect(html).not.toMatch(/member7|leaver1|415 555/i)
    expect(page.url()).toBe(sandbox.consoleUrl)
  })

  it('shows a hostile segment name as text, runs nothing from it, and shows no token', async () => {
    await expect(page.locator('img').count()).resolves.toBe(0)
    await expect(page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).resolves.toBe(
      undefined
    )
    expect(await page.content()).not.toContain(sandbox.token)
    expect(pageErrors).toEqual([])
  })
})
