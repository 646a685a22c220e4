/**
 * A delivery simulator for tests: syncs delivered to the destination as Segment's runtime would (machines of their
 * own, the runtime's stores, Segment's retry policy on a virtual clock), against the embedded TTD sandbox.
 */
export { World, simulateSync } from './world'
export { closeMachines } from './machines'
export type { ReceivedUpload, SimulatedEvent, SyncOutcome, SyncRun, TimedRequest, WorldOptions } from './world'
export { cutSync, type BatchCut, type CutSync } from './sync-cuts'
export type { RetryPolicy } from './retry-policy'
export type { AttemptRecord, Delivery } from './delivery'
