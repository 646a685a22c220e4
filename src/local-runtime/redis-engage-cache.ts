import { connect as connectTcp } from 'node:net'
import Redis from 'ioredis'
import type { EngageDestinationCache } from '../destinations/the-trade-desk-crm/engine/store'
import { DEFAULT_MAX_EXPIRY_SECONDS, DEFAULT_MAX_VALUE_SIZE_BYTES } from './memory-engage-cache'

/** Raised when the Redis server cannot be reached or answers wrongly at start: the runner exits 2 on it. */
export class CoordinationUnavailableError extends Error {
  override name = 'CoordinationUnavailableError'
}

export interface RedisEngageCacheOptions {
  /** How long to wait for the first connection and for each command; a hung Redis must not hang a sync. */
  timeoutMs?: number
  maxExpirySeconds?: number
  maxValueSizeBytes?: number
}

const DEFAULT_TIMEOUT_MS = 3_000

/**
 * actions-core's `EngageDestinationCache` over a Redis server, so several runner processes (on one machine or
 * several) coordinate as the runtime's machines do. `setByKeyNX` is `SET key value EX s NX`, atomic in Redis.
 * Every command fails fast instead of queueing while disconnected: the destination turns a failed cache call
 * into a retryable error rather than carrying on uncoordinated.
 */
export class RedisEngageCache implements EngageDestinationCache {
  readonly maxExpirySeconds: number
  readonly maxValueSizeBytes: number

  private constructor(
    private readonly redis: Redis,
    options: RedisEngageCacheOptions
  ) {
    this.maxExpirySeconds = options.maxExpirySeconds ?? DEFAULT_MAX_EXPIRY_SECONDS
    this.maxValueSizeBytes = options.maxValueSizeBytes ?? DEFAULT_MAX_VALUE_SIZE_BYTES
  }

  /** Connects and checks the server answers (PING); throws CoordinationUnavailableError otherwise. */
  static async connect(url: string, options: RedisEngageCacheOptions = {}): Promise<RedisEngageCache> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    // A plain TCP probe first: it names the reason (refused, unknown host, timeout) where ioredis only says
    // "Connection is closed", and leaves no client behind when nothing listens.
    await probe(url, timeoutMs)
    let established = false
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      // No retry for the first connection (the caller reports it); after a drop, a few reconnection attempts.
      // A Redis that stays away fails the commands, it never hangs them.
      retryStrategy: (times) => (established && times <= 3 ? 200 : null)
    })
    // ioredis reports connection errors as events too; without a listener they would be printed as unhandled.
    redis.on('error', () => undefined)
    try {
      await redis.connect()
      const pong = await redis.ping()
      if (pong !== 'PONG') throw new Error(`unexpected answer to PING: ${pong}`)
      established = true
    } catch (error) {
      redis.disconnect()
      const reason = error instanceof Error ? error.message : String(error)
      throw new CoordinationUnavailableError(`Cannot reach the coordination Redis at ${safeUrl(url)}: ${reason}`)
    }
    return new RedisEngageCache(redis, options)
  }

  getByKey = async (key: string): Promise<string | null> => this.redis.get(key)

  setByKey = async (key: string, value: string, expiryInSeconds?: number): Promise<boolean> =>
    (await this.redis.set(key, value, 'EX', this.expiry(expiryInSeconds))) === 'OK'

  setByKeyNX = async (key: string, value: string, expiryInSeconds?: number): Promise<boolean> =>
    (await this.redis.set(key, value, 'EX', this.expiry(expiryInSeconds), 'NX')) === 'OK'

  delByKey = async (key: string): Promise<number> => this.redis.del(key)

  async close(): Promise<void> {
    try {
      await this.redis.quit()
    } catch {
      this.redis.disconnect()
    }
  }

  private expiry(seconds: number | undefined): number {
    return Math.max(1, Math.ceil(Math.min(seconds ?? this.maxExpirySeconds, this.maxExpirySeconds)))
  }
}

function probe(url: string, timeoutMs: number): Promise<void> {
  const parsed = new URL(url)
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1'
  const port = Number(parsed.port || 6379)
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port, timeout: timeoutMs })
    const fail = (reason: string) => {
      socket.destroy()
      reject(new CoordinationUnavailableError(`Cannot reach the coordination Redis at ${safeUrl(url)}: ${reason}`))
    }
    socket.once('connect', () => {
      socket.destroy()
      resolve()
    })
    socket.once('timeout', () => fail(`no connection within ${timeoutMs} ms`))
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message))
  })
}

/** The URL as a person typed it, minus any password. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'the given URL'
  }
}
