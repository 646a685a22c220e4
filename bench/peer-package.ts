// Segment's published TTD CRM destination, fetched on demand for the peer figure: `npm pack` into a cache folder
// outside the repository (never a dependency of this project), extracted there, and loaded with
//  - `@segment/actions-core` resolving to this repository's copy (a symlink in the cache's node_modules), so
//    both destinations run on the very same runtime (3.170.0, inside the peer's declared ^3.170.0);
//  - its AWS client (`awsClient.js`, the S3 path of its default flow) replaced by a stub before it loads, so
//    neither the AWS SDK nor any network is needed; the bench forces the legacy direct-upload flow with the
//    peer's own feature flag, read from its source, and checks the stub was never called.
// Nothing else of the 6,900-file package is loaded, so its other dependencies are not installed.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs'
import { homedir } from 'node:os'
import Module from 'node:module'
import { join } from 'node:path'
import type { DestinationDefinition, JSONObject } from '@segment/actions-core'

export const PEER_PACKAGE = '@segment/action-destinations'
export const PEER_VERSION = '3.497.0'
/** Where the published destination sends every request. */
export const PEER_API_BASE = 'https://api.thetradedesk.com/v3'

export interface Peer {
  definition: DestinationDefinition<JSONObject>
  /** The feature flag that turns the peer's legacy direct-upload flow on. */
  legacyFlowFlag: string
  /** Calls that reached the stubbed AWS client: must stay 0. */
  awsCalls(): number
  dir: string
}

export type PeerLoad = { ok: true; peer: Peer } | { ok: false; reason: string }

export function peerCacheDir(): string {
  return process.env.TTD_CRM_BENCH_CACHE ?? join(homedir(), '.cache', 'ttd-crm-bench')
}

/** Fetches (once) and loads the peer; any failure (registry unreachable, layout changed) is a reason to skip. */
export function loadPeer(log: (line: string) => void): PeerLoad {
  const root = join(peerCacheDir(), `action-destinations-${PEER_VERSION}`)
  const dir = join(root, 'package', 'dist', 'destinations', 'the-trade-desk-crm')
  try {
    if (!existsSync(join(dir, 'index.js'))) fetchPeer(root, log)
    linkActionsCore(root)
    return { ok: true, peer: { ...loadDefinition(dir), dir } }
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message.split('\n')[0] : String(error) }
  }
}

function fetchPeer(root: string, log: (line: string) => void): void {
  rmSync(root, { recursive: true, force: true })
  mkdirSync(root, { recursive: true })
  log(`fetching ${PEER_PACKAGE}@${PEER_VERSION} with npm pack into ${root}`)
  try {
    execFileSync('npm', ['pack', `${PEER_PACKAGE}@${PEER_VERSION}`, '--loglevel=error', '--pack-destination', root], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000
    })
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '').trim()
    throw new Error(`npm pack ${PEER_PACKAGE}@${PEER_VERSION} failed (registry unreachable?): ${stderr || error}`)
  }
  const tarball = readdirSync(root).find((name) => name.endsWith('.tgz'))
  if (!tarball) throw new Error('npm pack wrote no tarball')
  execFileSync('tar', ['xzf', tarball], { cwd: root })
  rmSync(join(root, tarball))
}

/**
 * Points the cache's actions-core at this checkout's copy. The cache outlives checkouts, so a link left by another
 * (possibly deleted) checkout is replaced rather than trusted.
 */
function linkActionsCore(root: string): void {
  const link = join(root, 'node_modules', '@segment', 'actions-core')
  const target = join(__dirname, '..', 'node_modules', '@segment', 'actions-core')
  let current: string | undefined
  try {
    current = readlinkSync(link)
  } catch {
    current = undefined
  }
  if (current === target) return
  rmSync(link, { force: true, recursive: true })
  mkdirSync(join(root, 'node_modules', '@segment'), { recursive: true })
  symlinkSync(target, link, 'dir')
}

function loadDefinition(dir: string): Omit<Peer, 'dir'> {
  let awsCalls = 0
  const awsPath = join(dir, 'awsClient.js')
  const stub = new Module(awsPath)
  stub.filename = awsPath
  stub.loaded = true
  stub.exports = {
    sendEventToAWS: async () => {
      awsCalls++
      throw new Error('the bench stubs the peer AWS client: its legacy flow should have been taken')
    }
  }
  require.cache[awsPath] = stub
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const functions = require(join(dir, 'functions.js')) as { TTD_LEGACY_FLOW_FLAG_NAME?: unknown }
  const flag = functions.TTD_LEGACY_FLOW_FLAG_NAME
  if (typeof flag !== 'string') throw new Error('the peer no longer exports TTD_LEGACY_FLOW_FLAG_NAME')
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const definition = (require(join(dir, 'index.js')) as { default: Peer['definition'] }).default
  if (!definition?.actions?.syncAudience?.performBatch) throw new Error('the peer has no syncAudience.performBatch')
  return { definition, legacyFlowFlag: flag, awsCalls: () => awsCalls }
}
