import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..', '..')

describe('generated types', () => {
  // Runs the generator in check mode in its own process: json-schema-to-typescript formats with prettier 3,
  // which needs dynamic imports that jest's module sandbox does not provide.
  it('match the field definitions (run `npm run types` after changing fields)', () => {
    const result = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(ROOT, 'scripts', 'generate-types.ts'), '--check'],
      // Synchronous, so jest's own timeout cannot stop it: its own bound, below jest's.
      { cwd: ROOT, encoding: 'utf8', timeout: 18_000, killSignal: 'SIGKILL' }
    )
    expect(result.error).toBeUndefined()
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})
