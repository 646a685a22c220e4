/** Outcome of normalizing one identifier. `reason` names the problem and never contains the input. */
export type NormalizeResult = { ok: true; value: string } | { ok: false; reason: string }

export const accept = (value: string): NormalizeResult => ({ ok: true, value })
export const reject = (reason: string): NormalizeResult => ({ ok: false, reason })
