import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { SETTINGS } from '../../destinations/the-trade-desk-crm/__tests__/__helpers__/events'

function snapshotFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : snapshotFiles(path)
    return entry.endsWith('.snap') ? [path] : []
  })
}

describe('committed snapshots', () => {
  const files = snapshotFiles(join(__dirname, '..', '..'))

  it('exist (so the check below checks something)', () => {
    expect(files.length).toBeGreaterThanOrEqual(1)
  })

  it('hold neither the test token nor a raw email address', () => {
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      expect(text).not.toContain(SETTINGS.auth_token)
      expect(text).not.toMatch(/[a-z0-9._+-]+@[a-z0-9-]+\.[a-z]{2,}/i)
    }
  })
})
