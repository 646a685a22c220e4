import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import type { SegmentEvent } from '@segment/actions-core'
import type { Payload } from '../src/destinations/the-trade-desk-crm/syncAudience/generated-types'
import { engageEvent as buildEngageEvent } from '../src/testing/engage-events'

export const PII_TYPE = 'EmailHashedUnifiedId2'
export const PHONE_PII_TYPE = 'PhoneNumberHashedUnifiedId2'
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

/**
 * A deterministic phone number for person `i`, written the ways CRM exports write them: national punctuation,
 * dots, surrounding spaces, a UK `(0)` trunk prefix. Every 50th person repeats the previous one without
 * separators (a duplicate after normalization) and every 1000th has no country code (refused), as the emails do.
 * Every other number has 10 to 15 digits, so each is valid under any E.164 length rule.
 */
export function rawPhone(i: number): string {
  if (i % 1000 === 999) return `555-01${i}`
  if (i % 50 === 49) return rawPhone(i - 1).replace(/[^+\d]/g, '')
  const p = String(i).padStart(7, '0')
  switch (i % 5) {
    case 0:
      return `+1 (${200 + (i % 800)}) ${p.slice(0, 3)}-${p.slice(3)}`
    case 1:
      return `+44 (0)20 7${p.slice(0, 3)} ${p.slice(3)}`
    case 2:
      return ` +49 30 ${p} `
    case 3:
      return `+33.6.${p.slice(0, 2)}.${p.slice(2, 4)}.${p.slice(4, 6)}.${p.slice(6)}0`
    default:
      return `+61 2 ${p.slice(0, 4)} ${p.slice(4)}`
  }
}

/** Which identifier a bench batch carries, and the hashed PII type it is uploaded as. */
export type IdentifierKind = 'email' | 'phone'

/** The identifiers as the destination receives them: parsed from JSON, each one flat string (see rawEmails). */
export function rawIdentifiers(kind: IdentifierKind, count: number): string[] {
  if (kind === 'email') return rawEmails(count)
  return JSON.parse(JSON.stringify(Array.from({ length: count }, (_, i) => rawPhone(i)))) as string[]
}

/** Payloads as the runtime hands them to performBatch after mapping (defaults filled, empty values removed). */
export function mappedPayloads(values: string[], name: string, kind: IdentifierKind = 'email'): Payload[] {
  return values.map((value) => ({
    name,
    region: 'US',
    ...(kind === 'email' ? { pii_type: PII_TYPE, email: value } : { pii_type: PHONE_PII_TYPE, phone: value }),
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
