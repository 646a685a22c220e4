/**
 * The example audience the runner syncs by default: Engage `Audience Entered` / `Audience Exited` track events,
 * deterministic (seeded), written on first use into an ignored path (see `example.ts`) rather than committed.
 * Each stretch of `chunkSize` events (the runner's batch size for the example) holds its own mix of people, so
 * every batch clears TTD's minimum of 1,500 distinct people and its duplicates fall in the same batch, where the
 * destination detects them. Larger files (scripts/generate-example-audience.ts --events 1000000) are for
 * benchmarks; addresses are all on example.com/.net/.org.
 */
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, rename } from 'node:fs/promises'
import { once } from 'node:events'
import { dirname } from 'node:path'
import { engageEvent } from '../engage-events/engage-event'
import { EXAMPLE_AUDIENCE_KEY, EXAMPLE_BATCH_SIZE, EXAMPLE_EVENT_COUNT, EXAMPLE_INPUT } from './example'
import { seededRandom, shuffle } from './seeded-random'

export interface ExampleOptions {
  events?: number
  chunkSize?: number
  seed?: number
  audienceKey?: string
}

/** Per chunk: shares of people who left, bad addresses and repeated addresses; the rest are distinct members. */
const EXITED_SHARE = 0.08
const INVALID_SHARE = 0.03
const DUPLICATE_SHARE = 0.04

const FIRST_NAMES = ['ada', 'alan', 'grace', 'edsger', 'barbara', 'donald', 'frances', 'ken', 'radia', 'linus']
const LAST_NAMES = ['lovelace', 'turing', 'hopper', 'dijkstra', 'liskov', 'knuth', 'allen', 'thompson', 'perlman']
const DOMAINS = ['example.com', 'example.net', 'example.org']
/** Addresses the destination must refuse; `undefined` is an event without an email trait. */
const INVALID_EMAILS: (string | undefined)[] = [
  'no-at-sign.example.com',
  'two@@example.com',
  'has space@example.com',
  'nodot@localhost',
  '@example.com',
  undefined
]

type Kind = 'entered' | 'exited' | 'invalid' | 'duplicate'

function emailOf(person: number): string {
  const first = FIRST_NAMES[person % FIRST_NAMES.length]
  const last = LAST_NAMES[Math.floor(person / FIRST_NAMES.length) % LAST_NAMES.length]
  return `${first}.${last}.${person}@${DOMAINS[person % DOMAINS.length]}`
}

/** The same address as a person types it another time: other case, stray spaces. Normalizes identically. */
function retyped(email: string, variant: number): string {
  if (variant % 3 === 0) return email.toUpperCase()
  if (variant % 3 === 1) return `  ${email} `
  return email[0].toUpperCase() + email.slice(1)
}

function chunkKinds(size: number, next: () => number): Kind[] {
  const exited = Math.round(size * EXITED_SHARE)
  const invalid = Math.round(size * INVALID_SHARE)
  const duplicate = Math.round(size * DUPLICATE_SHARE)
  const entered = size - exited - invalid - duplicate
  const kinds: Kind[] = [
    ...Array<Kind>(entered).fill('entered'),
    ...Array<Kind>(exited).fill('exited'),
    ...Array<Kind>(invalid).fill('invalid'),
    ...Array<Kind>(duplicate).fill('duplicate')
  ]
  shuffle(kinds, next)
  // A repeat needs an earlier member in its chunk: if a repeat comes first, swap it with the first member.
  const firstDuplicate = kinds.indexOf('duplicate')
  const firstEntered = kinds.indexOf('entered')
  if (firstDuplicate !== -1 && firstDuplicate < firstEntered) {
    kinds[firstDuplicate] = 'entered'
    kinds[firstEntered] = 'duplicate'
  }
  return kinds
}

/** The example's JSONL lines, one event each, generated lazily so large files stream to disk. */
export function* exampleAudienceLines(options: ExampleOptions = {}): Generator<string> {
  const total = options.events ?? EXAMPLE_EVENT_COUNT
  const chunkSize = options.chunkSize ?? EXAMPLE_BATCH_SIZE
  const key = options.audienceKey ?? EXAMPLE_AUDIENCE_KEY
  const next = seededRandom(options.seed ?? 20261128)
  const start = Date.UTC(2026, 10, 28, 12, 0, 0)
  let person = 0
  let n = 0

  for (let chunkStart = 0; chunkStart < total; chunkStart += chunkSize) {
    const members: string[] = []
    for (const kind of chunkKinds(Math.min(chunkSize, total - chunkStart), next)) {
      let email: string | undefined
      let entered = true
      if (kind === 'entered') {
        email = emailOf(person++)
        members.push(email)
      } else if (kind === 'exited') {
        email = emailOf(person++)
        entered = false
      } else if (kind === 'invalid') {
        email = INVALID_EMAILS[Math.floor(next() * INVALID_EMAILS.length)]
      } else {
        email = retyped(members[Math.floor(next() * members.length)], n)
      }
      yield JSON.stringify(exampleEvent(key, n, start, email, entered))
      n++
    }
  }
}

function exampleEvent(key: string, n: number, start: number, email: string | undefined, entered: boolean) {
  const id = String(n).padStart(7, '0')
  return engageEvent(key, {
    entered,
    email,
    computationId: 'aud_example',
    spaceId: 'spa_example',
    extra: {
      userId: `example-user-${id}`,
      messageId: `example-message-${id}`,
      timestamp: new Date(start + n * 1000).toISOString()
    }
  })
}

/**
 * Streams the example's lines to `path` (through a temporary file renamed at the end, so an interrupted write
 * never leaves a partial example behind) and returns how many events it wrote.
 */
export async function writeExampleAudience(path: string, options: ExampleOptions = {}): Promise<number> {
  await mkdir(dirname(path), { recursive: true })
  const partial = `${path}.${process.pid}.partial`
  const file = createWriteStream(partial, { encoding: 'utf8' })
  let count = 0
  for (const line of exampleAudienceLines(options)) {
    count++
    if (!file.write(line + '\n')) await once(file, 'drain')
  }
  file.end()
  await once(file, 'finish')
  await rename(partial, path)
  return count
}

/** Writes the example audience to its ignored path the first time the runner needs it; later runs reuse it. */
export async function ensureExampleAudience(path = EXAMPLE_INPUT.absolute): Promise<void> {
  if (!existsSync(path)) await writeExampleAudience(path)
}
