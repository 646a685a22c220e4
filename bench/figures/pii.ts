import { hash } from 'node:crypto'
import type { AudienceMembership } from '@segment/actions-core'
import { normalizeEmail, normalizePhone } from '../../src/destinations/the-trade-desk-crm/pii'
import { toUploadBody } from '../../src/destinations/the-trade-desk-crm/engine/upload'
import { planBatch } from '../../src/destinations/the-trade-desk-crm/engine/plan'
import type { Payload } from '../../src/destinations/the-trade-desk-crm/syncAudience/generated-types'
import { mappedPayloads, PHONE_PII_TYPE, PII_TYPE, rawIdentifiers, type IdentifierKind } from '../data'
import { check, now, type Figure } from '../harness'

/**
 * What figures 1 and 2 share (emails), and what the phone figure measures the same way: the input, its normalized
 * form (the floor's input) and the expected body.
 */
export interface PiiFixture {
  kind: IdentifierKind
  /** The identifiers as mapped, before normalization. */
  raw: string[]
  payloads: Payload[]
  membership: AudienceMembership[]
  /** The valid identifiers, already normalized: what the floor hashes. */
  normalized: string[]
  /** The hashes the floor produced last; kept so the loop's work cannot be optimized away. */
  floorOut: string[]
}

export function piiFixture(count: number, kind: IdentifierKind = 'email'): PiiFixture {
  const raw = rawIdentifiers(kind, count)
  const normalize = kind === 'email' ? normalizeEmail : normalizePhone
  const normalized: string[] = []
  for (const value of raw) {
    const result = normalize(value)
    if (result.ok) normalized.push(result.value)
  }
  return {
    kind,
    raw,
    payloads: mappedPayloads(raw, `bench-${kind}`, kind),
    membership: new Array<AudienceMembership>(count).fill(true),
    normalized,
    floorOut: new Array<string>(normalized.length)
  }
}

/** The floor of figures 1 and 2: one-shot SHA-256/base64 of each normalized string, in a tight loop. */
export function hashFloor(fixture: PiiFixture): number {
  const { normalized, floorOut } = fixture
  const start = now()
  for (let i = 0; i < normalized.length; i++) floorOut[i] = hash('sha256', normalized[i], 'base64')
  return now() - start
}

/**
 * The destination's own pipeline up to the upload body: plan (normalize, validate, hash, dedupe), then serialize
 * the group's distinct lines as performSyncBatch does (its line table keeps them in an array; a Set is copied).
 */
export function pipeline(fixture: PiiFixture): Buffer<ArrayBuffer> {
  const [first] = planBatch(fixture.payloads, fixture.membership).groups
  return first ? toUploadBody(first.lines.lines, first.piiType) : Buffer.alloc(0)
}

/** Figure 1 over emails (`pii`), and the same figure over phone numbers (`phone`). */
export function piiFigure(fixture: PiiFixture): Figure {
  let lastBody = Buffer.alloc(0)
  const email = fixture.kind === 'email'
  const count = fixture.raw.length
  return {
    id: email ? 'pii' : 'phone',
    title: email
      ? `PII pipeline: planBatch + toUploadBody over ${count} emails (${PII_TYPE})`
      : `Phone pipeline: planBatch + toUploadBody over ${count} phone numbers (${PHONE_PII_TYPE})`,
    floorLabel: 'crypto.hash(sha256, base64) over the normalized strings',
    items: count,
    target: 2,
    repeats: 3,
    prepare: async () => undefined,
    subject: async () => {
      const start = now()
      lastBody = pipeline(fixture)
      return now() - start
    },
    floor: async () => hashFloor(fixture),
    finish: async () => {
      const distinct = new Set(fixture.floorOut)
      const lines = lastBody.toString('latin1').split('\n')
      lines.pop()
      check(lines.length === distinct.size, `body has ${lines.length} lines, floor found ${distinct.size} distinct`)
      check(
        lines.every((line) => distinct.has(line)),
        'body lines differ from the floor hashes'
      )
      return {
        [email ? 'emails' : 'phones']: count,
        valid: fixture.normalized.length,
        distinct: distinct.size,
        bodyBytes: lastBody.length
      }
    }
  }
}
