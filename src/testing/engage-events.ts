/**
 * What tests, benchmarks and scripts use to build Engage audience events and seeded data. The builders live where
 * the tools that need them at run time can import them (src/engage-events, the runner), never in this room; it only
 * gathers them, so there is one implementation of each.
 */
export { engageEvent, type EngageEventOptions } from '../engage-events/engage-event'
export { seededRandom, shuffle } from '../runner/seeded-random'
