import nock from 'nock'
import { API, DROP_HOST } from './events'
import { ADV, LIST_PATH } from './ttd-nock'

export interface FakeDrop {
  n: number
  crmDataId: string
  mergeMode: 'Replace' | 'Add'
  piiType: string
}

/** How the fake storage answers the PUT of drop `n`. */
export interface UploadBehaviour {
  /** Answer after this long (the fake applies the file when it answers). */
  delayMs?: number
  /** Answer with this status; nothing is applied unless it is 2xx. */
  status?: number
  /** Apply the file, then never answer in time (the client's timeout fires). */
  storeThenHang?: number
}

/**
 * A stateful TTD behind nock, for tests where several destination instances talk to one TTD: segments
 * with members, drops applied as Replace or Add when their upload succeeds, and a log of what happened in
 * which order. Interceptors persist until `nock.cleanAll()`.
 */
export class FakeTtd {
  readonly segments: { CrmDataId: string; SegmentName: string; Region: string }[] = []
  readonly members = new Map<string, Set<string>>()
  readonly drops: FakeDrop[] = []
  readonly log: string[] = []
  lists = 0
  creates = 0
  /** Delay of each listing and create answer, so concurrent callers overlap. */
  apiDelayMs = 0
  private readonly behaviours = new Map<number, UploadBehaviour>()

  constructor() {
    nock(API)
      .persist()
      .get(LIST_PATH)
      .query(true)
      .reply((_uri, _body, callback) => {
        this.lists++
        const page = [...this.segments]
        setTimeout(() => callback(null, [200, { Segments: page, PagingToken: null }]), this.apiDelayMs)
      })
    nock(API)
      .persist()
      .post('/v3/crmdata/segment')
      .reply((_uri, body, callback) => {
        setTimeout(() => {
          this.creates++
          const request = body as { SegmentName: string; Region: string }
          const id = `crm-${this.creates}`
          this.segments.push({ CrmDataId: id, SegmentName: request.SegmentName, Region: request.Region })
          this.members.set(id, new Set())
          this.log.push(`create ${id}`)
          callback(null, [200, { CrmDataId: id }])
        }, this.apiDelayMs)
      })
    nock(API)
      .persist()
      .post(new RegExp(`^/v3/crmdata/segment/${ADV}/[^/]+$`))
      .reply((uri, body) => {
        const crmDataId = decodeURIComponent(uri.split('/').pop() ?? '')
        if (!this.members.has(crmDataId)) return [404, { Message: 'CRM data segment not found' }]
        const request = body as { MergeMode: 'Replace' | 'Add'; PiiType: string }
        const n = this.drops.length
        this.drops.push({ n, crmDataId, mergeMode: request.MergeMode, piiType: request.PiiType })
        this.log.push(`drop ${n} ${request.MergeMode}`)
        return [200, { ReferenceId: `ref-${n}`, Url: `${DROP_HOST}/upload/${n}` }]
      })
    nock(DROP_HOST)
      .persist()
      .put(/^\/upload\/\d+$/)
      .reply((uri, body, callback) => {
        const n = Number(uri.split('/').pop())
        const behaviour = this.behaviours.get(n) ?? {}
        const lines = String(body)
          .split('\n')
          .filter((line) => line !== '')
        const status = behaviour.status ?? 200
        const answer = () => {
          if (status < 300) this.apply(n, lines)
          this.log.push(`upload ${n} ${status}`)
          callback(null, [status, ''])
        }
        if (behaviour.storeThenHang !== undefined) {
          this.apply(n, lines)
          this.log.push(`upload ${n} stored, no answer`)
          setTimeout(() => callback(null, [200, '']), behaviour.storeThenHang)
          return
        }
        setTimeout(answer, behaviour.delayMs ?? 0)
      })
  }

  /** Sets how the upload of the `n`-th drop (0-based, across all instances) answers. */
  onUpload(n: number, behaviour: UploadBehaviour): void {
    this.behaviours.set(n, behaviour)
  }

  seedSegment(id: string, name: string, region = 'US'): void {
    this.segments.push({ CrmDataId: id, SegmentName: name, Region: region })
    this.members.set(id, new Set())
  }

  mergeModes(): string[] {
    return this.drops.map((drop) => drop.mergeMode)
  }

  /** Uploaded lines of drop `n`, as the file held them. */
  readonly uploads = new Map<number, string[]>()

  private apply(n: number, lines: string[]): void {
    const drop = this.drops[n]
    this.uploads.set(n, lines)
    const members = this.members.get(drop.crmDataId) ?? new Set<string>()
    if (drop.mergeMode === 'Replace') members.clear()
    for (const line of lines) members.add(line)
    this.members.set(drop.crmDataId, members)
  }
}
