// Generated file. DO NOT MODIFY IT BY HAND: run `npm run types` after changing fields.

export interface Payload {
  /**
   * Name of the CRM Data Segment in The Trade Desk: pick one of the advertiser's segments or type a name. The segment with exactly this name is used, and created in the Region below when the advertiser has none. The Trade Desk allows several segments with one name; if that happens the sync stops until you rename or remove the extra segments in The Trade Desk. Defaults to the Engage audience's key. Not used when the audience was connected through Engage (it then carries its own segment) or when "Check or create the CRM segment" saved one.
   */
  name: string
  /**
   * Where The Trade Desk stores the segment: US (United States and Canada), EU (European Union and the UK) or APAC (Asia-Pacific). It must match the region of an existing segment of that name. Phone numbers cannot be uploaded to EU segments.
   */
  region: 'US' | 'EU' | 'APAC'
  /**
   * Which identifier to send and in which form. Plain types send the normalized email or phone number and let The Trade Desk hash it; hashed types are normalized and SHA-256 hashed by Segment before upload (values that arrive already SHA-256 hashed, as hex or base64, are sent as they are). Email uses the Email field, Phone the Phone field.
   */
  pii_type: 'Email' | 'EmailHashedUnifiedId2' | 'Phone' | 'PhoneNumberHashedUnifiedId2'
  /**
   * The person's email address, used when PII Type is an email type. Normalized before upload as UID2 does: trimmed, lowercased, and for gmail.com without dots or +suffix in the part before the @. Letters outside ASCII (é, ü, 例) are kept as written; an address with an uppercase one (É) is refused, because UID2 does not lowercase it the same way everywhere.
   */
  email?: string
  /**
   * The person's phone number, used when PII Type is a phone type. It must include the country code (E.164, for example +1 415 555 0100) and have 10 to 15 digits with it, as UID2 requires; spaces, dashes, dots and parentheses are removed, and so is a (0) right after the country code (+44 (0)20 7946 0958 is sent as +442079460958).
   */
  phone?: string
  /**
   * CrmDataId of the segment to write to when the audience was created through this destination. When present it is used instead of looking the segment up by name.
   */
  external_id?: string
  /**
   * Name of the Engage event. Decides membership when the event carries no audience flag: Audience Exited leaves the person out of the upload.
   */
  event_name?: string
  /**
   * Keep this on. The Trade Desk accepts uploads of at least 1500 distinct people only, which single events can never reach.
   */
  enable_batching?: boolean
  /**
   * Most events sent in one upload. At least 1500, the minimum The Trade Desk accepts.
   */
  batch_size?: number
}
// Generated file. DO NOT MODIFY IT BY HAND: run `npm run types` after changing fields.

export interface OnMappingSaveInputs {
  /**
   * Pick one of the advertiser's CRM Data Segments or type a new name. A name shared by several segments, or used by a segment in another Region, is refused with the segments it matches.
   */
  segment_name: string
  /**
   * Where The Trade Desk stores the segment: US (United States and Canada), EU (European Union and the UK) or APAC (Asia-Pacific). Phone numbers cannot be uploaded to EU segments.
   */
  region: 'US' | 'EU' | 'APAC'
}
// Generated file. DO NOT MODIFY IT BY HAND: run `npm run types` after changing fields.

export interface OnMappingSaveOutputs {
  /**
   * The CRM Data Segment every sync of this mapping writes to.
   */
  crm_data_id: string
  /**
   * Name of that segment when the mapping was saved.
   */
  segment_name: string
  /**
   * That segment's Region, which decides whether phone numbers may be uploaded.
   */
  region: string
}
