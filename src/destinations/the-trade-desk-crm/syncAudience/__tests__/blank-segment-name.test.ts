import nock from 'nock'
import { BLANK_SEGMENT_NAME_REASON, isBlankSegmentName } from '../../segment-name'
import {
  API,
  newCapture,
  nockDrop,
  nockSegments,
  nockUpload,
  uploadedLines
} from '../../__tests__/__helpers__/fake-ttd'
import { audienceEvent, emailOf, enteredBatch, mapping } from '../../__tests__/__helpers__/events'
import { expectEachResult, runBatch } from '../../__tests__/__helpers__/run-batch'

const REFUSED = { status: 400, errortype: 'PAYLOAD_VALIDATION_FAILED', errormessage: BLANK_SEGMENT_NAME_REASON }

/** Counts every request to TTD's API, so a test can prove none was made. */
function countRequests(): { count: number } {
  const seen = { count: 0 }
  const count = () => {
    seen.count++
    return [500, { Message: 'no request was expected' }] as [number, object]
  }
  nock(API).persist().get(/.*/).reply(count).post(/.*/).reply(count)
  return seen
}

describe('a blank Segment Name', () => {
  it.each([
    ['empty', ''],
    ['only spaces', '   ']
  ])('from the mapping (%s) fails every event before any request', async (_, name) => {
    const requests = countRequests()
    const results = await runBatch(enteredBatch(1600), { mapping: mapping({ name }) })
    expect(results).toHaveLength(1600)
    expectEachResult(results, REFUSED)
    expect(requests.count).toBe(0)
  })

  it('from an event without an Engage audience key fails that event only', async () => {
    const capture = newCapture()
    nockSegments([{ CrmDataId: 'crm-1', SegmentName: 'high_value', Region: 'US' }])
    nockDrop('crm-1', capture)
    nockUpload(capture, '/upload/crm-1')
    const blank = [
      audienceEvent('blank1@example.com', { audienceKey: '' }),
      audienceEvent('blank2@example.com', { audienceKey: '' })
    ]
    const results = await runBatch([...enteredBatch(1500), ...blank], {
      mapping: mapping({ name: { '@path': '$.context.personas.computation_key' } })
    })
    expect(results.slice(1500)).toMatchObject([REFUSED, REFUSED])
    expect(results.slice(0, 1500).every((r) => r.status === 200)).toBe(true)
    expect(uploadedLines(capture)).toHaveLength(1500)
  })

  it('names the field and the Engage key to fix, and never the person', () => {
    expect(BLANK_SEGMENT_NAME_REASON).toContain('Segment Name')
    expect(BLANK_SEGMENT_NAME_REASON).toContain('context.personas.computation_key')
    expect(BLANK_SEGMENT_NAME_REASON).not.toContain(emailOf(0))
  })

  it('is any name without a visible character, or no name at all', () => {
    expect(['', ' ', '\t\n', undefined, null, 42].map(isBlankSegmentName)).toEqual([true, true, true, true, true, true])
    expect([' High Value ', 'x', '0'].map(isBlankSegmentName)).toEqual([false, false, false])
  })
})
