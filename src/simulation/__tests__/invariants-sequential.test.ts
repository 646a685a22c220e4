import { describeInvariants } from './helpers/invariants'

describeInvariants('sequential delivery without the cache', { delivery: 'sequential', cache: false })
