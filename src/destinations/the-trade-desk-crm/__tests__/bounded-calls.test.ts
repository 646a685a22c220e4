/**
 * Every TTD call is bounded end to end, whatever the request client or the connection does: these drive
 * the client directly, with a request client that never answers and with a loopback server whose 200
 * answer stalls mid-body, and check the outcome (TTD unreachable, retryable, status 504, the cause named) and that
 * the connection is let go.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequestClient, type RequestClient } from '@segment/actions-core'
import { TtdCrmClient, type TtdClientConfig } from '../api'
import { TtdError } from '../errors'

const CONFIG: TtdClientConfig = {
  apiBaseUrl: 'http://127.0.0.1:9/v3',
  token: 'test-token-bounded',
  advertiserId: 'adv1',
  allowLoopbackHttpDrops: true,
  apiTimeoutMs: 100,
  uploadTimeoutBaseMs: 100
}

async function failure(promise: Promise<unknown>): Promise<TtdError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error
  )
  if (!(outcome instanceof TtdError)) throw new Error(`expected a TtdError, got ${String(outcome)}`)
  expect(outcome).toMatchObject({ code: 'TTD_UNREACHABLE', retryable: true, segmentStatus: 504 })
  return outcome
}

describe('with a request client that never settles', () => {
  const never = jest.fn(() => new Promise(() => undefined)) as unknown as RequestClient

  it('gives up at the deadline with a retryable 504', async () => {
    const error = await failure(new TtdCrmClient(never, CONFIG).listSegments())
    expect(error).toMatchObject({ network: 'timeout', operation: 'list CRM segments', host: '127.0.0.1:9' })
    expect(error.message).toBe(
      'Could not reach The Trade Desk for "list CRM segments" at 127.0.0.1:9: no complete answer came in time.'
    )
  })

  it('gives up when the runtime aborts the invocation, with the same retryable 504', async () => {
    const invocation = new AbortController()
    const call = new TtdCrmClient(never, { ...CONFIG, apiTimeoutMs: 60_000, signal: invocation.signal }).createSegment(
      'Name',
      'US'
    )
    invocation.abort()
    const error = await failure(call)
    expect(error).toMatchObject({ network: 'aborted', operation: 'create the CRM segment' })
    expect(error.message).toMatch(/the call was stopped before the answer was complete\.$/)
  })

  it('does not start a call once the runtime has aborted', async () => {
    const request = jest.fn(() => new Promise(() => undefined)) as unknown as RequestClient
    const invocation = new AbortController()
    invocation.abort()
    const error = await failure(
      new TtdCrmClient(request, { ...CONFIG, signal: invocation.signal }).requestDrop('crm-1', 'Email', 'Add')
    )
    expect(error.network).toBe('aborted')
    expect(request).not.toHaveBeenCalled()
  })
})

describe('with a loopback server whose 200 answer stalls mid-body', () => {
  let server: Server
  let baseUrl: string
  // Resolved once an answer's headers and the start of its body have been sent.
  let answerStarted: () => void = () => undefined

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' })
        res.write('{"Segments":[', () => answerStarted())
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  /** Resolves once the server holds no connection: whoever gave up on a stalled answer also let it go. */
  async function allConnectionsClosed(): Promise<void> {
    for (;;) {
      const open = await new Promise<number>((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count)))
      )
      if (open === 0) return
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  // The runtime's request client always carries the invocation's signal in its defaults.
  const runtimeClient = () => createRequestClient({ signal: new AbortController().signal })

  it.each([
    ['list', (client: TtdCrmClient) => client.listFirstPage()],
    ['create', (client: TtdCrmClient) => client.createSegment('Name', 'US')],
    ['drop', (client: TtdCrmClient) => client.requestDrop('crm-1', 'Email', 'Replace')],
    ['upload', (client: TtdCrmClient) => client.upload(`${baseUrl}/drop/1`, Buffer.from('line\n'))]
  ])('%s: fails with a retryable 504 and closes the connection', async (_, call) => {
    // Long enough for the answer to start on a busy machine, so the deadline meets a stalled body.
    const client = new TtdCrmClient(runtimeClient(), {
      ...CONFIG,
      apiBaseUrl: `${baseUrl}/v3`,
      apiTimeoutMs: 500,
      uploadTimeoutBaseMs: 500
    })
    const error = await failure(call(client))
    expect(error.network).toBe('timeout')
    // A call cut short after it was sent may have reached TTD: for the upload, the window counts it as applied.
    expect(error.stored).toBe('maybe')
    // Nothing is left holding a socket to the stalled answer (this waits until the server sees it end).
    await allConnectionsClosed()
  })

  it('fails with a retryable 504 when the runtime aborts a call whose answer has started', async () => {
    const invocation = new AbortController()
    const client = new TtdCrmClient(createRequestClient({ signal: invocation.signal }), {
      ...CONFIG,
      apiBaseUrl: `${baseUrl}/v3`,
      // Far beyond the abort, yet short: node-fetch keeps a failed body's read timer until it expires.
      apiTimeoutMs: 3_000,
      signal: invocation.signal
    })
    const started = new Promise<void>((resolve) => (answerStarted = resolve))
    const call = client.listFirstPage()
    await started
    invocation.abort()
    const error = await failure(call)
    expect(error).toMatchObject({ network: 'aborted', operation: 'list CRM segments' })
    await allConnectionsClosed()
  })
})
