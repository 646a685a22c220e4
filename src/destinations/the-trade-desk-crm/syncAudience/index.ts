import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { fields } from './fields'
import type { ApiEnvironment } from '../api'
import { performSingle, performSyncBatch, type SyncOptions } from './functions'
import type { Payload } from './generated-types'

export function buildSyncAudience(env: ApiEnvironment, options: SyncOptions = {}): ActionDefinition<Settings, Payload> {
  return {
    title: 'Sync Audience',
    description:
      'Keeps a CRM Data Segment in The Trade Desk equal to an Engage audience: normalizes, validates and (for ' +
      'hashed types) hashes emails or phone numbers, then uploads each batch. Requires batching.',
    defaultSubscription: 'event = "Audience Entered"',
    fields,
    perform: () => performSingle(),
    performBatch: (request, data) => performSyncBatch(request, data, env, options)
  }
}
