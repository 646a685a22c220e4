import type { InputField } from '@segment/actions-core'
import { DEFAULT_BATCH_SIZE, MIN_BATCH_SIZE, MIN_DISTINCT_IDENTIFIERS, REGION_CHOICES } from '../constants'

/**
 * Default for a field usually absent from the event: the value at `path`, or '' when there is none.
 *
 * With `@path` an absent value resolves to undefined and actions-core `delete`s the key from every payload, which
 * turns each payload object into a slow dictionary-mode object for the rest of its trip; every email audience has
 * no phone. A `@template` of the same path resolves to '' instead, which keeps the key, and the destination treats
 * '' exactly as absent ("is missing"). It is used for `phone` only: rendering a template costs more than `@path`
 * when the value is there, so `email`, present in the far more common email audiences, keeps `@path` (phone
 * audiences pay for a deleted email key, and a little more for rendering their phone). An `@if` with
 * `exists` around the `@path`, the other way to get '', measured slower than either. Mappings saved with the
 * `@path` default keep working unchanged. One difference for new mappings: a template turns a non-text phone (a
 * number, a list) into text before the destination validates it, where `@path` has actions-core refuse its type;
 * both end in a refused identifier except a list holding one valid number, which is then accepted.
 */
function pathOrEmpty(path: string): { '@template': string } {
  return { '@template': `{{${path}}}` }
}

/** Field keys are part of saved customer mappings: never rename them. */
export const fields: Record<string, InputField> = {
  name: {
    label: 'Segment Name',
    description:
      "Name of the CRM Data Segment in The Trade Desk: pick one of the advertiser's segments or type a name. The " +
      'segment with exactly this name is used, and created in the Region below when the advertiser has none. The ' +
      'Trade Desk allows several segments with one name; if that happens the sync stops until you rename or remove ' +
      "the extra segments in The Trade Desk. Defaults to the Engage audience's key. Not used when the audience was " +
      'connected through Engage (it then carries its own segment) or when "Check or create the CRM segment" saved one.',
    type: 'string',
    required: true,
    dynamic: true,
    default: { '@path': '$.context.personas.computation_key' }
  },
  region: {
    label: 'Region',
    description:
      'Where The Trade Desk stores the segment: US (United States and Canada), EU (European Union and the UK) or ' +
      'APAC (Asia-Pacific). It must match the region of an existing segment of that name. Phone numbers cannot ' +
      'be uploaded to EU segments.',
    type: 'string',
    required: true,
    default: 'US',
    choices: REGION_CHOICES
  },
  pii_type: {
    label: 'PII Type',
    description:
      'Which identifier to send and in which form. Plain types send the normalized email or phone number and let ' +
      'The Trade Desk hash it; hashed types are normalized and SHA-256 hashed by Segment before upload (values ' +
      'that arrive already SHA-256 hashed, as hex or base64, are sent as they are). Email uses the Email field, ' +
      'Phone the Phone field.',
    type: 'string',
    required: true,
    choices: [
      { label: 'Email', value: 'Email' },
      { label: 'Email, hashed (SHA-256, UID2 rules)', value: 'EmailHashedUnifiedId2' },
      { label: 'Phone number (E.164)', value: 'Phone' },
      { label: 'Phone number, hashed (SHA-256, UID2 rules)', value: 'PhoneNumberHashedUnifiedId2' }
    ]
  },
  email: {
    label: 'Email',
    description:
      "The person's email address, used when PII Type is an email type. Normalized before upload as UID2 does: " +
      'trimmed, lowercased, and for gmail.com without dots or +suffix in the part before the @. Letters outside ' +
      'ASCII (é, ü, 例) are kept as written; an address with an uppercase one (É) is refused, because UID2 does not ' +
      'lowercase it the same way everywhere.',
    type: 'string',
    category: 'hashedPII',
    default: { '@path': '$.context.traits.email' }
  },
  phone: {
    label: 'Phone',
    description:
      "The person's phone number, used when PII Type is a phone type. It must include the country code " +
      '(E.164, for example +1 415 555 0100) and have 10 to 15 digits with it, as UID2 requires; spaces, dashes, ' +
      'dots and parentheses are removed, and so is a (0) right after the country code (+44 (0)20 7946 0958 is ' +
      'sent as +442079460958).',
    type: 'string',
    category: 'hashedPII',
    default: pathOrEmpty('context.traits.phone')
  },
  external_id: {
    label: 'External Audience ID',
    description:
      'CrmDataId of the segment to write to when the audience was created through this destination. When present ' +
      'it is used instead of looking the segment up by name.',
    type: 'string',
    unsafe_hidden: true,
    default: { '@path': '$.context.personas.external_audience_id' }
  },
  event_name: {
    label: 'Event Name',
    description:
      'Name of the Engage event. Decides membership when the event carries no audience flag: Audience Exited ' +
      'leaves the person out of the upload.',
    type: 'string',
    unsafe_hidden: true,
    default: { '@path': '$.event' }
  },
  enable_batching: {
    label: 'Enable Batching',
    description: `Keep this on. The Trade Desk accepts uploads of at least ${MIN_DISTINCT_IDENTIFIERS} distinct people only, which single events can never reach.`,
    type: 'boolean',
    // Hidden as in Segment's own destination: turned off, every event would fail.
    unsafe_hidden: true,
    default: true
  },
  batch_size: {
    label: 'Batch Size',
    description: `Most events sent in one upload. At least ${MIN_BATCH_SIZE}, the minimum The Trade Desk accepts.`,
    type: 'number',
    unsafe_hidden: true,
    default: DEFAULT_BATCH_SIZE,
    minimum: MIN_BATCH_SIZE
  }
}
