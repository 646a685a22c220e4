/**
 * The slice of RFC 4180 an identifier list needs: comma-separated fields, optionally in double quotes with
 * `""` for a quote. A record is one line (emails and phone numbers never hold line breaks), so a quote left
 * open at the end of a line makes the line unreadable instead of swallowing the lines after it.
 */
export function parseCsvLine(line: string): string[] | undefined {
  const fields: string[] = []
  let i = 0
  for (;;) {
    if (line.charCodeAt(i) === 34) {
      const quoted = readQuoted(line, i + 1)
      if (!quoted) return undefined
      fields.push(quoted.value)
      i = quoted.end
      if (i < line.length && line.charCodeAt(i) !== 44) return undefined
    } else {
      const comma = line.indexOf(',', i)
      const end = comma === -1 ? line.length : comma
      fields.push(line.slice(i, end))
      i = end
    }
    if (i >= line.length) return fields
    i++ // the comma
  }
}

function readQuoted(line: string, start: number): { value: string; end: number } | undefined {
  let value = ''
  let i = start
  for (;;) {
    const quote = line.indexOf('"', i)
    if (quote === -1) return undefined
    value += line.slice(i, quote)
    if (line.charCodeAt(quote + 1) !== 34) return { value, end: quote + 1 }
    value += '"'
    i = quote + 2
  }
}

export interface CsvColumns {
  email?: number
  phone?: number
}

/** Finds the identifier columns by header name, ignoring case, spaces and a UTF-8 byte order mark. */
export function identifierColumns(headerLine: string): CsvColumns {
  const names = (parseCsvLine(headerLine.replace(/^\uFEFF/, '')) ?? []).map((name) => name.trim().toLowerCase())
  const columns: CsvColumns = {}
  const email = names.indexOf('email')
  const phone = names.indexOf('phone')
  if (email !== -1) columns.email = email
  if (phone !== -1) columns.phone = phone
  return columns
}
