import type { FailureCode } from '../errors'

/**
 * Stable reason codes of the multistatus entries `performBatch` returns, one per event, in the success `body` or the
 * error entry's `body.code`. Callers (the runner, tests, tools) read these instead of the human messages, which may
 * be reworded at any time. A failed upload group's events carry the failure's own code (errors.ts): `TTD_…` for
 * what The Trade Desk or the network did, the rule codes for what the destination found itself, and the
 * coordination codes when the runtime's stores could not coordinate the batch.
 */
export const RESULT_CODES = {
  /** Uploaded; the body is the upload receipt. */
  uploaded: 'UPLOADED',
  /** Not a member of the audience: not uploaded, and not a failure. */
  notInAudience: 'NOT_IN_AUDIENCE',
  /** The event's email or phone number is missing or cannot be normalized; the message names the problem. */
  invalidIdentifier: 'INVALID_IDENTIFIER',
  /** The Segment Name resolved to a blank string, so there is no segment to write to: nothing was sent. */
  blankSegmentName: 'BLANK_SEGMENT_NAME',
  /**
   * Held back, retryable: the batch's people and those held from earlier batches of the sync are fewer than The
   * Trade Desk's minimum per upload, and no open sync window could top them up. They go out with a later batch of
   * the sync; if the sync never reaches the minimum, this is their last answer.
   */
  heldForMinimum: 'HELD_FOR_MINIMUM',
  /** The group's upload never ran (should not happen; kept so that no event is ever reported uploaded by default). */
  notRun: 'NOT_RUN'
} as const

export type ResultCode = (typeof RESULT_CODES)[keyof typeof RESULT_CODES] | FailureCode
