import {
  defaultValues,
  Destination,
  type DestinationDefinition,
  type JSONObject,
  Response,
  type RequestClient,
  type SegmentEvent
} from '@segment/actions-core'
import { join } from 'node:path'
import { createTheTradeDeskCrm } from '../../src/destinations/the-trade-desk-crm'
import { engageEvents, PII_TYPE, rawEmails } from '../data'
import { check, fmtMs, fmtRatio, median, now, type Figure, type FigureResult } from '../harness'
import { PEER_API_BASE, PEER_PACKAGE, PEER_VERSION, type Peer } from '../peer-package'
import { benchFetch, dropIdleConnections, startChildServer, type ChildServer } from '../sandbox-process'
import { benchMapping, countStatus, noopDefinition } from './runtime'

/** The CrmDataId both destinations upload to: Engage's external audience id, which the peer requires. */
const CRM_DATA_ID = 'crm-bench-peer'
const SETTINGS = {
  auth_token: 'bench-peer-token',
  advertiser_id: 'adv-bench-peer',
  __segment_internal_engage_force_full_sync: true,
  __segment_internal_engage_batch_sync: true
}
export const PEER_TARGETS = { trip: 1.0, tripGoal: 0.8, ownCost: 0.6 }
/** Rounds numbered from here on are profiling runs (bench/profile.ts), not measurements. */
const PROFILE_ROUNDS = 1000

type FakeTtd = ChildServer<{ origin: string; apiBaseUrl: string }>

export function startFakeTtd(): Promise<FakeTtd> {
  return startChildServer(join(__dirname, '..', 'child', 'fake-ttd-server.ts'))
}

async function lastDrop(fake: FakeTtd): Promise<{ lines: number; bytes: number }> {
  return (await (await benchFetch(`${fake.info.origin}/_fake/last-drop`)).json()) as { lines: number; bytes: number }
}

/** The peer as published, but with its requests to api.thetradedesk.com sent to the loopback fake instead. */
function redirected(peer: Peer, apiBaseUrl: string): DestinationDefinition<JSONObject> {
  const action = peer.definition.actions.syncAudience
  const performBatch = action.performBatch!
  const redirect = (request: RequestClient): RequestClient =>
    ((url: string, options?: Parameters<RequestClient>[1]) =>
      request(
        url.startsWith(PEER_API_BASE) ? apiBaseUrl + url.slice(PEER_API_BASE.length) : url,
        options
      )) as RequestClient
  return {
    ...peer.definition,
    // actions-core caches each action's compiled payload schema under "<destination name>:<action title>", and
    // both destinations are "The Trade Desk CRM" with "Sync Audience to CRM Data Segment": without its own name
    // the peer would be validated against whichever schema was compiled first.
    name: `${peer.definition.name} (${PEER_PACKAGE}@${PEER_VERSION})`,
    actions: { syncAudience: { ...action, performBatch: (request, data) => performBatch(redirect(request), data) } }
  }
}

/**
 * The peer's floor: its definition with a performBatch that does nothing and returns what the peer's returns, an
 * HTTP response (the PUT's), which actions-core turns into one result per event its own way.
 */
function peerNoop(definition: DestinationDefinition<JSONObject>): DestinationDefinition<JSONObject> {
  const action = definition.actions.syncAudience
  return {
    ...definition,
    actions: { syncAudience: { ...action, performBatch: () => new Response('', { status: 200 }) } }
  }
}

function onBatchSettings(mapping: JSONObject): JSONObject {
  return {
    ...SETTINGS,
    subscription: { partnerAction: 'syncAudience', subscribe: 'event = "Audience Entered"', mapping }
  }
}

/**
 * Figure 5, as two figures run in the same rotated rounds: the whole trip of `count` Engage events through
 * actions-core's `onBatch` into our definition and into Segment's published one, each against its own no-op floor.
 */
export function peerFigures(count: number, peer: Peer, fake: FakeTtd, without: string[] = []): Figure[] {
  const invalid = Math.floor(count / 1000)
  const features = { [peer.legacyFlowFlag]: true }
  let events: SegmentEvent[] = []
  /** The peer's own acceptance pattern (validEmailRegex in its functions.js), to check what it uploads. */
  const peerAccepted = rawEmails(count).filter((email) => /^\S+@\S+\.\S+$/i.test(email)).length

  const ours = createTheTradeDeskCrm({ apiBaseUrl: fake.info.apiBaseUrl, allowLoopbackHttpDrops: true })
  const oursGeneric = ours as unknown as DestinationDefinition<JSONObject>
  const oursMapping = benchMapping(ours, 'bench-peer')
  for (const field of without) {
    const definition = ours.actions.syncAudience.fields[field]
    check(definition !== undefined && !definition.required, `--without ${field}: not an optional field of ours`)
    delete oursMapping[field]
  }
  const oursSettings = onBatchSettings(oursMapping)
  const theirs = redirected(peer, fake.info.apiBaseUrl)
  const theirsSettings = onBatchSettings({
    ...(defaultValues(theirs.actions.syncAudience.fields) as JSONObject),
    pii_type: PII_TYPE
  })

  const figure = (
    id: string,
    label: string,
    definition: DestinationDefinition<JSONObject>,
    noop: DestinationDefinition<JSONObject>,
    settings: JSONObject,
    verify: (results: Awaited<ReturnType<Destination['onBatch']>>) => Promise<void>
  ): Figure => {
    const subject = new Destination(definition)
    const floor = new Destination(noop)
    const wall = { subject: [] as number[], floor: [] as number[] }
    /** CPU time of this process (all its threads) and wall time of one onBatch; CPU is what the figure compares. */
    const run = async (
      destination: Destination,
      round: number,
      which: 'subject' | 'floor'
    ): Promise<[number, Awaited<ReturnType<Destination['onBatch']>>]> => {
      dropIdleConnections()
      const cpu = process.cpuUsage()
      const start = now()
      const results = await destination.onBatch(events, settings, { features })
      const elapsed = now() - start
      const used = process.cpuUsage(cpu)
      destination.responses.splice(0)
      if (round >= 0 && round < PROFILE_ROUNDS) wall[which].push(elapsed)
      return [(used.user + used.system) / 1000, results]
    }
    return {
      id,
      title: `${label}: ${count} Engage events through Destination.onBatch to one loopback fake TTD`,
      floorLabel: 'same definition, fields and mapping with a no-op performBatch',
      items: count,
      target: Infinity,
      prepare: async () => {
        if (events.length !== count) events = engageEvents(count, CRM_DATA_ID)
      },
      subject: async (round) => {
        const [cpuMs, results] = await run(subject, round, 'subject')
        await verify(results)
        return cpuMs
      },
      floor: async (round) => {
        const [cpuMs, results] = await run(floor, round, 'floor')
        check(countStatus(results, 200) === count, `${id}: no-op onBatch did not succeed for every event`)
        return cpuMs
      },
      finish: async () => ({ wallMs: wall, label })
    }
  }

  return [
    figure(
      'peer-ours',
      without.length ? `ours, mapping without ${without.join(', ')}` : 'ours',
      oursGeneric,
      noopDefinition(oursGeneric),
      oursSettings,
      async (results) => {
        const ok = countStatus(results, 200)
        check(ok === count - invalid, `ours: ${ok} events succeeded, expected ${count - invalid}`)
        const body = results.flatMap((r) => r.multistatus ?? []).find((n) => n.status === 200 && 'body' in n)
        const distinct = ((body as { body?: { distinctIdentifiers?: number } }).body ?? {}).distinctIdentifiers
        const drop = await lastDrop(fake)
        check(drop.lines === distinct, `ours: uploaded ${drop.lines} lines, reported ${distinct} distinct`)
      }
    ),
    figure(
      'peer-segment',
      `Segment's ${PEER_PACKAGE}@${PEER_VERSION}, legacy flow`,
      theirs,
      peerNoop(theirs),
      theirsSettings,
      async (results) => {
        check(peer.awsCalls() === 0, 'the peer took its AWS path although the legacy flow flag was on')
        const ok = countStatus(results, 200)
        check(ok === count, `peer: ${ok} events succeeded, expected ${count}`)
        // The peer neither dedupes nor reports what it leaves out: every event reports success, while it skips
        // the addresses its pattern refuses, the malformed ones and those with stray whitespace (a fifth here).
        const drop = await lastDrop(fake)
        check(drop.lines === peerAccepted, `peer: uploaded ${drop.lines} lines, expected ${peerAccepted}`)
      }
    )
  ]
}

interface Side {
  tripMs: number
  floorMs: number
  ownMs: number
}

export interface PeerComparison {
  items: number
  /** Which of ours was measured (its mapping, when fields were left out with --without). */
  oursLabel: string
  /** CPU time of the measuring process (user + system, all threads): what the targets are judged on. */
  cpu: { ours: Side; peer: Side; ratio: { trip: number; floor: number; own: number } }
  /** Wall time of the same runs: on a shared machine it includes waiting for a core. */
  wall: { ours: Side; peer: Side; ratio: { trip: number; floor: number; own: number } }
  targets: typeof PEER_TARGETS
  pass: { trip: boolean; tripGoal: boolean; own: boolean }
}

/** Medians over rounds; own cost is the median of (trip - floor), each pair measured back to back. */
function side(trip: number[], floor: number[]): Side {
  return { tripMs: median(trip), floorMs: median(floor), ownMs: median(trip.map((ms, i) => ms - floor[i])) }
}

function compare(ours: Side, peer: Side) {
  return {
    ours,
    peer,
    ratio: { trip: ours.tripMs / peer.tripMs, floor: ours.floorMs / peer.floorMs, own: ours.ownMs / peer.ownMs }
  }
}

export function comparePeer(ours: FigureResult, peer: FigureResult): PeerComparison {
  const notesOf = (r: FigureResult) => r.notes as { wallMs: { subject: number[]; floor: number[] }; label: string }
  const wallOf = (r: FigureResult) => notesOf(r).wallMs
  const cpu = compare(
    side(ours.subject.samplesMs, ours.floor.samplesMs),
    side(peer.subject.samplesMs, peer.floor.samplesMs)
  )
  const wall = compare(side(wallOf(ours).subject, wallOf(ours).floor), side(wallOf(peer).subject, wallOf(peer).floor))
  return {
    items: ours.items,
    oursLabel: notesOf(ours).label,
    cpu,
    wall,
    targets: PEER_TARGETS,
    pass: {
      trip: cpu.ratio.trip <= PEER_TARGETS.trip,
      tripGoal: cpu.ratio.trip <= PEER_TARGETS.tripGoal,
      own: cpu.ratio.own <= PEER_TARGETS.ownCost
    }
  }
}

export function printPeerComparison(c: PeerComparison, log: (line: string) => void): void {
  const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS')
  const row = (label: string, a: number, b: number, ratio: number, target = '') =>
    log(
      `  ${label.padEnd(40)} ${fmtMs(a).padStart(9)} ${fmtMs(b).padStart(11)} ${fmtRatio(ratio).padStart(10)}   ${target}`
    )
  log(`\n[peer] ${c.items} Engage events through actions-core's onBatch: ours vs ${PEER_PACKAGE}@${PEER_VERSION}`)
  log(`  (legacy direct-upload flow forced, AWS client stubbed; one loopback fake TTD; medians of rotated rounds)`)
  if (c.oursLabel !== 'ours') log(`  measured as ours: ${c.oursLabel} (--without)`)
  for (const [title, part, judged] of [
    ['CPU time of the bench process (judged)', c.cpu, true],
    ['wall time (includes waiting for a core)', c.wall, false]
  ] as const) {
    log(`  ${title.padEnd(40)} ${'ours'.padStart(9)} ${"Segment's".padStart(11)} ${'ours/peer'.padStart(10)}`)
    const tripTarget = `target <= ${fmtRatio(c.targets.trip)}: ${verdict(c.pass.trip)} (goal ${fmtRatio(c.targets.tripGoal)}: ${verdict(c.pass.tripGoal)})`
    row('  whole trip', part.ours.tripMs, part.peer.tripMs, part.ratio.trip, judged ? tripTarget : '')
    row('  floor (no-op performBatch)', part.ours.floorMs, part.peer.floorMs, part.ratio.floor)
    const ownTarget = `target <= ${fmtRatio(c.targets.ownCost)}: ${verdict(c.pass.own)}`
    row('  own cost (trip - floor)', part.ours.ownMs, part.peer.ownMs, part.ratio.own, judged ? ownTarget : '')
  }
}
