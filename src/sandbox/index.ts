// An embedded emulation of The Trade Desk's CRM Data API (list, create, drop, upload) for tests and local runs.
export { startSandbox, DEFAULT_ADVERTISER_ID } from './server'
export { memberKey, sha256Base64 } from './identifiers'
export type {
  BrokenBody,
  DropStatus,
  DropView,
  FaultRule,
  MergeMode,
  PiiType,
  Region,
  RequestRecord,
  Sandbox,
  SandboxAccount,
  SandboxOptions,
  SandboxRoute,
  SegmentView
} from './types'
