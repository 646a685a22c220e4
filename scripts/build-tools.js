// The local tools (sandbox, runner, server) compiled into dist-tools/ by tsc with tsconfig.tools.json, the sandbox
// console's static files copied beside the compiled sandbox, and a stamp: the hash of everything the build reads.
//
// `npm run build:tools` runs this file and always builds, type-checking as it goes (a type error fails it). The
// end-to-end tests start the compiled tools (a process starts in a fraction of a second, where ts-node takes seconds),
// so jest runs this file's export as the e2e project's global setup: it builds only when the stamp does not match the
// sources, without the type check (`npm run typecheck` does that; a type error must not stop the tests from running).
const { spawnSync } = require('node:child_process')
const { createHash } = require('node:crypto')
const { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } = require('node:fs')
const { join, relative } = require('node:path')

const ROOT = join(__dirname, '..')
const OUT = join(ROOT, 'dist-tools')
const STAMP = '.inputs-sha256'
const CONFIG = 'tsconfig.tools.json'

/**
 * Everything under src/ but tests (a test edited needs no rebuild), the test children tsconfig.tools.json names in
 * its "files", the configs and this script. Reading a little more than tsc compiles costs a rebuild now and then,
 * never a stale tool.
 */
function inputFiles() {
  const files = [CONFIG, 'tsconfig.json', relative(ROOT, __filename)]
  files.push(...(JSON.parse(readFileSync(join(ROOT, CONFIG), 'utf8')).files ?? []))
  const walk = (dir) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== '__tests__') walk(path)
      } else files.push(path)
    }
  }
  walk('src')
  return [...new Set(files)].sort()
}

function inputsHash() {
  const hash = createHash('sha256')
  for (const file of inputFiles())
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(ROOT, file)))
      .update('\0')
  return hash.digest('hex')
}

function isFresh(hash) {
  const stamp = join(OUT, STAMP)
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === hash
}

/**
 * The stamp is written last: a build that fails or is stopped leaves none, and the next test run builds again.
 */
function build({ typeCheck, hash = inputsHash() }) {
  rmSync(OUT, { recursive: true, force: true })
  const tsc = require.resolve('typescript/bin/tsc')
  const args = [tsc, '-p', CONFIG, ...(typeCheck ? [] : ['--noCheck'])]
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`tsc -p ${CONFIG} failed (exit ${result.status ?? result.signal})`)
  cpSync(join(ROOT, 'src', 'sandbox', 'console'), join(OUT, 'sandbox', 'console'), { recursive: true })
  writeFileSync(join(OUT, STAMP), hash)
}

/** Jest's global setup for the e2e project: builds the tools when dist-tools/ is missing or older than the sources. */
module.exports = async function buildToolsIfStale() {
  const hash = inputsHash()
  if (isFresh(hash)) return
  const started = Date.now()
  process.stderr.write('\nBuilding the tools the end-to-end tests start (dist-tools/ is missing or stale)...\n')
  build({ typeCheck: false, hash })
  process.stderr.write(`Built dist-tools/ in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`)
}

if (require.main === module) {
  try {
    build({ typeCheck: true })
  } catch (error) {
    process.stderr.write(`${error.message}\n`)
    process.exitCode = 1
  }
}
