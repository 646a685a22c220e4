import { createHash } from 'node:crypto'
import type { Sandbox } from '../types'

export interface ApiAnswer {
  status: number
  headers: Headers
  text: string
  json: unknown
}

async function answer(response: Response): Promise<ApiAnswer> {
  const text = await response.text()
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** A call to the sandbox's TTD API (paths relative to apiBaseUrl), with the sandbox token unless told otherwise. */
export async function api(
  sandbox: Sandbox,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; rawBody?: string } = {}
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  const token = options.token === undefined ? sandbox.token : options.token
  if (token !== null) headers['TTD-Auth'] = token
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
  return answer(await fetch(`${sandbox.apiBaseUrl}${path}`, { method, headers, body }))
}

export async function createSegment(sandbox: Sandbox, name: string, region = 'US'): Promise<string> {
  const result = await api(sandbox, 'POST', '/crmdata/segment', {
    body: { AdvertiserId: sandbox.advertiserId, SegmentName: name, Region: region }
  })
  expect(result.status).toBe(200)
  return (result.json as { CrmDataId: string }).CrmDataId
}

export async function requestDrop(
  sandbox: Sandbox,
  crmDataId: string,
  piiType: string,
  mergeMode = 'Replace'
): Promise<{ ReferenceId: string; Url: string }> {
  const result = await api(sandbox, 'POST', `/crmdata/segment/${sandbox.advertiserId}/${crmDataId}`, {
    body: { PiiType: piiType, MergeMode: mergeMode }
  })
  expect(result.status).toBe(200)
  return result.json as { ReferenceId: string; Url: string }
}

export async function upload(
  url: string,
  body: string,
  headers: Record<string, string> = { 'Content-Type': 'text/plain' }
): Promise<ApiAnswer> {
  return answer(await fetch(url, { method: 'PUT', headers, body }))
}

export async function getJson(sandbox: Sandbox, path: string): Promise<unknown> {
  const response = await fetch(`${sandbox.origin}${path}`)
  expect(response.status).toBe(200)
  return response.json()
}

export function sha256Base64(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64')
}

export function emails(count: number, prefix = 'user'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}@example.com`)
}

export function hashedIds(count: number, prefix = 'id'): string[] {
  return Array.from({ length: count }, (_, i) => sha256Base64(`${prefix}${i}`))
}

export function lines(values: string[]): string {
  return values.join('\n') + '\n'
}
