/**
 * Plain http is tolerated only to this machine (a local sandbox). The destination and the tools share this one
 * rule, so "loopback" cannot mean different hosts in different places.
 */
const LOOPBACK_HOSTNAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]']

/** Whether a parsed URL's host is this machine (URL keeps IPv6 hosts in brackets). */
export function isLoopbackHost(url: URL): boolean {
  return LOOPBACK_HOSTNAMES.includes(url.hostname)
}
