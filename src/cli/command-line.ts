/**
 * Commands the tools print for a person to paste into a shell (a busy port's hint, the runner command that targets
 * a sandbox), written so that they run as printed.
 */

/** Where the runner takes TTD credentials from: never options, which other users see in the process list. */
export const TOKEN_ENV = 'TTD_AUTH_TOKEN'
export const ADVERTISER_ENV = 'TTD_ADVERTISER_ID'

/** One word as a POSIX shell reads it back unchanged: bare when it holds only safe characters, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word
  return `'${word.split("'").join("'\\''")}'`
}

/** Words joined into one command line, each quoted as needed. */
export function commandLine(words: readonly string[]): string {
  return words.map(shellQuote).join(' ')
}

/**
 * The arguments with option `name` (e.g. `--port`) set to `value`: every occurrence, `--port 1` or `--port=1`,
 * replaced where it stands, else the option added at the end. Everything else the person typed is kept.
 */
export function withOption(args: readonly string[], name: string, value: string): string[] {
  const out: string[] = []
  let found = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--') {
      out.push(...args.slice(i))
      break
    }
    if (arg === name) {
      out.push(name, value)
      found = true
      i++
    } else if (arg.startsWith(`${name}=`)) {
      out.push(`${name}=${value}`)
      found = true
    } else {
      out.push(arg)
    }
  }
  return found ? out : [...out, name, value]
}

/**
 * The runner command that syncs into a TTD CRM API at `apiBaseUrl` with these credentials: a sandbox's own
 * generated token, which is no customer secret. Never called with a real TTD token.
 */
export function runnerCommandFor(apiBaseUrl: string, sandboxToken: string, advertiserId: string): string {
  return (
    `${TOKEN_ENV}=${shellQuote(sandboxToken)} ${ADVERTISER_ENV}=${shellQuote(advertiserId)} ` +
    `npm start -- --api-url ${shellQuote(apiBaseUrl)}`
  )
}
