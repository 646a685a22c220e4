/**
 * A mistake in how a command-line tool was called (runner or sandbox): each reports it with its usage text and
 * exit code 2. Kept below both tools so the sandbox need not import the runner, nor the runner the sandbox's CLI.
 * `code` names the mistake for scripts (the runner's --json prints it); most are plain `USAGE`.
 */
export class UsageError extends Error {
  override name = 'UsageError'

  constructor(
    message: string,
    readonly code: string = 'USAGE'
  ) {
    super(message)
  }
}
