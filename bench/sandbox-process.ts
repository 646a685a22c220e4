import { spawn, type ChildProcess } from 'node:child_process'
import { globalAgent } from 'node:http'
import { createInterface } from 'node:readline'
import { join } from 'node:path'

const TS_NODE = require.resolve('ts-node/register/transpile-only')
const SERVER = join(__dirname, 'child', 'sandbox-server.ts')

export interface SegmentInfo {
  crmDataId: string
  segmentName: string
  memberCount: number
}

/** A sandbox running in a child process, reached over loopback HTTP like TTD (inspection via /_sandbox/). */
export interface RemoteSandbox {
  origin: string
  apiBaseUrl: string
  token: string
  advertiserId: string
  segments(): Promise<SegmentInfo[]>
  createSegment(name: string): Promise<string>
  close(): Promise<void>
}

/**
 * fetch, retried once when a kept-alive connection turns out to be closed: the sandbox's server drops idle
 * connections after 5 s, and a request sent in that same instant fails before the server sees it.
 */
export async function benchFetch(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (error) {
    const code = ((error as { cause?: { code?: string } }).cause ?? {}).code
    if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw error
    return fetch(url, init)
  }
}

/**
 * Closes the idle kept-alive connections of node's global agent (used by actions-core's request client) before a
 * measured run, for the same reason: the runtime's own retry of such a request is not what the bench measures.
 */
export function dropIdleConnections(): void {
  globalAgent.destroy()
}

/** A TypeScript child of the bench that prints one JSON line (its address) and stops when its stdin closes. */
export interface ChildServer<T> {
  info: T
  close(): Promise<void>
}

export async function startChildServer<T>(file: string): Promise<ChildServer<T>> {
  const child = spawn(process.execPath, ['-r', TS_NODE, file], { stdio: ['pipe', 'pipe', 'inherit'] })
  const info = JSON.parse(await firstLine(child)) as T
  return {
    info,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.stdin?.end()
      })
  }
}

export async function startSandboxProcess(): Promise<RemoteSandbox> {
  const server = await startChildServer<{ origin: string; apiBaseUrl: string; token: string; advertiserId: string }>(
    SERVER
  )
  const { info } = server
  const api = (path: string, init: RequestInit = {}) =>
    benchFetch(`${info.apiBaseUrl}${path}`, {
      ...init,
      headers: { 'TTD-Auth': info.token, 'Content-Type': 'application/json' }
    })
  return {
    ...info,
    segments: async () => (await (await benchFetch(`${info.origin}/_sandbox/segments`)).json()) as SegmentInfo[],
    createSegment: async (name) => {
      const answer = await api('/crmdata/segment', {
        method: 'POST',
        body: JSON.stringify({ AdvertiserId: info.advertiserId, SegmentName: name, Region: 'US' })
      })
      return ((await answer.json()) as { CrmDataId: string }).CrmDataId
    },
    close: () => server.close()
  }
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', (line) => {
      lines.close()
      resolve(line)
    })
    child.once('exit', (code) => reject(new Error(`the sandbox process exited with ${code} before starting`)))
  })
}
