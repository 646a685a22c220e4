/** A request a server refuses: the status, a message for the client, and any headers the refusal needs (Allow). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

/** What was wrong with a request body, as data: each server words its answer in its own voice from this. */
export type BodyProblem = 'too-large' | 'empty' | 'not-json' | 'not-object'

/** A body that could not be read as what the route takes (413 when too large, else 400). */
export class BodyError extends HttpError {
  constructor(
    readonly problem: BodyProblem,
    message: string,
    headers: Record<string, string> = {}
  ) {
    super(problem === 'too-large' ? 413 : 400, message, headers)
  }
}
