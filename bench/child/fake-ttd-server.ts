// The loopback stand-in for TTD of the peer figure, in its own process like the sandbox of figures 2 and 3.
// Minimal on purpose: both destinations under comparison get the same two calls answered the same way. The
// sandbox cannot serve here: it refuses Segment's published destination's drop request, which still sends
// RetentionEnabled (TTD removed it in 2024). Prints one JSON line with its address; stops when stdin closes.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

/** Lines and bytes of every PUT, by drop number: what the bench checks after each run. */
const drops: { lines: number; bytes: number }[] = []

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Upload lines: newline-separated, a trailing newline or not. */
function countLines(body: Buffer): number {
  let lines = 0
  for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) lines++
  return body.length > 0 && body[body.length - 1] !== 10 ? lines + 1 : lines
}

const server = createServer((request, response) => {
  const url = request.url ?? ''
  const reply = (status: number, body: unknown) => {
    response.writeHead(status, { 'Content-Type': 'application/json' })
    response.end(body === undefined ? '' : JSON.stringify(body))
  }
  readBody(request).then(
    (body) => {
      if (request.method === 'POST' && /^\/v3\/crmdata\/segment\/[^/]+\/[^/]+$/.test(url)) {
        const { PiiType } = JSON.parse(body.toString('utf8') || '{}') as { PiiType?: string }
        if (!PiiType) return reply(400, { Message: 'PiiType is required' })
        drops.push({ lines: 0, bytes: 0 })
        const { port } = server.address() as AddressInfo
        return reply(200, { ReferenceId: `ref-${drops.length}`, Url: `http://127.0.0.1:${port}/drop/${drops.length}` })
      }
      const put = /^\/drop\/(\d+)$/.exec(url)
      if (request.method === 'PUT' && put && drops[Number(put[1]) - 1]) {
        drops[Number(put[1]) - 1] = { lines: countLines(body), bytes: body.length }
        response.writeHead(200)
        return response.end()
      }
      if (request.method === 'GET' && url === '/_fake/last-drop') return reply(200, drops[drops.length - 1] ?? null)
      reply(404, { Message: `no route ${request.method} ${url}` })
    },
    () => reply(500, undefined)
  )
})

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  process.stdout.write(JSON.stringify({ origin, apiBaseUrl: `${origin}/v3` }) + '\n')
})
process.stdin.resume()
process.stdin.on('end', () => server.close(() => process.exit(0)))
