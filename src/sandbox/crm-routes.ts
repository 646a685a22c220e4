import type { IncomingMessage } from 'node:http'
import { sendJson } from '../http/answer'
import { readJsonObject } from '../http/body'
import { HttpError } from '../http/http-error'
import { MAX_JSON_BODY_BYTES } from './answers'
import type { SandboxCall, SandboxContext } from './context'
import type { Segment } from './store'
import { MERGE_MODES, PII_TYPES, REGIONS, type MergeMode, type PiiType, type Region } from './types'

// The host of the drop URL the insecureDropUrl fault hands out: not loopback, and .invalid never resolves, so a
// client that uploads there anyway fails instead of sending identifiers somewhere real.
const INSECURE_UPLOAD_ORIGIN = 'http://uploads.ttd-sandbox.invalid'

function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers['ttd-auth']
  return typeof header === 'string' && header !== '' ? header : undefined
}

/** TTD's order: a bad token is refused before anything about the request is looked at. */
function requireKnownToken(ctx: SandboxContext, req: IncomingMessage): string {
  const token = tokenOf(req)
  if (token === undefined || !ctx.store.isKnownToken(token)) {
    throw new HttpError(401, 'Authentication failed: the TTD-Auth header is missing or holds an unknown token')
  }
  return token
}

function requireAccess(ctx: SandboxContext, token: string, advertiserId: string): void {
  const access = ctx.store.access(token, advertiserId)
  if (access === 'unknown-advertiser') throw new HttpError(404, `Advertiser ${advertiserId} not found`)
  if (access === 'forbidden') throw new HttpError(403, `The token has no rights on advertiser ${advertiserId}`)
  if (access === 'unknown-token') throw new HttpError(401, 'Authentication failed')
}

function segmentJson(segment: Pick<Segment, 'crmDataId' | 'segmentName' | 'region' | 'firstPartyDataId'>) {
  return {
    CrmDataId: segment.crmDataId,
    SegmentName: segment.segmentName,
    Region: segment.region,
    FirstPartyDataId: segment.firstPartyDataId
  }
}

// What repeatPagingToken answers for an advertiser without segments: the fault promises a non-empty page.
const PLACEHOLDER_SEGMENT = {
  crmDataId: 'crm-repeated-page-placeholder',
  segmentName: 'Sandbox repeated page placeholder',
  region: 'US' as Region,
  firstPartyDataId: 0
}

/** GET /v3/crmdata/segment/{advertiserId}[?pagingToken=]: one page of the advertiser's segments. */
export function handleList(ctx: SandboxContext, { req, res, params, url, fault }: SandboxCall): void {
  const { advertiserId } = params
  requireAccess(ctx, requireKnownToken(ctx, req), advertiserId)
  if (fault?.repeatPagingToken) {
    const first = ctx.store.firstSegments(advertiserId)
    const page = first.length > 0 ? first : [PLACEHOLDER_SEGMENT]
    sendJson(res, 200, { Segments: page.map(segmentJson), PagingToken: ctx.store.repeatedPagingToken(advertiserId) })
    return
  }
  const pagingToken = url.searchParams.get('pagingToken') ?? undefined
  const result = ctx.store.listPage(advertiserId, pagingToken)
  if (result === 'bad-paging-token') throw new HttpError(400, 'PagingToken is not valid for this advertiser')
  sendJson(res, 200, { Segments: result.segments.map(segmentJson), PagingToken: result.pagingToken })
}

function requireNonEmptyString(body: Record<string, unknown>, field: string): string {
  const value = body[field]
  if (typeof value !== 'string' || value.trim() === '') {
    throw new HttpError(400, `${field} is required and must be a non-empty string`)
  }
  return value
}

function requireOneOf<T extends string>(body: Record<string, unknown>, field: string, allowed: readonly T[]): T {
  const value = body[field]
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new HttpError(400, `${field} must be one of ${allowed.join(', ')}`)
  }
  return value as T
}

/** POST /v3/crmdata/segment: creates a segment for an advertiser the token has rights on. */
export async function handleCreate(ctx: SandboxContext, { req, res }: SandboxCall): Promise<void> {
  const token = requireKnownToken(ctx, req)
  const body = await readJsonObject(req, MAX_JSON_BODY_BYTES)
  const advertiserId = requireNonEmptyString(body, 'AdvertiserId')
  requireAccess(ctx, token, advertiserId)
  const segmentName = requireNonEmptyString(body, 'SegmentName')
  const region = requireOneOf<Region>(body, 'Region', REGIONS)
  const segment = ctx.store.createSegment(advertiserId, segmentName, region)
  sendJson(res, 200, { CrmDataId: segment.crmDataId, FirstPartyDataId: segment.firstPartyDataId })
}

/** POST /v3/crmdata/segment/{advertiserId}/{crmDataId}: a drop, whose Url takes one upload. */
export async function handleDrop(ctx: SandboxContext, { req, res, params, fault }: SandboxCall): Promise<void> {
  const { advertiserId, crmDataId } = params
  const token = requireKnownToken(ctx, req)
  requireAccess(ctx, token, advertiserId)
  const body = await readJsonObject(req, MAX_JSON_BODY_BYTES)
  if ('RetentionEnabled' in body) {
    throw new HttpError(400, 'RetentionEnabled was removed from this request on 2024-09-30; do not send it')
  }
  const piiType = requireOneOf<PiiType>(body, 'PiiType', PII_TYPES)
  const mergeMode = requireOneOf<MergeMode>(body, 'MergeMode', MERGE_MODES)
  const segment = ctx.store.findSegment(advertiserId, crmDataId)
  if (!segment) throw new HttpError(404, `CRM data segment ${crmDataId} not found for advertiser ${advertiserId}`)
  if (segment.region === 'EU' && (piiType === 'Phone' || piiType === 'PhoneNumberHashedUnifiedId2')) {
    throw new HttpError(400, 'Phone numbers are not accepted for EU segments')
  }
  const drop = ctx.store.createDrop(segment, piiType, mergeMode, ctx.now())
  const uploadOrigin = fault?.insecureDropUrl ? INSECURE_UPLOAD_ORIGIN : ctx.origin
  sendJson(res, 200, { ReferenceId: drop.referenceId, Url: `${uploadOrigin}/drops/${drop.uploadId}` })
}
