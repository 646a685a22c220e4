const { createRequestClient } = require('@segment/actions-core')
const http = require('http')
process.on('uncaughtException', (e) => console.log('UNCAUGHT', e.code, e.message))
const mode = process.argv[2]
const srv = http.createServer((req, res) => {
  const chunked = mode === 'chunked'
  if (chunked) res.writeHead(200, {'content-type':'application/json'})
  else res.writeHead(200, {'content-type':'application/json', 'content-length': '100'})
  res.write('{"Segments":[')
  setTimeout(() => {
    if (mode === 'close') req.socket.end()
    else if (mode === 'reset') req.socket.resetAndDestroy()
    else if (mode === 'chunked') req.socket.end()
    // stall: nothing
  }, 50)
})
srv.listen(0, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${srv.address().port}/`
  const client = createRequestClient({}, { signal: undefined })
  const t0 = Date.now()
  const guard = setTimeout(() => { console.log(mode, 'HANG after 2s'); process.exit(0) }, 2000)
  try {
    const r = await client(url, { timeout: 300, skipResponseCloning: process.argv[3] === 'skip' })
    console.log(mode, 'ok', JSON.stringify(r.content))
  } catch (e) { console.log(mode, 'err', e.name, e.code, e.message, Date.now() - t0) }
  clearTimeout(guard)
  setTimeout(() => process.exit(0), 300)
})
