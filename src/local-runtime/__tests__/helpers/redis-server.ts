import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { endProcess, freePort } from '../../../testing/spawn-cli'

/** Debian's package installs it here (`.ci/run` installs the package when it is missing); else from PATH. */
export const REDIS_SERVER_BIN = existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server'

export interface RedisProcess {
  url: string
  port: number
  stop(): Promise<void>
}

/**
 * A real redis-server on a free loopback port, without persistence (nothing written to disk), stopped by
 * the test that started it. Resolves once the server accepts connections.
 */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort()
  const child = spawn(
    REDIS_SERVER_BIN,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' }
  )
  await waitForPort(child, port)
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => endProcess(child)
  }
}

async function waitForPort(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 10_000
  let exited = false
  child.once('exit', () => (exited = true))
  child.once('error', () => (exited = true)) // not installed: said below, instead of an unhandled error
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server exited before listening on ${port}`)
    if (await canConnect(port)) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  await endProcess(child)
  throw new Error(`redis-server did not listen on ${port} within 10 s`)
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
