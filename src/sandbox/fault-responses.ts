import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { SandboxContext } from './context'
import { drain, sendJson, sendMessage, sendRaw } from './http'
import type { FaultRule, SandboxRoute } from './types'

// Each is what a connection cut mid-answer would leave: the start of the route's real JSON.
const TRUNCATED_BODIES: Record<SandboxRoute, string> = {
  list: '{"Segments":[{"CrmDataId":"crm-1","SegmentName":"Sandbo',
  create: '{"CrmDataId":"crm-',
  drop: '{"ReferenceId":"3f2a',
  upload: '<?xml version="1.0" encoding="UTF-8"?><Err'
}

/**
 * Plays the generic part of a fault rule. Returns true when the fault answered (or cut) the request; false when
 * the request must still be handled normally (a pure delay, or an effect the route handler itself produces).
 */
export async function applyFault(
  ctx: SandboxContext,
  rule: FaultRule,
  route: SandboxRoute,
  req: IncomingMessage,
  res: ServerResponse
): Promise<boolean> {
  if (rule.latencyMs) await ctx.sleep(rule.latencyMs)
  if (rule.reset) {
    req.socket.destroy()
    return true
  }
  if (rule.status === undefined && !rule.malformedJson && !rule.incompleteJson) return false
  // The whole body is read first so the client sees the answer rather than a broken pipe while still sending.
  await drain(req)
  if (rule.status !== undefined) {
    const headers: Record<string, string> =
      rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : {}
    sendMessage(res, rule.status, `${STATUS_CODES[rule.status] ?? 'Error'} (sandbox fault)`, headers)
  } else if (rule.malformedJson) {
    sendRaw(res, 200, TRUNCATED_BODIES[route], 'application/json; charset=utf-8', {})
  } else {
    sendJson(res, 200, {})
  }
  return true
}
