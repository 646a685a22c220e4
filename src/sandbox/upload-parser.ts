import { DigestSet } from './digest-set'
import { decodeBase64Digest, isE164Phone, isNormalizedEmail, sha256Into } from './identifiers'
import type { PiiType } from './types'

export interface UploadTally {
  lineCount: number
  rejectedLines: number
  /** The valid lines as digests (plain PII hashed), deduplicated. */
  digests: DigestSet
}

const NEWLINE = 10
const CARRIAGE_RETURN = 13
// No identifier comes close to this; the cap only keeps a body without newlines from being held whole.
const MAX_LINE_BYTES = 4096

/**
 * Splits an upload body into lines chunk by chunk and tallies them as they arrive, so a million-line body is never
 * held whole. Lines end with '\n' or '\r\n'; a final newline does not start another line. Every other line counts,
 * blank ones included (a blank identifier is a malformed one).
 */
export class UploadParser {
  private readonly carry = Buffer.allocUnsafe(MAX_LINE_BYTES)
  private carryLength = 0
  private carryOverlong = false
  private readonly digest = new Uint8Array(32)
  private readonly tally: UploadTally = { lineCount: 0, rejectedLines: 0, digests: new DigestSet(4096) }
  private readonly toDigest: (bytes: Uint8Array, start: number, end: number) => boolean

  constructor(piiType: PiiType) {
    this.toDigest = this.digester(piiType)
  }

  push(chunk: Buffer): void {
    let start = 0
    if (this.carryLength > 0 || this.carryOverlong) {
      const newline = chunk.indexOf(NEWLINE)
      this.appendToCarry(chunk, 0, newline === -1 ? chunk.length : newline)
      if (newline === -1) return
      this.endCarriedLine()
      start = newline + 1
    }
    let newline = chunk.indexOf(NEWLINE, start)
    while (newline !== -1) {
      this.line(chunk, start, newline)
      start = newline + 1
      newline = chunk.indexOf(NEWLINE, start)
    }
    if (start < chunk.length) this.appendToCarry(chunk, start, chunk.length)
  }

  finish(): UploadTally {
    if (this.carryLength > 0 || this.carryOverlong) this.endCarriedLine()
    return this.tally
  }

  private appendToCarry(chunk: Buffer, start: number, end: number): void {
    if (this.carryOverlong) return
    if (this.carryLength + end - start > MAX_LINE_BYTES) {
      this.carryOverlong = true
      this.carryLength = 0
      return
    }
    chunk.copy(this.carry, this.carryLength, start, end)
    this.carryLength += end - start
  }

  private endCarriedLine(): void {
    if (this.carryOverlong) {
      this.tally.lineCount++
      this.tally.rejectedLines++
    } else {
      this.line(this.carry, 0, this.carryLength)
    }
    this.carryOverlong = false
    this.carryLength = 0
  }

  private line(bytes: Uint8Array, start: number, end: number): void {
    this.tally.lineCount++
    const stop = end > start && bytes[end - 1] === CARRIAGE_RETURN ? end - 1 : end
    if (this.toDigest(bytes, start, stop)) this.tally.digests.add(this.digest, 0)
    else this.tally.rejectedLines++
  }

  /** Validates a line and, when valid, leaves its member digest in this.digest. */
  private digester(piiType: PiiType): (bytes: Uint8Array, start: number, end: number) => boolean {
    const out = this.digest
    const hashInto = (bytes: Uint8Array, start: number, end: number): true => {
      sha256Into(bytes.subarray(start, end), out)
      return true
    }
    switch (piiType) {
      case 'Email':
        return (bytes, start, end) => isNormalizedEmail(bytes, start, end) && hashInto(bytes, start, end)
      case 'Phone':
        return (bytes, start, end) => isE164Phone(bytes, start, end) && hashInto(bytes, start, end)
      case 'EmailHashedUnifiedId2':
      case 'PhoneNumberHashedUnifiedId2':
        return (bytes, start, end) => decodeBase64Digest(bytes, start, end, out)
    }
  }
}
