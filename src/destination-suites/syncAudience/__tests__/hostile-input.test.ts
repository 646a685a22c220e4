import {
  createTestEvent,
  createTestIntegration,
  MultiStatusResponse,
  type RequestClient,
  type Result,
  type SegmentEvent
} from '@segment/actions-core'
import fc from 'fast-check'
import nock from 'nock'
import definition from '../../../destinations/the-trade-desk-crm/index'
import {
  expectedHash,
  leakedPiece,
  MARKER
} from '../../../destinations/the-trade-desk-crm/__tests__/__helpers__/pii-checks'
import { RESULT_CODES } from '../../../destinations/the-trade-desk-crm/syncAudience/result-codes'
import { engageEvent } from '../../../testing/engage-events'

const API = 'https://api.thetradedesk.com'
const DROP = 'https://drop.example'
const ADVERTISER = 'adv-hostile'
const CRM_DATA_ID = 'crm-hostile-1'
const SEGMENT_NAME = 'Hostile Inputs'
const SEED = 424242

const settings = {
  auth_token: 'hostile-test-token-0123456789',
  advertiser_id: ADVERTISER,
  __segment_internal_engage_force_full_sync: true,
  __segment_internal_engage_batch_sync: true
}
const mapping = { name: SEGMENT_NAME, region: 'US', pii_type: 'EmailHashedUnifiedId2' }

/** An Engage audience event whose traits.email is `email`, whatever its type. */
function audienceEvent(email: unknown, entered = true): SegmentEvent {
  // Hostile values are not always strings: the builder's type is for well-formed input, so this test casts.
  return createTestEvent(engageEvent('hostile', { email: email as string | undefined, entered }))
}

/** A valid person `i`, sometimes with case, padding or gmail dots and +suffix; with the line TTD must get. */
function validPerson(i: number): { email: string; line: string } {
  if (i % 5 === 0) return { email: `Person.${i}+tag${i}@Gmail.com`, line: expectedHash(`person${i}@gmail.com`) }
  if (i % 3 === 0) return { email: `  PERSON${i}@EXAMPLE.COM\t`, line: expectedHash(`person${i}@example.com`) }
  return { email: `person${i}@example.com`, line: expectedHash(`person${i}@example.com`) }
}

interface TtdMock {
  uploads: string[]
  done(): void
}

/** The four calls of one upload to a new segment; captures the PUT bodies. */
function mockOneUpload(expectedDistinct: number): TtdMock {
  const uploads: string[] = []
  const api = nock(API)
    .get(`/v3/crmdata/segment/${ADVERTISER}`)
    .reply(200, { Segments: [], PagingToken: null })
    .post('/v3/crmdata/segment', { AdvertiserId: ADVERTISER, SegmentName: SEGMENT_NAME, Region: 'US' })
    .reply(200, { CrmDataId: CRM_DATA_ID, FirstPartyDataId: 1 })
    .post(`/v3/crmdata/segment/${ADVERTISER}/${CRM_DATA_ID}`, {
      PiiType: 'EmailHashedUnifiedId2',
      MergeMode: 'Replace'
    })
    .reply(200, { ReferenceId: 'ref-hostile', Url: `${DROP}/x` })
  const drop = nock(DROP)
    .put('/x', (body: string) => {
      uploads.push(body)
      return body.split('\n').length === expectedDistinct + 1
    })
    .reply(200, '')
  return {
    uploads,
    done() {
      api.done()
      drop.done()
    }
  }
}

/** Requests that matched no interceptor (method and path only: bodies hold PII). */
const unmatched: string[] = []
const recordUnmatched = (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`)

beforeAll(() => {
  nock.emitter.on('no match', recordUnmatched)
})

afterAll(() => {
  nock.emitter.removeListener('no match', recordUnmatched)
})

beforeEach(() => {
  unmatched.length = 0
})

async function runBatch(events: SegmentEvent[], extraMapping: Record<string, string | number> = {}) {
  const ti = createTestIntegration(definition)
  const responses = await ti.testBatchAction('syncAudience', {
    events,
    mapping: { ...mapping, ...extraMapping },
    settings,
    useDefaultMappings: true
  })
  const multistatus = ti.results[ti.results.length - 1]?.multistatus ?? []
  return { responses, multistatus }
}

function linesOf(body: string): string[] {
  expect(body.endsWith('\n')).toBe(true)
  return body.slice(0, -1).split('\n')
}

type MultiStatusNode = NonNullable<Result['multistatus']>[number]

const errorMessage = (node: MultiStatusNode) => ('errormessage' in node ? node.errormessage : undefined)

/** A result reduced to what these tests check of it, so that a whole batch is compared in one matcher call. */
function outcome(node: MultiStatusNode) {
  if (node.status !== 200) return { status: node.status, errortype: 'errortype' in node ? node.errortype : undefined }
  const body = ('body' in node ? node.body : {}) as Record<string, unknown>
  const { crmDataId, mergeMode, distinctIdentifiers, duplicate } = body
  return {
    status: 200,
    sent: 'sent' in node ? node.sent : undefined,
    crmDataId,
    mergeMode,
    distinctIdentifiers,
    duplicate
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile identifiers: each is invalid by construction (not by asking the code under test) and carries MARKER,
// so a message that repeats any 8-character piece of it is caught without false positives (see pii-checks).

const noise = fc.string({ unit: 'grapheme', maxLength: 12 })
const binaryNoise = fc.string({ unit: 'binary', maxLength: 12 })
const alnum = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  minLength: 1,
  maxLength: 10
})
const badCharacter = fc.constantFrom('\u0000', '\u0007', '\u001b', '\u007f', ' ', '\t', '\n', '\u00a0', 'é', '\u212a')

const hostileStrings = fc.oneof(
  fc.oneof(noise, binaryNoise).map((s) => `zq${s.replace(/@/g, '')}zq`), // no ASCII @
  fc.tuple(noise, binaryNoise).map(([a, b]) => `zq${a}@zq${b}@example.com`), // two @
  fc.tuple(noise, binaryNoise, badCharacter).map(([a, b, c]) => `zq${a}${c}${b}zq@example.com`), // bad character inside
  fc.tuple(alnum, alnum).map(([a, b]) => `zq${a}@${b}zq`), // domain without a dot
  alnum.map((a) => `@zq${a}.com`), // nothing before the @
  alnum.map((a) => `+zq${a}@gmail.com`), // gmail local part that is only a +suffix
  fc.tuple(alnum, fc.integer({ min: 250, max: 3000 })).map(([a, n]) => `zq${a}${'x'.repeat(n)}@example.com`) // too long
)

/** Values of other types where the mapping expects a string: coerced, dropped or refused by the schema. */
const hostileValues: unknown[] = [
  987654321,
  9.99e-7,
  -0,
  true,
  false,
  null,
  { zq: 'zq-object-value' },
  { email: 'zq.nested@example.com' },
  [{ zq: 'zq-in-array' }],
  ['zq-one', 'zq-two'],
  ['zq-single-no-at']
]

describe('syncAudience with hostile identifiers', () => {
  it('uploads exactly the 1,600 valid people and fails each hostile identifier alone, without echoing it', async () => {
    const generated = fc.sample(hostileStrings, { seed: SEED, numRuns: 40 })
    const hostile: unknown[] = [...generated, ...hostileValues]
    expect(hostile).toHaveLength(51)

    // Hostile identifiers at seeded positions among 1,600 valid people.
    const positions = fc.sample(fc.integer({ min: 0, max: 1600 }), { seed: SEED + 1, numRuns: hostile.length })
    type Slot = { kind: 'valid'; line: string } | { kind: 'hostile'; value: unknown }
    const slots: Slot[] = []
    const events: SegmentEvent[] = []
    const expected = new Set<string>()
    for (let i = 0; i < 1600; i++) {
      const person = validPerson(i)
      slots.push({ kind: 'valid', line: person.line })
      events.push(audienceEvent(person.email))
      expected.add(person.line)
    }
    hostile.forEach((value, k) => {
      const at = Math.min(positions[k] + k, slots.length)
      slots.splice(at, 0, { kind: 'hostile', value })
      events.splice(at, 0, audienceEvent(value))
    })
    expect(expected.size).toBe(1600)

    const ttd = mockOneUpload(1600)
    const { responses, multistatus } = await runBatch(events)
    ttd.done()
    expect(unmatched).toEqual([])
    expect(responses.map((r) => r.request.method)).toEqual(['GET', 'POST', 'POST', 'PUT'])

    expect(ttd.uploads).toHaveLength(1)
    const uploaded = linesOf(ttd.uploads[0])
    expect(uploaded).toHaveLength(1600)
    expect(new Set(uploaded)).toEqual(expected)

    expect(multistatus).toHaveLength(events.length)
    // The valid people in one comparison, each result reduced to its status, line sent and count of distinct lines:
    // 1,600 matcher calls would cost more than the batch.
    const valid = slots.flatMap((slot, i) => (slot.kind === 'valid' ? [{ line: slot.line, node: multistatus[i] }] : []))
    const reduced = valid.map(({ node }) => {
      const { status, sent, distinctIdentifiers } = outcome(node)
      return { status, sent, distinctIdentifiers }
    })
    expect(reduced).toEqual(valid.map(({ line }) => ({ status: 200, sent: line, distinctIdentifiers: 1600 })))
    slots.forEach((slot, i) => {
      if (slot.kind === 'valid') return
      const node = multistatus[i]
      expect(node).toMatchObject({ status: 400, errortype: 'PAYLOAD_VALIDATION_FAILED' })
      const message = errorMessage(node)
      expect(typeof message).toBe('string')
      expect((message as string).length).toBeGreaterThan(0)
      expect(message).not.toContain(MARKER)
      if (typeof slot.value === 'string') expect(leakedPiece(message as string, slot.value, true)).toBeUndefined()
      else expect(message).not.toContain(String(slot.value))
      expect('sent' in node ? node.sent : undefined).toBeUndefined()
    })
  })

  it('makes no request for a batch of people who all left, and reports each as left out', async () => {
    const events = Array.from({ length: 25 }, (_, i) => audienceEvent(validPerson(i).email, false))
    const { responses, multistatus } = await runBatch(events)
    expect(responses).toEqual([])
    expect(unmatched).toEqual([])
    expect(multistatus).toHaveLength(25)
    // Each result Segment shows says in words why that person was not uploaded, and carries nothing sent.
    for (const node of multistatus) {
      expect(node).toEqual({
        status: 200,
        sent: {},
        body: {
          code: RESULT_CODES.notInAudience,
          message: expect.stringMatching(/^Not uploaded: the person is not in the audience/)
        }
      })
    }
  })

  it('an empty batch through performBatch makes no request and returns no results', async () => {
    const request = jest.fn(() => {
      throw new Error('no request expected')
    })
    const performBatch = definition.actions.syncAudience.performBatch
    expect(typeof performBatch).toBe('function')
    const data = { payload: [], audienceMembership: [], settings, rawData: [], stateContext: undefined }
    const result = await performBatch?.(request as unknown as RequestClient, data as never)
    expect(result).toBeInstanceOf(MultiStatusResponse)
    expect((result as MultiStatusResponse).length()).toBe(0)
    expect(request).not.toHaveBeenCalled()
    expect(unmatched).toEqual([])
  })

  it('an empty batch through testBatchAction (which substitutes one bare event) makes no request', async () => {
    // actions-core's test harness replaces an empty event list with one default track event without traits.
    const { responses, multistatus } = await runBatch([])
    expect(responses).toEqual([])
    expect(unmatched).toEqual([])
    expect(multistatus).toHaveLength(1)
    expect(multistatus[0]).toMatchObject({ status: 400, errormessage: 'Email is missing.' })
  })

  it('processes a 10,000-event batch whole, in one upload, with results aligned to the events', async () => {
    type Expected = { kind: 'valid'; line: string; duplicate: boolean } | { kind: 'invalid' }
    const events: SegmentEvent[] = []
    const plan: Expected[] = []
    const distinct = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      if (i % 20 === 7) {
        events.push(audienceEvent(`zq-invalid-${i}`))
        plan.push({ kind: 'invalid' })
        continue
      }
      // Every 20th+13 event repeats the person 13 events earlier, written differently.
      const person = i % 20 === 13 ? i - 13 : i
      const email = person === i ? validPerson(i).email : `  ${validPerson(person).email.trim().toUpperCase()} `
      const line = validPerson(person).line
      events.push(audienceEvent(email))
      plan.push({ kind: 'valid', line, duplicate: distinct.has(line) })
      distinct.add(line)
    }
    expect(distinct.size).toBe(9000)

    const ttd = mockOneUpload(distinct.size)
    const { responses, multistatus } = await runBatch(events, { batch_size: 2000 })
    ttd.done()
    expect(unmatched).toEqual([])
    expect(responses.filter((r) => r.request.method === 'PUT')).toHaveLength(1)
    expect(new Set(linesOf(ttd.uploads[0]))).toEqual(distinct)

    // One comparison of the whole batch, each result reduced to what this test checks: 10,000 matcher calls would
    // cost more than the batch.
    expect(multistatus.map(outcome)).toEqual(
      plan.map((expected) =>
        expected.kind === 'invalid'
          ? { status: 400, errortype: 'PAYLOAD_VALIDATION_FAILED' }
          : {
              status: 200,
              sent: expected.line,
              crmDataId: CRM_DATA_ID,
              mergeMode: 'Replace',
              distinctIdentifiers: 9000,
              duplicate: expected.duplicate
            }
      )
    )
    const refusals = multistatus.filter((node) => node.status !== 200).map(errorMessage)
    expect(refusals).toHaveLength(500)
    expect(refusals.filter((message) => typeof message !== 'string' || message.includes(MARKER))).toEqual([])
    expect(plan.filter((p) => p.kind === 'valid' && p.duplicate)).toHaveLength(500)
  })
})
