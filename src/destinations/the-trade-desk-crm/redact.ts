/**
 * The customer's token must never reach a log, an error message or a summary. Written once here, in the
 * destination (the lowest room), so the runner and any other tool import the same rule rather than repeat it.
 */
export const REDACTED = '[redacted]'

/** `text` with every occurrence of each non-empty secret replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text
  for (const secret of secrets) if (secret) result = result.split(secret).join(REDACTED)
  return result
}
