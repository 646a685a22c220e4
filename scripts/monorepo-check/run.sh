#!/usr/bin/env bash
# Checks the destination folder as Segment's action-destinations monorepo builds and tests it: the folder alone is
# copied into that repository's layout (packages/destination-actions/src/destinations/<slug>) beside its compiler
# options, jest 27 + ts-jest 27 (isolatedModules) + nock 13 set-up and the packages it may import, then
#   1. tsc with the monorepo's options (TypeScript 5.5, target and lib es2020, strict, noUnused*, catch variables
#      typed any), over the folder's sources and tests;
#   2. jest over the folder's __tests__ (helpers under __tests__/__helpers__ are not suites there);
#   3. the definition checks of Segment's `validate` command (validate-definition.js).
# The toolchain (package.json and package-lock.json beside this script) is installed once into a cache outside the
# repository: $TTD_CRM_MONOREPO_CACHE, else ~/.cache/ttd-crm-monorepo-check. Exit 0 when all three pass.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
slug=the-trade-desk-crm
cache="${TTD_CRM_MONOREPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ttd-crm-monorepo-check}"

# 0. The toolchain, reinstalled whenever its lockfile changes.
if ! cmp -s "$here/package-lock.json" "$cache/package-lock.json" || [ ! -x "$cache/node_modules/.bin/jest" ]; then
  echo "monorepo-check: installing the monorepo's toolchain into $cache"
  mkdir -p "$cache"
  cp "$here/package.json" "$here/package-lock.json" "$cache/"
  if ! (cd "$cache" && npm ci --no-audit --no-fund --legacy-peer-deps --loglevel=error >/dev/null); then
    echo "monorepo-check: could not install the toolchain from the npm registry"
    exit 2
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg="$work/packages/destination-actions"
mkdir -p "$pkg/src/destinations" "$pkg/test"
cp -r "$repo/src/destinations/$slug" "$pkg/src/destinations/"
ln -s "$cache/node_modules" "$work/node_modules"

# The monorepo's root compiler options, and the package's own.
cat >"$work/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "module": "commonjs",
    "moduleResolution": "node",
    "target": "es2020",
    "lib": ["es2020"],
    "strict": true,
    "noUnusedLocals": true,
    "noUnusedParameters": true,
    "strictPropertyInitialization": false,
    "esModuleInterop": true,
    "resolveJsonModule": true,
    "experimentalDecorators": true,
    "removeComments": true,
    "declaration": true,
    "sourceMap": true,
    "skipLibCheck": true
  }
}
JSON
cat >"$pkg/tsconfig.json" <<'JSON'
{
  "extends": "../../tsconfig.json",
  "compilerOptions": {
    "rootDir": "src",
    "outDir": "dist",
    "useUnknownInCatchVariables": false,
    "types": ["node", "jest"],
    "typeRoots": ["../../node_modules/@types"]
  },
  "include": ["src"]
}
JSON
cat >"$pkg/jest.config.js" <<'JS'
module.exports = {
  preset: 'ts-jest',
  globals: { 'ts-jest': { isolatedModules: true } },
  testEnvironment: 'node',
  rootDir: __dirname,
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  setupFilesAfterEnv: ['<rootDir>/test/setup-after-env.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '__tests__/__helpers__/']
}
JS
cat >"$pkg/test/setup-after-env.ts" <<'TS'
import nock from 'nock'

beforeAll(() => {
  nock.disableNetConnect()
  nock.enableNetConnect('127.0.0.1')
  if (!nock.isActive()) nock.activate()
})
beforeEach(() => {
  nock.cleanAll()
})
afterAll(() => {
  nock.restore()
})
TS

cd "$pkg"
failed=0
# One tsc run checks the folder and emits the JavaScript the definition check loads (tsc emits despite errors).
rm -rf "$work/out"
tsc_out=$("$work/node_modules/.bin/tsc" -p tsconfig.json --outDir "$work/out" --sourceMap false 2>&1)
tsc_errors=$(printf '%s\n' "$tsc_out" | grep -c 'error TS')
if [ "$tsc_errors" -gt 0 ]; then
  failed=1
  echo "--- tsc: $tsc_errors errors"
  printf '%s\n' "$tsc_out" | grep 'error TS' | head -40
fi

jest_out=$(timeout 900 "$work/node_modules/.bin/jest" --ci 2>&1)
jest_rc=$?
suites=$(printf '%s\n' "$jest_out" | grep -E '^Test Suites:' | tail -1)
tests=$(printf '%s\n' "$jest_out" | grep -E '^Tests:' | tail -1)
if [ $jest_rc -ne 0 ]; then
  failed=1
  echo "--- jest 27 / nock 13"
  printf '%s\n' "$jest_out" | grep -E '^(FAIL|  ●)' | head -40
fi

validate_out=$(NODE_PATH="$work/node_modules" node "$here/validate-definition.js" "$work/out/destinations/$slug/index.js" 2>&1)
validate_rc=$?
[ $validate_rc -ne 0 ] && failed=1
printf '%s\n' "$validate_out"

echo "monorepo-check: tsc $([ "$tsc_errors" -eq 0 ] && echo ok || echo "$tsc_errors errors"); jest ${suites:-no suites} / ${tests:-no tests}; definition $([ $validate_rc -eq 0 ] && echo ok || echo 'not ok')"
exit $failed
