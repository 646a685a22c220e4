import type { ServerResponse } from 'node:http'
import { sendJson, sendText } from '../http/answer'
import { BodyError, HttpError, type BodyProblem } from '../http/http-error'

// JSON request bodies of the CRM API are a few hundred bytes; anything far larger is a client bug.
export const MAX_JSON_BODY_BYTES = 1024 * 1024

/** TTD's error answer: `{"Message": "..."}`. */
export function sendMessage(res: ServerResponse, status: number, message: string, headers?: Record<string, string>) {
  sendJson(res, status, { Message: message }, headers)
}

/** S3-style error document, which is what a pre-signed upload location answers with. */
export function sendXmlError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`
  sendText(res, status, body, 'application/xml')
}

// The sandbox answers in TTD's voice (a Message without a closing full stop), so a body the shared reader refuses
// is worded here from what was wrong with it.
const BODY_MESSAGES: Record<BodyProblem, string> = {
  'too-large': 'Request body is too large',
  empty: 'Request body must be JSON; it is empty',
  'not-json': 'Request body is not valid JSON',
  'not-object': 'Request body must be a JSON object'
}

/** A refusal as TTD words it; anything else is the sandbox's own bug, answered 500 without its details. */
export function answerError(res: ServerResponse, error: unknown): void {
  if (error instanceof BodyError) return sendMessage(res, error.status, BODY_MESSAGES[error.problem], error.headers)
  if (error instanceof HttpError) return sendMessage(res, error.status, error.message, error.headers)
  sendMessage(res, 500, 'Sandbox internal error')
}
