import { createRequestClient, MultiStatusResponse } from '@segment/actions-core'
import { createTheTradeDeskCrm } from '../../src/destinations/the-trade-desk-crm'
import { PII_TYPE } from '../data'
import { benchFetch, dropIdleConnections, type RemoteSandbox } from '../sandbox-process'
import { check, median, now, type Figure } from '../harness'
import { hashFloor, pipeline, type PiiFixture } from './pii'

export interface SandboxTarget {
  sandbox: RemoteSandbox
  settings: {
    auth_token: string
    advertiser_id: string
    __segment_internal_engage_force_full_sync: boolean
    __segment_internal_engage_batch_sync: boolean
  }
}

export function sandboxTarget(sandbox: RemoteSandbox): SandboxTarget {
  return {
    sandbox,
    settings: {
      auth_token: sandbox.token,
      advertiser_id: sandbox.advertiserId,
      __segment_internal_engage_force_full_sync: true,
      __segment_internal_engage_batch_sync: true
    }
  }
}

/** A bare drop request and PUT of `body`, with fetch: the least any client must do to upload those bytes. */
export async function barePut(target: SandboxTarget, crmDataId: string, body: Buffer<ArrayBuffer>): Promise<void> {
  const { sandbox } = target
  const dropAnswer = await benchFetch(`${sandbox.apiBaseUrl}/crmdata/segment/${sandbox.advertiserId}/${crmDataId}`, {
    method: 'POST',
    headers: { 'TTD-Auth': sandbox.token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ PiiType: PII_TYPE, MergeMode: 'Replace' })
  })
  const drop = (await dropAnswer.json()) as { Url: string }
  const put = await benchFetch(drop.Url, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body })
  await put.arrayBuffer()
  check(put.status === 200, `bare PUT answered ${put.status}`)
}

export function performBatchFigure(fixture: PiiFixture, target: SandboxTarget): Figure {
  const action = createTheTradeDeskCrm({ apiBaseUrl: target.sandbox.apiBaseUrl, allowLoopbackHttpDrops: true }).actions
    .syncAudience
  const performBatch = action.performBatch!
  let body = Buffer.alloc(0)
  let distinct = 0
  let floorSegment = ''
  let runs = 0
  const hashMs: number[] = []
  const putMs: number[] = []
  return {
    id: 'performBatch',
    title: `Own cost of performBatch: ${fixture.payloads.length} mapped payloads to the loopback sandbox`,
    floorLabel: 'hash floor of figure 1 + bare drop request and PUT of the same bytes (fetch)',
    items: fixture.payloads.length,
    target: 1.5,
    repeats: 3,
    prepare: async () => {
      body = pipeline(fixture)
      distinct = body.toString('latin1').split('\n').length - 1
      floorSegment = await target.sandbox.createSegment('bench-floor')
    },
    subject: async () => {
      // A fresh segment name each run: every run lists, creates, requests a drop (Replace) and uploads.
      const name = `bench-perform-batch-${++runs}`
      for (const payload of fixture.payloads) payload.name = name
      dropIdleConnections()
      const start = now()
      const response = await performBatch(createRequestClient(), {
        payload: fixture.payloads,
        settings: target.settings,
        audienceMembership: fixture.membership
      })
      const elapsed = now() - start
      check(response instanceof MultiStatusResponse, 'performBatch did not return a MultiStatusResponse')
      const uploaded = response.getAllResponses().filter((r) => r.value().status === 200).length
      const expected = fixture.payloads.length - Math.floor(fixture.payloads.length / 1000)
      check(uploaded === expected, `performBatch: ${uploaded} events succeeded, expected ${expected}`)
      const segment = (await target.sandbox.segments()).find((s) => s.segmentName === name)
      check(segment?.memberCount === distinct, `sandbox segment has ${segment?.memberCount} members, not ${distinct}`)
      return elapsed
    },
    floor: async (round) => {
      const hashed = hashFloor(fixture)
      const start = now()
      await barePut(target, floorSegment, body)
      const put = now() - start
      if (round >= 0) {
        hashMs.push(hashed)
        putMs.push(put)
      }
      return hashed + put
    },
    finish: async () => ({
      bodyBytes: body.length,
      floorHashMsMedian: median(hashMs),
      floorPutMsMedian: median(putMs)
    })
  }
}
