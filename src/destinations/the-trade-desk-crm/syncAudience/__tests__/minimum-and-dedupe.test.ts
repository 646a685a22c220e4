import nock from 'nock'
import { audienceEvent, emailOf, enteredBatch } from '../../__tests__/__helpers__/events'
import { newCapture, nockExistingSegmentFlow, uploadedLines } from '../../__tests__/__helpers__/fake-ttd'
import { expectEachResult, runBatch } from '../../__tests__/__helpers__/run-batch'
import { RESULT_CODES } from '../result-codes'

/** Records every request nock sees, matched or not, so "no request at all" can be asserted. */
function countRequests(): { count: number } {
  const seen = { count: 0 }
  const listener = () => seen.count++
  nock.emitter.on('no match', listener)
  afterEach(() => nock.emitter.removeListener('no match', listener))
  return seen
}

describe('minimum of 1,500 distinct identifiers', () => {
  const unmatched = countRequests()

  it('sends no request at all with 1,499 distinct and fails every member with the count and the minimum', async () => {
    const results = await runBatch(enteredBatch(1499))

    expect(unmatched.count).toBe(0)
    expect(nock.isDone()).toBe(true)
    expect(results).toHaveLength(1499)
    expectEachResult(results, {
      status: 400,
      body: { code: 'BELOW_MINIMUM' },
      errormessage: expect.stringMatching(
        /^Too few distinct identifiers to upload: 1,499 found, .* at least 1,500 per upload/
      )
    })
  })

  it('uploads exactly 1,500 distinct', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const results = await runBatch(enteredBatch(1500))
    expect(uploadedLines(capture)).toHaveLength(1500)
    expect(results.every((r) => r.status === 200)).toBe(true)
  })

  it('counts duplicates once, after normalization', async () => {
    // 1,499 people, and each of the first 20 appears again in another spelling of the same address.
    const respelled = Array.from({ length: 20 }, (_, i) => audienceEvent(`  ${emailOf(i).toUpperCase()} `))
    const results = await runBatch([...enteredBatch(1499), ...respelled])

    expect(unmatched.count).toBe(0)
    expect(results).toHaveLength(1519)
    expect(results[1510].errormessage).toContain('1,499 found')
  })

  it('uploads each distinct identifier once and reports repeats as duplicates of an uploaded one', async () => {
    const capture = newCapture()
    nockExistingSegmentFlow('crm-1', capture)
    const repeat = audienceEvent(`${emailOf(7).toUpperCase()}`)
    const results = await runBatch([...enteredBatch(1500), repeat])

    const lines = uploadedLines(capture)
    expect(lines).toHaveLength(1500)
    expect(new Set(lines).size).toBe(1500)
    expect(results[7]).toMatchObject({
      status: 200,
      body: { code: RESULT_CODES.uploaded, duplicate: false, distinctIdentifiers: 1500, created: false }
    })
    expect(results[1500]).toMatchObject({ status: 200, sent: results[7].sent, body: { duplicate: true } })
  })

  it('does not count invalid or exited events toward the minimum', async () => {
    const exited = Array.from({ length: 5 }, (_, i) => audienceEvent(`x${i}@example.com`, { entered: false }))
    const invalid = Array.from({ length: 5 }, (_, i) => audienceEvent(`broken${i}`))
    const results = await runBatch([...enteredBatch(1495), ...exited, ...invalid])

    expect(unmatched.count).toBe(0)
    expect(results[0].errormessage).toContain('1,495 found')
    expect(results[1495].status).toBe(200)
    expect(results[1500]).toMatchObject({ status: 400, errormessage: 'Email has no @.' })
  })
})
