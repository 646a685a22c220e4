import { randomInt } from 'node:crypto'

const imul = Math.imul
const FNV_PRIME = 0x01000193
const INITIAL_SLOTS = 1024
/** A probe run this long means the table is being fed crafted collisions: a Set takes over. */
const MAX_PROBES = 64
/** Most lines a table is made ready for up front (4 MB of slots); a bigger batch grows the table as it goes. */
const MAX_PRESIZED_LINES = 500_000
/** Leading characters of a base64 SHA-256 digest that key the table: 48 random bits are plenty. */
const DIGEST_KEY_CHARS = 8

/** `digest`: lines are base64 SHA-256 digests, so their first characters are already uniformly random. */
export type LineKind = 'text' | 'digest'

/**
 * The distinct upload lines of a batch, in first-seen order, with `add` telling whether a line is new.
 *
 * A `Set<string>` does the same, but on a 100,000-line batch it costs about as much as hashing the
 * emails with SHA-256 did, mostly in growing its table and hashing each fresh string for it. This is an
 * open-addressing table of indices into `lines`, keyed by FNV-1a with a per-instance random seed (over
 * the first characters only for digests, whole lines otherwise), and kept at most half full. Should a
 * run of collisions ever grow suspiciously long (crafted input), it hands over to a `Set`, so the worst
 * case stays linear.
 */
export class DistinctLines {
  readonly lines: string[] = []
  private codes: number[] = []
  private slots: Int32Array
  private readonly seed = randomInt(0x7fffffff)
  private fallback: Set<string> | undefined

  /**
   * `expected`: how many lines may come (a batch's length), so that the table is made big enough once instead
   * of doubling its way there; it is only a hint, bounded, and the table still grows past it.
   */
  constructor(
    private readonly kind: LineKind = 'text',
    expected = 0
  ) {
    let slots = INITIAL_SLOTS
    while (slots < Math.min(expected, MAX_PRESIZED_LINES) * 2) slots *= 2
    this.slots = new Int32Array(slots)
  }

  get size(): number {
    return this.lines.length
  }

  /** Adds `line` unless present; true when it was new. */
  add(line: string): boolean {
    if (this.fallback) return this.addToFallback(line)
    const code = this.hash(line)
    const mask = this.slots.length - 1
    let slot = code & mask
    for (let probes = 0; probes < MAX_PROBES; probes++) {
      const entry = this.slots[slot]
      if (entry === 0) {
        this.lines.push(line)
        this.codes.push(code)
        this.slots[slot] = this.lines.length
        if (this.lines.length * 2 > this.slots.length) this.grow()
        return true
      }
      if (this.codes[entry - 1] === code && this.lines[entry - 1] === line) return false
      slot = (slot + 1) & mask
    }
    this.fallback = new Set(this.lines)
    this.codes = []
    return this.addToFallback(line)
  }

  private addToFallback(line: string): boolean {
    const fallback = this.fallback as Set<string>
    if (fallback.has(line)) return false
    fallback.add(line)
    this.lines.push(line)
    return true
  }

  private hash(line: string): number {
    const end = this.kind === 'digest' ? Math.min(line.length, DIGEST_KEY_CHARS) : line.length
    let h = this.seed
    for (let i = 0; i < end; i++) h = imul(h ^ line.charCodeAt(i), FNV_PRIME)
    return h >>> 0
  }

  /** Doubles the table, placing every line again from its stored code (no rehashing of strings). */
  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2)
    const mask = slots.length - 1
    for (let index = 0; index < this.codes.length; index++) {
      let slot = this.codes[index] & mask
      while (slots[slot] !== 0) slot = (slot + 1) & mask
      slots[slot] = index + 1
    }
    this.slots = slots
  }
}
