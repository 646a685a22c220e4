#!/usr/bin/env node
// ttd-crm-sync: the sync runner as a command (package.json "bin"), for `npm start` and `npx ttd-crm-sync` in a
// clone after `npm ci`, and anywhere after `npm link`. It runs the compiled runner (dist-tools/, from
// `npm run build:tools`) when that is at least as new as every source file it is built from: plain Node starts in a
// fraction of the time ts-node needs to load TypeScript. Otherwise (never built, or sources changed since) it runs
// the sources through ts-node, so it never runs stale code.
'use strict'
const { existsSync, readdirSync, statSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..')
const compiled = join(root, 'dist-tools', 'runner', 'cli.js')

/**
 * The newest modification time of what dist-tools/ is built from, tests left out: the TypeScript, and the sandbox
 * console's static files that the build copies beside it.
 */
function newestSource(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (entry.name !== '__tests__' && entry.name !== 'testing')
        newest = Math.max(newest, newestSource(join(dir, entry.name)))
    } else {
      newest = Math.max(newest, statSync(join(dir, entry.name)).mtimeMs)
    }
  }
  return newest
}

if (existsSync(compiled) && statSync(compiled).mtimeMs >= newestSource(join(root, 'src'))) {
  require(compiled)
} else {
  // The repository's tsconfig, wherever the command is run from (ts-node would look from the current directory).
  require('ts-node').register({ transpileOnly: true, project: join(root, 'tsconfig.json') })
  require(join(root, 'src', 'runner', 'cli.ts'))
}
