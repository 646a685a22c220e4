import { describeInvariants } from './helpers/invariants'

// TTD failing on the way (a listing rate-limited, a drop request and an upload failing once) makes attempts fail and
// be retried; the promises must hold all the same, whether an invocation that throws keeps its writes or not. The
// other two configurations sweep the retry policies; this one runs under the policy that leaves a gap.
describeInvariants('sequential delivery without the cache, TTD failing on the way', {
  delivery: 'sequential',
  cache: false,
  thrownWrites: 'kept',
  retries: 'gap-only',
  faults: [
    { route: 'list', status: 429, times: 1 },
    { route: 'drop', status: 500, times: 1 },
    { route: 'upload', status: 503, times: 1 }
  ]
})
