import { RetryableError } from '@segment/actions-core'
import { SingleFlight } from '../single-flight'

/** A promise settled from outside, to hold work in flight for as long as a test needs. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('SingleFlight', () => {
  it('shares one run of the work among callers that overlap', async () => {
    const flight = new SingleFlight<string>()
    const gate = deferred<string>()
    const work = jest.fn(() => gate.promise)
    const first = flight.run('k', work)
    const second = flight.run('k', work)
    gate.resolve('crm-1')
    await expect(Promise.all([first, second])).resolves.toEqual(['crm-1', 'crm-1'])
    expect(work).toHaveBeenCalledTimes(1)
  })

  it('releases the key when the work fails, so the next caller runs it again', async () => {
    const flight = new SingleFlight<string>()
    const work = jest.fn().mockRejectedValueOnce(new Error('list failed')).mockResolvedValueOnce('crm-2')
    await expect(flight.run('k', work)).rejects.toThrow('list failed')
    await expect(flight.run('k', work)).resolves.toBe('crm-2')
    expect(work).toHaveBeenCalledTimes(2)
  })

  it('never shares work that threw before returning a promise', async () => {
    const flight = new SingleFlight<string>()
    const work = jest
      .fn<Promise<string>, []>()
      .mockImplementationOnce(() => {
        throw new Error('bad input')
      })
      .mockResolvedValueOnce('crm-3')
    await expect(flight.run('k', work)).rejects.toThrow('bad input')
    await expect(flight.run('k', work)).resolves.toBe('crm-3')
  })

  it('gives up on work that outlives its bound: every waiter gets a retryable error and the key is free again', async () => {
    const flight = new SingleFlight<string>(50)
    const never = new Promise<string>(() => undefined)
    const leader = flight.run('k', () => never)
    const joiner = flight.run('k', () => Promise.resolve('not run'))
    for (const waiter of [leader, joiner]) {
      const error = await waiter.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RetryableError)
      expect((error as RetryableError).status).toBe(504)
    }
    await expect(flight.run('k', () => Promise.resolve('crm-4'))).resolves.toBe('crm-4')
  })

  it('does not let late work evict the flight that replaced it', async () => {
    const flight = new SingleFlight<string>(50)
    const late = deferred<string>()
    await expect(flight.run('k', () => late.promise)).rejects.toBeInstanceOf(RetryableError)
    const current = deferred<string>()
    const second = jest.fn(() => current.promise)
    const running = flight.run('k', second)
    late.resolve('stale')
    await late.promise
    const joined = flight.run('k', second)
    current.resolve('crm-5')
    await expect(Promise.all([running, joined])).resolves.toEqual(['crm-5', 'crm-5'])
    expect(second).toHaveBeenCalledTimes(1)
  })
})
