// An embedded emulation of The Trade Desk's CRM Data API (list, create, drop, upload) for tests and local runs.
export { startSandbox, sandboxAccount, DEFAULT_ADVERTISER_ID } from './server'
export { memberKey, sha256Base64 } from './identifiers'
export { isPortInUse, parsePort, portInUseMessage } from './port'
export type {
  BrokenBody,
  DropStatus,
  DropView,
  FaultRule,
  IdentifierKind,
  LookupAnswer,
  MergeMode,
  PiiType,
  Region,
  RequestRecord,
  Sandbox,
  SandboxAccount,
  SandboxOptions,
  SandboxOverview,
  SandboxRoute,
  SegmentTimeline,
  SegmentView
} from './types'
