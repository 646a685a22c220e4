import { createHash } from 'node:crypto'
import type { NormalizeResult } from '../../pii/result'

/** SHA-256/base64 computed here, independently of `pii/hash.ts`. */
export function expectedHash(normalized: string): string {
  return createHash('sha256').update(Buffer.from(normalized, 'utf8')).digest('base64')
}

/** The reason of a rejection; fails the test (without echoing the value) when the result is not one. */
export function reasonOf(result: NormalizeResult): string {
  if (result.ok) throw new Error('expected a rejection, got an accepted value')
  return result.reason
}

/** The accepted value; fails the test when the result is a rejection. */
export function valueOf(result: NormalizeResult): string {
  if (!result.ok) throw new Error(`expected an accepted value, got: ${result.reason}`)
  return result.value
}

/** Marker that no English sentence contains: a window holding it that shows up in a reason is a real leak. */
export const MARKER = 'zq'
const WINDOW = 8

/**
 * The first piece of `input` that `reason` repeats, or undefined. Looks at the input as given, trimmed and
 * lowercased (a reason could echo the normalized form): the whole text when it is at least 3 characters,
 * then every window of WINDOW characters. With `onlyMarked`, only pieces containing MARKER count, which
 * rules out false positives from words that a fixed sentence happens to share with the input.
 * A window of the input occurs in the reason exactly when it is one of the reason's own windows, so the
 * reason's (few) windows are searched in the (possibly huge) input.
 */
export function leakedPiece(reason: string, input: string, onlyMarked = false): string | undefined {
  const variants = new Set([input, input.trim(), input.toLowerCase(), input.trim().toLowerCase()])
  const counts = (piece: string) => !onlyMarked || piece.includes(MARKER)
  for (const variant of variants) {
    if (variant.length >= 3 && counts(variant) && reason.includes(variant)) return variant
    for (let i = 0; i + WINDOW <= reason.length; i++) {
      const piece = reason.slice(i, i + WINDOW)
      if (counts(piece) && variant.includes(piece)) return piece
    }
  }
  return undefined
}
