/**
 * What tests, benchmarks and scripts use to build Engage audience events and seeded data. The builders live in the
 * runner (which needs them at run time and may not import this room); this room only gathers them, so there is one
 * implementation of each.
 */
export { engageEvent, type EngageEventOptions } from '../runner/engage-event'
export { seededRandom, shuffle } from '../runner/seeded-random'
