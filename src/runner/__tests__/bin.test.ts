import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { RunReport } from '../summary'
import { emailOf, tempDir } from '../../testing/audience-fixtures'

const run = promisify(execFile)
const REPO = join(__dirname, '..', '..', '..')

describe('the ttd-crm-sync command (package.json bin)', () => {
  it('runs with npx in the clone, from any folder of it', async () => {
    const { version } = (await import(join(REPO, 'package.json'))) as { version: string }
    const { stdout } = await run('npx', ['--no-install', 'ttd-crm-sync', '--version'], {
      cwd: join(REPO, 'src'),
      timeout: 60_000
    })
    expect(stdout).toBe(`ttd-crm-sync ${version}\n`)
  }, 70_000)

  it('runs after npm link from any folder, reading a relative --input from there', async () => {
    const prefix = tempDir()
    const data = tempDir()
    try {
      // npm link into a prefix of its own: the machine's global folders stay as they are.
      const env = { ...process.env, npm_config_prefix: prefix.dir }
      await run('npm', ['link', '--no-audit', '--no-fund'], { cwd: REPO, env, timeout: 60_000 })
      const emails = Array.from({ length: 1500 }, (_, i) => emailOf(i, 'linked'))
      data.write('list.csv', ['email', ...emails].join('\n'))
      // Run as a person would from their shell: no npm around it, so no INIT_CWD either.
      const shell = { ...process.env }
      delete shell.INIT_CWD
      const { stdout } = await run(
        join(prefix.dir, 'bin', 'ttd-crm-sync'),
        ['--input', 'list.csv', '--segment-name', 'Linked', '--json'],
        { cwd: data.dir, env: { ...shell, TTD_AUTH_TOKEN: '', TTD_ADVERTISER_ID: '' }, timeout: 60_000 }
      )
      const report = JSON.parse(stdout) as RunReport
      expect(report).toMatchObject({ result: 'ok', uploaded: 1500, input: { path: join(data.dir, 'list.csv') } })
    } finally {
      prefix.cleanup()
      data.cleanup()
    }
  }, 130_000)

  it('runs the compiled runner when it is as new as the sources, else the sources through ts-node', async () => {
    // A copy of the launcher in a repository of stubs: which one answers shows which it chose.
    const root = tempDir()
    try {
      const write = (path: string, text: string) => {
        mkdirSync(join(root.dir, path, '..'), { recursive: true })
        writeFileSync(join(root.dir, path), text)
      }
      mkdirSync(join(root.dir, 'bin'))
      copyFileSync(join(REPO, 'bin', 'ttd-crm-sync.js'), join(root.dir, 'bin', 'ttd-crm-sync.js'))
      write('tsconfig.json', '{ "compilerOptions": { "module": "commonjs", "types": [] } }')
      write(
        'src/runner/cli.ts',
        "const args: string[] = process.argv.slice(2)\nconsole.log('sources', args.join(' '))\n"
      )
      write('src/runner/__tests__/ignored.ts', '')
      write('dist-tools/runner/cli.js', "console.log('compiled', process.argv.slice(2).join(' '))\n")
      const launch = () =>
        run(process.execPath, [join(root.dir, 'bin', 'ttd-crm-sync.js'), '--input', 'x.csv'], {
          cwd: root.dir,
          // The stubs have no node_modules of their own: ts-node comes from the repository's.
          env: { ...process.env, NODE_PATH: join(REPO, 'node_modules') },
          timeout: 30_000
        })
      const at = (path: string, seconds: number) => utimesSync(join(root.dir, path), seconds, seconds)

      at('src/runner/cli.ts', 1_000)
      at('src/runner/__tests__/ignored.ts', 3_000) // tests are not compiled: they never make it stale
      at('dist-tools/runner/cli.js', 2_000)
      expect((await launch()).stdout).toBe('compiled --input x.csv\n')

      at('src/runner/cli.ts', 2_500) // a source changed after the build
      expect((await launch()).stdout).toBe('sources --input x.csv\n')
    } finally {
      root.cleanup()
    }
  }, 40_000)
})
