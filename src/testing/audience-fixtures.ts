import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SegmentEvent } from '@segment/actions-core'
import { normalizeEmail, sha256Base64 } from '../destinations/the-trade-desk-crm/pii'
import type { InputBatch } from '../runner/input'
import { engageEvent as buildEngageEvent } from './engage-events'

export const AUDIENCE_KEY = 'runner_test_audience'

/** A distinct, valid address for person `i` of a test run; `tag` keeps runs from overlapping. */
export function emailOf(i: number, tag = 'p'): string {
  return `${tag}.person${i}@example.com`
}

/** An Engage audience event, as Engage sends it to an audience destination. */
export function engageEvent(
  email: string | undefined,
  options: { entered?: boolean; key?: string; phone?: string } = {}
): SegmentEvent {
  const { key = AUDIENCE_KEY, ...rest } = options
  return buildEngageEvent(key, { ...rest, email })
}

export interface AudienceMix {
  /** Distinct valid members who entered. */
  members: number
  /** Entered events repeating a member's address in another case (same normalized identifier). */
  duplicates?: number
  /** Events with an address the destination refuses. */
  invalid?: number
  /** People who left the audience (valid addresses, never uploaded). */
  exited?: number
  tag?: string
  from?: number
}

/** A shuffled-free, predictable mix: members first, then the rest; counts are exactly what was asked. */
export function audienceMix(mix: AudienceMix): { events: SegmentEvent[]; memberEmails: string[] } {
  const tag = mix.tag ?? 'p'
  const from = mix.from ?? 0
  const memberEmails = Array.from({ length: mix.members }, (_, i) => emailOf(from + i, tag))
  const events = memberEmails.map((email) => engageEvent(email))
  for (let i = 0; i < (mix.duplicates ?? 0); i++) events.push(engageEvent(memberEmails[i].toUpperCase()))
  for (let i = 0; i < (mix.invalid ?? 0); i++) events.push(engageEvent(i % 2 === 0 ? `not-an-email-${i}` : undefined))
  for (let i = 0; i < (mix.exited ?? 0); i++) events.push(engageEvent(emailOf(i, `${tag}-gone`), { entered: false }))
  return { events, memberEmails }
}

/** The sandbox's member key for an email uploaded as any email PII type. */
export function memberKeyOfEmail(email: string): string {
  const normalized = normalizeEmail(email)
  if (!normalized.ok) throw new Error('test email does not normalize')
  return sha256Base64(normalized.value)
}

export async function* inBatches(events: SegmentEvent[], size: number): AsyncGenerator<InputBatch> {
  for (let i = 0; i < events.length; i += size) {
    const slice = events.slice(i, i + size)
    yield {
      events: slice,
      lineNumbers: slice.map((_, j) => i + j + 1),
      unreadable: [],
      refused: [],
      phones: { present: 0, withoutCountryCode: 0 },
      folded: 0,
      position: { eventsRead: i + slice.length, bytesRead: i + slice.length, fileBytes: events.length }
    }
  }
}

export function toJsonl(events: SegmentEvent[]): string {
  return events.map((event) => JSON.stringify(event)).join('\n') + '\n'
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(): { dir: string; write(name: string, content: string | Buffer): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ttd-runner-'))
  return {
    dir,
    write(name, content) {
      const path = join(dir, name)
      writeFileSync(path, content)
      return path
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** Collects what the runner writes to stdout and stderr. */
export function captureIo() {
  let stdout = ''
  let stderr = ''
  return {
    io: {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) }
    },
    stdout: () => stdout,
    stderr: () => stderr
  }
}
