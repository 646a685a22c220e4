import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { answerErrors, sendJson } from '../answer'
import { readJsonObject } from '../body'
import { BodyError } from '../http-error'
import { Router, methodNotAllowed } from '../router'

describe('Router', () => {
  const router = new Router<string>()
    .on('POST', '/v3/segment', 'create')
    .on('GET', '/v3/segment/:advertiserId', 'list')
    .on(['GET', 'HEAD'], '/', 'page')

  it('finds a route by method and path, with its named parts decoded', () => {
    expect(router.find('GET', '/v3/segment/adv%201')).toEqual({
      found: true,
      route: 'list',
      params: { advertiserId: 'adv 1' }
    })
    expect(router.find('HEAD', '/')).toEqual({ found: true, route: 'page', params: {} })
  })

  it('says which methods a path takes when the one asked for is not among them', () => {
    expect(router.find('DELETE', '/')).toEqual({ found: false, allowed: ['GET', 'HEAD'] })
    expect(router.find('GET', '/v3/segment')).toEqual({ found: false, allowed: ['POST'] })
    expect(router.find('BREW', '/')).toEqual({ found: false, allowed: ['GET', 'HEAD'] })
  })

  it('matches no route with an empty or badly encoded part, nor an unknown path', () => {
    expect(router.find('GET', '/v3/segment/')).toEqual({ found: false, allowed: [] })
    expect(router.find('GET', '/v3/segment/%E0%A4%A')).toEqual({ found: false, allowed: [] })
    expect(router.find('GET', '/nowhere')).toEqual({ found: false, allowed: [] })
  })

  it('lists its paths in the order they were added', () => {
    expect(router.paths).toEqual(['/v3/segment', '/v3/segment/:advertiserId', '/'])
  })

  it('words a 405 with the methods in Allow', () => {
    const error = methodNotAllowed('/', ['GET', 'HEAD'])
    expect([error.status, error.message, error.headers]).toEqual([
      405,
      '/ accepts GET, HEAD only.',
      { Allow: 'GET, HEAD' }
    ])
  })
})

describe('reading a JSON body', () => {
  let server: Server
  let url: string

  beforeAll(async () => {
    // echoes the object it read, or answers the BodyError's problem with its status and headers
    server = createServer((req, res) => {
      const reading = readJsonObject(req, 64).then((body) => sendJson(res, 200, body))
      answerErrors(req, res, reading, (error) => {
        const refused = error as BodyError
        sendJson(res, refused.status, { problem: refused.problem }, refused.headers)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  const post = async (body: string) => {
    const response = await fetch(url, { method: 'POST', body })
    return { status: response.status, connection: response.headers.get('connection'), json: await response.json() }
  }

  it('gives the object', async () => {
    expect(await post('{"a":1}')).toMatchObject({ status: 200, json: { a: 1 } })
  })

  it('refuses a body over the limit with 413, read to its end so the client gets the answer', async () => {
    expect(await post(`{"a":"${'x'.repeat(100_000)}"}`)).toEqual({
      status: 413,
      connection: 'close',
      json: { problem: 'too-large' }
    })
  })

  it.each([
    ['', 'empty'],
    ['  \n', 'empty'],
    ['{"a":', 'not-json'],
    ['[1]', 'not-object'],
    ['null', 'not-object']
  ])('refuses %j with 400 and says what was wrong as data', async (body, problem) => {
    expect(await post(body)).toMatchObject({ status: 400, json: { problem } })
  })
})
