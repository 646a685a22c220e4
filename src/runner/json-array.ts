import { StringDecoder } from 'node:string_decoder'
import { MAX_LINE_BYTES } from './input-file'

export interface JsonElement {
  /** The line the element starts on. */
  number: number
  /** The element's JSON text; undefined when it was longer than MAX_LINE_BYTES (or the array was cut short). */
  text: string | undefined
  /** Set when `text` is undefined because the element was longer than MAX_LINE_BYTES. */
  tooLong?: true
}

/**
 * Splits a top-level JSON array into the text of its elements as the bytes arrive, so a large array is read
 * with memory bounded by one element (the body shape `serve` takes, `[event, event, ...]`). It only tracks
 * nesting and strings; each element's text is then parsed with JSON.parse by the caller. Text after the
 * closing bracket comes out as one unreadable element.
 */
export class JsonArrayElements {
  private readonly decoder = new StringDecoder('utf8')
  private state: 'before' | 'between' | 'element' | 'after' = 'before'
  private line = 1
  private depth = 0
  private inString = false
  private escaped = false
  private parts: string[] = []
  private size = 0
  private tooLong = false
  private startLine = 0
  private trailingReported = false

  push(chunk: Buffer): JsonElement[] {
    return this.scan(this.decoder.write(chunk))
  }

  end(): JsonElement[] {
    const out = this.scan(this.decoder.end())
    if (this.state === 'element') out.push({ number: this.startLine, text: undefined })
    this.state = 'after'
    return out
  }

  private scan(text: string): JsonElement[] {
    const out: JsonElement[] = []
    let elementFrom = this.state === 'element' ? 0 : -1
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (this.state === 'element') {
        if (this.inString) {
          if (this.escaped) this.escaped = false
          else if (c === 92) this.escaped = true
          else if (c === 34) this.inString = false
        } else if (c === 34) this.inString = true
        else if (c === 123 || c === 91) this.depth++
        else if (c === 125 || c === 93 || c === 44) {
          if (this.depth > 0 && c !== 44) this.depth--
          else if (this.depth === 0) {
            this.keep(text.slice(elementFrom, i))
            out.push(this.finishElement())
            this.state = c === 93 ? 'after' : 'between'
            elementFrom = -1
          }
        }
      } else if (c === 10 || c === 13 || c === 32 || c === 9 || (c === 0xfeff && this.state === 'before')) {
        // whitespace between tokens, and a byte order mark before the array
      } else if (this.state === 'before') {
        if (c === 91) this.state = 'between'
        else this.trailing(out)
      } else if (this.state === 'between') {
        if (c === 93) this.state = 'after'
        else if (c !== 44) {
          this.state = 'element'
          this.startLine = this.line
          this.depth = 0
          this.inString = false
          this.escaped = false
          elementFrom = i
          i-- // read this character again as part of the element
          continue
        }
      } else this.trailing(out)
      if (c === 10) this.line++
    }
    if (this.state === 'element' && elementFrom !== -1) this.keep(text.slice(elementFrom))
    return out
  }

  private keep(part: string): void {
    if (this.tooLong) return
    this.size += part.length
    if (this.size > MAX_LINE_BYTES) {
      this.tooLong = true
      this.parts = []
    } else this.parts.push(part)
  }

  private finishElement(): JsonElement {
    const element: JsonElement = this.tooLong
      ? { number: this.startLine, text: undefined, tooLong: true }
      : { number: this.startLine, text: this.parts.join('') }
    this.parts = []
    this.size = 0
    this.tooLong = false
    return element
  }

  private trailing(out: JsonElement[]): void {
    if (this.trailingReported) return
    this.trailingReported = true
    out.push({ number: this.line, text: undefined })
  }
}
