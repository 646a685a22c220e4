/** The status an action error carries (IntegrationError, RetryableError, schema errors), else 500. */
export function describeError(error: unknown): { status: number; message: string; code?: string } {
  const e = (error ?? {}) as { status?: unknown; name?: unknown; message?: unknown; code?: unknown }
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'Internal error'
  const code = typeof e.code === 'string' ? e.code : undefined
  if (typeof e.status === 'number' && e.status >= 400 && e.status <= 599) return { status: e.status, message, code }
  if (e.name === 'AggregateAjvError' || e.name === 'ValidationError') return { status: 400, message, code }
  return { status: 500, message, code }
}
