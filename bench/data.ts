import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { SegmentEvent } from '@segment/actions-core'
import type { Payload } from '../src/destinations/the-trade-desk-crm/syncAudience/generated-types'
import { engageEvent as buildEngageEvent } from '../src/testing/engage-events'

export const PII_TYPE = 'EmailHashedUnifiedId2'
export const AUDIENCE_KEY = 'bench_audience'

/**
 * A deterministic address for person `i`, in the shapes real CRM exports have: mixed case, stray
 * whitespace, gmail dots and +suffixes, subdomains. Every 50th person repeats the previous one in other
 * letters (a duplicate after normalization) and every 1000th is malformed, so dedupe and refusal
 * paths are exercised at realistic rates.
 */
export function rawEmail(i: number): string {
  if (i % 1000 === 999) return `not-an-email-${i}`
  if (i % 50 === 49) return rawEmail(i - 1).toUpperCase()
  switch (i % 5) {
    case 0:
      return `person${i}@example.com`
    case 1:
      return `First.Last${i}@Example.COM`
    case 2:
      return `  jane.doe${i}+newsletter@gmail.com `
    case 3:
      return `j${i}.smith@mail.company-${i % 97}.co.uk`
    default:
      return `User_${i}@Outlook.com`
  }
}

/**
 * The addresses as the destination receives them: parsed from JSON, so each is one flat string. (Built in place
 * by template literals they would be V8 cons strings, which the first character scan would have to flatten.)
 */
export function rawEmails(count: number): string[] {
  return JSON.parse(JSON.stringify(Array.from({ length: count }, (_, i) => rawEmail(i)))) as string[]
}

/** Payloads as the runtime hands them to performBatch after mapping (defaults filled, empty values removed). */
export function mappedPayloads(emails: string[], name: string): Payload[] {
  return emails.map((email) => ({
    name,
    region: 'US',
    pii_type: PII_TYPE,
    email,
    event_name: 'Audience Entered',
    enable_batching: true,
    batch_size: 100_000
  }))
}

/**
 * An Engage "Audience Entered" track event for person `i`, shaped like the events Engage sends (and like the
 * runner's bundled example audience): identity, the audience flag in properties, personas context, traits.
 */
export function engageEvent(i: number, email: string = rawEmail(i), externalAudienceId?: string): SegmentEvent {
  return buildEngageEvent(AUDIENCE_KEY, {
    email,
    computationId: 'aud_bench',
    spaceId: 'spa_bench',
    // Set by Engage when the audience was created through the destination's audience methods.
    externalId: externalAudienceId,
    extra: { userId: `bench-user-${i}`, messageId: `bench-message-${i}`, timestamp: '2026-01-01T12:00:00.000Z' }
  })
}

/** `count` events as the runtime receives them: parsed from JSON, like every event Segment delivers. */
export function engageEvents(count: number, externalAudienceId?: string): SegmentEvent[] {
  const events = Array.from({ length: count }, (_, i) => engageEvent(i, rawEmail(i), externalAudienceId))
  return JSON.parse(JSON.stringify(events)) as SegmentEvent[]
}

/** Writes `count` events as JSONL, streaming, so a million-line file never sits in memory. */
export async function writeAudienceJsonl(path: string, count: number): Promise<number> {
  const out = createWriteStream(path)
  const CHUNK = 5_000
  for (let from = 0; from < count; from += CHUNK) {
    let text = ''
    for (let i = from; i < Math.min(count, from + CHUNK); i++) text += JSON.stringify(engageEvent(i)) + '\n'
    if (!out.write(text)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return out.bytesWritten
}
