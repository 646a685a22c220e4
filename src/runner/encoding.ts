/**
 * The text encodings the runner reads, as Node's TextDecoder names them. Exports from Excel and older CRMs come as
 * Windows-1252 or UTF-16 with a byte order mark; everything else is UTF-8.
 */
export const ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const
export type Encoding = (typeof ENCODINGS)[number]

/** Names people type for each encoding (compared without case, spaces, dashes or underscores). */
const ALIASES: Record<string, Encoding> = {
  utf8: 'utf-8',
  utf16: 'utf-16le',
  utf16le: 'utf-16le',
  utf16be: 'utf-16be',
  windows1252: 'windows-1252',
  cp1252: 'windows-1252',
  // Latin-1 as the web reads it: TextDecoder maps ISO-8859-1 to Windows-1252, which only adds printable
  // characters where ISO-8859-1 has control codes.
  latin1: 'windows-1252',
  iso88591: 'windows-1252'
}

/** The encoding a name means (`--encoding`), or undefined. */
export function encodingNamed(name: string): Encoding | undefined {
  return ALIASES[name.toLowerCase().replace(/[\s_-]/g, '')]
}

export const ENCODING_NAMES = 'utf-8, utf-16le, utf-16be (or utf-16: its byte order mark decides), windows-1252, latin1'

/** How the encoding was decided, for the summary and the first line of output. */
export type EncodingSource = 'byte order mark' | '--encoding' | 'valid UTF-8' | 'guessed'

export interface EncodingChoice {
  encoding: Encoding
  source: EncodingSource
  /** Set when the encoding was guessed: what a person should check. */
  note?: string
}

const BOMS: [number[], Encoding][] = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be']
]

/**
 * Decides how to read the content from its first bytes: a byte order mark says it outright; else `--encoding`;
 * else UTF-8 when the bytes are valid UTF-8; else UTF-16 when every other byte is zero (text of Latin letters
 * without a byte order mark); else Windows-1252, the usual encoding of exports that are not UTF-8, said as a
 * guess. Returns undefined for content that is none of these (binary). A byte order mark that contradicts
 * `--encoding` is an error the caller reports: one of them is wrong.
 */
export function chooseEncoding(
  head: Buffer,
  given: Encoding | undefined
): EncodingChoice | { conflict: Encoding } | undefined {
  const bom = BOMS.find(([bytes]) => bytes.every((byte, i) => head[i] === byte))?.[1]
  if (bom) {
    // utf-16 (either order) was asked for: the mark decides the order.
    const compatible = given === undefined || given === bom || (given.startsWith('utf-16') && bom.startsWith('utf-16'))
    return compatible ? { encoding: bom, source: 'byte order mark' } : { conflict: bom }
  }
  if (given) return { encoding: given, source: '--encoding' }
  if (!head.includes(0) && isUtf8(head)) return { encoding: 'utf-8', source: 'valid UTF-8' }
  const utf16 = zeroHalf(head)
  if (utf16) {
    return {
      encoding: utf16,
      source: 'guessed',
      note: `read as ${utf16.toUpperCase()} (every other byte is zero, and there is no byte order mark)`
    }
  }
  if (head.includes(0) || controlShare(head) > 0.01) return undefined
  return {
    encoding: 'windows-1252',
    source: 'guessed',
    note: 'not valid UTF-8: read as Windows-1252, the usual encoding of such exports (give --encoding if it is another)'
  }
}

/** Valid UTF-8, allowing a multi-byte character cut at the end of the head. */
function isUtf8(head: Buffer): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  for (let cut = 0; cut < 4 && cut < head.length; cut++) {
    try {
      decoder.decode(head.subarray(0, head.length - cut))
      return true
    } catch {
      // try again without the last bytes, in case a character was cut in two
    }
  }
  return head.length === 0
}

/** UTF-16 without a byte order mark: nearly every odd (LE) or even (BE) byte of enough text is zero. */
function zeroHalf(head: Buffer): Encoding | undefined {
  const pairs = Math.floor(Math.min(head.length, 4096) / 2)
  if (pairs < 8) return undefined
  let evenZero = 0
  let oddZero = 0
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenZero++
    if (head[2 * i + 1] === 0) oddZero++
  }
  if (oddZero >= pairs * 0.9 && evenZero === 0) return 'utf-16le'
  if (evenZero >= pairs * 0.9 && oddZero === 0) return 'utf-16be'
  return undefined
}

/** The share of bytes that are control codes other than tab, line feed, form feed and carriage return. */
function controlShare(head: Buffer): number {
  let controls = 0
  for (const byte of head) if (byte < 0x20 && byte !== 9 && byte !== 10 && byte !== 12 && byte !== 13) controls++
  return head.length === 0 ? 0 : controls / head.length
}
