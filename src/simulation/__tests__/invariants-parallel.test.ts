import { describeInvariants } from './helpers/invariants'

describeInvariants('parallel delivery with the cache', { delivery: 'parallel', cache: true })
