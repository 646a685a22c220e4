const DIGEST_BYTES = 32
// Bound once: inside a vm context (jest's test environment) every global lookup such as `Math` goes through the
// context's interceptors, which made hashing a million digests take seconds instead of milliseconds.
const imul = Math.imul

/**
 * A set of SHA-256 digests kept as raw bytes in one buffer with an open-addressing index. Every member key is a
 * digest (plain PII is stored hashed), and a million uploaded lines as JS strings in a Set cost several times the
 * memory and most of an upload's time; here adding one is a hash over 32 bytes and a copy.
 */
export class DigestSet {
  private digests: Buffer
  private hashes: Uint32Array
  private slots: Int32Array // index of the digest + 1; 0 marks a free slot
  private count = 0

  constructor(expected = 1024) {
    let slotCount = 16
    while (slotCount < expected * 2) slotCount *= 2
    this.slots = new Int32Array(slotCount)
    this.digests = Buffer.allocUnsafe((slotCount / 2) * DIGEST_BYTES)
    this.hashes = new Uint32Array(slotCount / 2)
  }

  get size(): number {
    return this.count
  }

  /** Adds the 32 bytes at source[offset]; false when they were already in the set. */
  add(source: Uint8Array, offset: number): boolean {
    if ((this.count + 1) * 2 > this.slots.length) this.grow()
    const hash = hashDigest(source, offset)
    const mask = this.slots.length - 1
    let slot = hash & mask
    for (;;) {
      const entry = this.slots[slot]
      if (entry === 0) break
      if (this.hashes[entry - 1] === hash && this.equalsAt(entry - 1, source, offset)) return false
      slot = (slot + 1) & mask
    }
    const index = this.count++
    const base = index * DIGEST_BYTES
    for (let i = 0; i < DIGEST_BYTES; i++) this.digests[base + i] = source[offset + i]
    this.hashes[index] = hash
    this.slots[slot] = index + 1
    return true
  }

  /** Whether the 32 bytes at source[offset] are in the set. */
  has(source: Uint8Array, offset = 0): boolean {
    const hash = hashDigest(source, offset)
    const mask = this.slots.length - 1
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]
      if (entry === 0) return false
      if (this.hashes[entry - 1] === hash && this.equalsAt(entry - 1, source, offset)) return true
    }
  }

  addAll(other: DigestSet): void {
    for (let i = 0; i < other.count; i++) this.add(other.digests, i * DIGEST_BYTES)
  }

  /** The members in the form TTD's hashed PII types carry: standard base64 of the digest. */
  toBase64Set(): Set<string> {
    const result = new Set<string>()
    for (let i = 0; i < this.count; i++) {
      result.add(this.digests.toString('base64', i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES))
    }
    return result
  }

  private equalsAt(index: number, source: Uint8Array, offset: number): boolean {
    const base = index * DIGEST_BYTES
    for (let i = 0; i < DIGEST_BYTES; i++) if (this.digests[base + i] !== source[offset + i]) return false
    return true
  }

  private grow(): void {
    const slotCount = this.slots.length * 2
    const digests = Buffer.allocUnsafe((slotCount / 2) * DIGEST_BYTES)
    this.digests.copy(digests, 0, 0, this.count * DIGEST_BYTES)
    const hashes = new Uint32Array(slotCount / 2)
    hashes.set(this.hashes.subarray(0, this.count))
    const slots = new Int32Array(slotCount)
    const mask = slotCount - 1
    for (let index = 0; index < this.count; index++) {
      let slot = hashes[index] & mask
      while (slots[slot] !== 0) slot = (slot + 1) & mask
      slots[slot] = index + 1
    }
    this.digests = digests
    this.hashes = hashes
    this.slots = slots
  }
}

// All 32 bytes take part: hashed uploads are client-supplied and need not be real digests (test data often varies
// only in the last bytes), so no single word of them can be trusted to spread the keys.
function hashDigest(source: Uint8Array, offset: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < DIGEST_BYTES; i++) hash = imul(hash ^ source[offset + i], 0x01000193)
  hash ^= hash >>> 15
  hash = imul(hash, 0x2c1b3c6d)
  hash ^= hash >>> 12
  return hash >>> 0
}
