import { HTTPError, type RequestClient } from '@segment/actions-core'

/**
 * Tells an upload that the storage refused (it answered with an error status: nothing was stored) from one
 * that ended without an answer (timeout, broken connection: the file may have been stored). The sync
 * window treats the two differently, and only the raw failure knows which it was, so this watches the
 * request client the TTD client uses. Holds one entry per refused upload of one batch.
 */
export class UploadAnswers {
  private readonly refused = new Set<string>()

  watch(request: RequestClient): RequestClient {
    const watched = async (url: string, options?: Parameters<RequestClient>[1]) => {
      try {
        return await request(url, options)
      } catch (error) {
        if (options?.method === 'PUT' && error instanceof HTTPError) this.refused.add(url)
        throw error
      }
    }
    return watched as RequestClient
  }

  /** True when the PUT to `url` failed with an HTTP answer from the storage. */
  wasRefused(url: string): boolean {
    return this.refused.has(url)
  }
}
