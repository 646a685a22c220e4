import type { AudienceMembership, ExecuteInput, MultiStatusResponse, RequestClient } from '@segment/actions-core'
import { TtdCrmClient, type TtdEndpoint } from '../api'
import { toSegmentError } from '../errors'
import type { Settings } from '../generated-types'
import type { Payload } from '../syncAudience/generated-types'
import { engineContext, type EngineOptions } from './context'
import { OUTCOME, planBatch, type BatchPlan } from './plan'
import { toMultiStatus } from './results'
import { targetSourcesOf } from './targets'
import { syncGroup, type GroupOutcome } from './upload'

/**
 * One batch: one pure pass over the events (membership, identifiers, dedupe, grouping by segment), then each
 * group's upload (or hold), then one result per event. Failures of a group become its events' results, retryable
 * ones with a retryable status, so that Segment retries just those events and the invocation returns normally:
 * what it wrote to the runtime's stores is kept. Only a problem with the whole batch's settings, found before
 * anything was sent or written, is thrown.
 */
export async function syncBatch(
  request: RequestClient,
  data: ExecuteInput<Settings, Payload[], unknown, unknown, unknown, AudienceMembership[]>,
  endpoint: TtdEndpoint,
  options: EngineOptions = {}
): Promise<MultiStatusResponse> {
  let sources
  try {
    sources = targetSourcesOf(data)
  } catch (error) {
    throw toSegmentError(error)
  }
  const plan = planBatch(data.payload, data.audienceMembership, sources)
  const client = new TtdCrmClient(request, {
    ...endpoint,
    token: data.settings.auth_token,
    advertiserId: data.settings.advertiser_id,
    signal: data.signal
  })
  const ctx = engineContext(client, data, options)
  countRefusals(ctx.observe, plan)

  const outcomes: GroupOutcome[] = []
  for (const group of plan.groups) {
    const { target, piiType, lines } = group
    outcomes.push(await syncGroup(ctx, { target, piiType, lines: lines.lines }))
  }
  observeOutcomes(ctx.observe, plan, outcomes)
  return toMultiStatus(plan, outcomes)
}

function countRefusals(observe: ReturnType<typeof engineContext>['observe'], plan: BatchPlan): void {
  const byCode = new Map<string, number>()
  for (const { code } of plan.refusals.values()) byCode.set(code, (byCode.get(code) ?? 0) + 1)
  for (const [code, count] of byCode) observe.refused(code, count)
}

function observeOutcomes(
  observe: ReturnType<typeof engineContext>['observe'],
  plan: BatchPlan,
  outcomes: GroupOutcome[]
): void {
  const events = new Array<number>(outcomes.length).fill(0)
  for (let i = 0; i < plan.outcomes.length; i++) {
    const outcome = plan.outcomes[i]
    if (outcome === OUTCOME.uploaded || outcome === OUTCOME.duplicate) events[plan.groupOf[i]]++
  }
  outcomes.forEach((outcome, group) => {
    if (outcome.kind === 'held') {
      observe.held(plan.groups[group].piiType, outcome.distinct, outcome.held, events[group])
    } else if (outcome.kind === 'failed') {
      observe.failed(outcome.error, events[group])
    }
  })
}
