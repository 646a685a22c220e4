import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import { sendJson, sendText } from '../http/answer'
import { drain } from '../http/body'
import { sendMessage } from './answers'
import type { SandboxContext } from './context'
import type { BrokenBody, FaultRule, SandboxRoute } from './types'

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
  if (rule.status === undefined && !rule.malformedJson && !rule.incompleteJson && !rule.brokenBody) return false
  // The whole body is read first so the client sees the answer rather than a broken pipe while still sending.
  await drain(req)
  if (rule.brokenBody) {
    breakAnswer(ctx, res, TRUNCATED_BODIES[route], rule.brokenBody)
  } else if (rule.status !== undefined) {
    const headers: Record<string, string> =
      rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : {}
    sendMessage(res, rule.status, `${STATUS_CODES[rule.status] ?? 'Error'} (sandbox fault)`, headers)
  } else if (rule.malformedJson) {
    sendText(res, 200, TRUNCATED_BODIES[route], 'application/json; charset=utf-8')
  } else {
    sendJson(res, 200, {})
  }
  return true
}

const RESET_AFTER_MS = 50

/**
 * Sends 200 headers and `start`, then breaks the answer. Each way is one a real connection shows: a
 * proxy closing early, a reset, a server that stops sending, a chunked answer without its last chunk.
 * The answer never finishes, so its request records status 0.
 */
function breakAnswer(ctx: SandboxContext, res: ServerResponse, start: string, how: BrokenBody): void {
  if (res.headersSent || res.destroyed) return
  const contentType = start.startsWith('<') ? 'application/xml' : 'application/json; charset=utf-8'
  // Declaring more bytes than are sent is what makes a clean close a cut-off answer, not a short one.
  const length = how === 'chunked' ? {} : { 'Content-Length': String(Buffer.byteLength(start) + 64) }
  res.writeHead(200, { 'Content-Type': contentType, ...length })
  res.write(start, async () => {
    // 'stall': nothing more is sent; the client's deadline or the sandbox's close() ends the connection.
    if (how === 'stall') return
    // A reset that lands with the data reads as a clean close on the client: let the start arrive first.
    if (how === 'reset') await ctx.sleep(RESET_AFTER_MS)
    const socket = res.socket
    if (!socket || socket.destroyed) return
    if (how === 'reset') socket.resetAndDestroy()
    else socket.end()
  })
}
