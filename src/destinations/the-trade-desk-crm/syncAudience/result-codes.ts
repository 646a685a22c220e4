/**
 * Stable reason codes of the multistatus entries `performBatch` returns, one per event, in the success `body` or the
 * error entry's `body`. Callers (the runner, tests, tools) read these instead of the human messages, which may be
 * reworded at any time.
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
  /** Its upload group held fewer distinct people than The Trade Desk accepts: nothing was sent. */
  belowMinimum: 'BELOW_MINIMUM',
  /** Phone numbers aimed at an EU segment, which The Trade Desk refuses: nothing was sent. */
  phoneInEu: 'PHONE_IN_EU',
  /** The Trade Desk refused the lookup, creation or upload of the group's segment; the message is TTD's. */
  ttdRejected: 'TTD_REJECTED',
  /** The group's upload never ran (should not happen; kept so that no event is ever reported uploaded by default). */
  notRun: 'NOT_RUN'
} as const

export type ResultCode = (typeof RESULT_CODES)[keyof typeof RESULT_CODES]
