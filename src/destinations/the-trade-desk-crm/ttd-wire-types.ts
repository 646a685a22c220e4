import type { MergeMode, PiiType, Region } from './constants'

/** One CRM data segment as TTD's listing returns it. */
export interface CrmSegment {
  CrmDataId: string
  SegmentName: string
  Region?: string
  FirstPartyDataId?: number
}

export interface ListSegmentsResponse {
  Segments?: CrmSegment[]
  PagingToken?: string | null
}

export interface CreateSegmentRequest {
  AdvertiserId: string
  SegmentName: string
  Region: Region
}

export interface CreateSegmentResponse {
  CrmDataId: string
  FirstPartyDataId?: number
}

export interface DropRequest {
  PiiType: PiiType
  MergeMode: MergeMode
}

export interface DropResponse {
  ReferenceId: string
  Url: string
}
