// Port handling shared by the commands that listen (npm run sandbox, npm run serve).
import { commandLine, withOption } from '../cli/command-line'

/** A TCP port from text: digits only, 0 to 65535 (0 lets the system pick a free one); else undefined. */
export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined
  const port = Number(text)
  return port <= 65535 ? port : undefined
}

/** Whether listening failed because something else already listens on the port (read from the error's code). */
export function isPortInUse(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EADDRINUSE'
}

/**
 * What a person reads when the port is taken: which port, and the same command on another one, with every other
 * option they typed (`args`) kept as it was.
 */
export function portInUseMessage(port: number, command: string, args: readonly string[] = []): string {
  const other = port >= 65535 ? port - 1 : port + 1
  return (
    `Port ${port} on 127.0.0.1 is already in use (another sandbox or server may be running there).\n` +
    `Pick another port: ${command} ${commandLine(withOption(args, '--port', String(other)))} (or set PORT), ` +
    'or --port 0 for any free one.\n'
  )
}
