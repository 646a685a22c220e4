const { availableParallelism } = require('node:os')

// Two projects: `unit` (pure code, nock, in-process servers: the inner loop) and `e2e` (what crosses a real boundary or
// waits on one: processes, a real redis-server or Chromium, the fault table and network failures against loopback
// servers, whole syncs through the delivery simulator). `npm test` runs both, `npm run test:unit` the inner loop. A test
// file is unit unless it is listed here: a new room's tests land in unit without a config edit.
const E2E = [
  // by name: whole syncs of the runner through the runtime into a sandbox over loopback HTTP
  '**/*.e2e.test.ts',
  // processes: the runner, sandbox and server CLIs, the destination in a plain Node process, three runners at once
  'src/runner/__tests__/cli-process.test.ts',
  'src/runner/__tests__/bin.test.ts',
  'src/sandbox/__tests__/cli.test.ts',
  'src/server/__tests__/cli.test.ts',
  'src/destination-suites/__tests__/generated-types.test.ts',
  // everything under src/e2e: the fault table, the destination in a process, coordinated runners, the console
  'src/e2e/**/*.test.ts',
  // calls that wait on their own deadlines against loopback servers that never answer
  'src/runner/__tests__/network-failures.test.ts',
  'src/destinations/the-trade-desk-crm/__tests__/bounded-calls.test.ts',
  // whole syncs, delivered with Segment's retries, over many batch cuttings and retry policies; several machines of
  // the runtime racing through one shared cache, with real delays between them
  'src/simulation/__tests__/invariants-*.test.ts',
  'src/simulation/__tests__/world.test.ts',
  'src/destination-suites/syncAudience/__tests__/coordination.test.ts',
  // a real redis-server
  'src/local-runtime/__tests__/engage-caches.test.ts'
]

/** @type {import('jest').Config} */
const shared = {
  // tsconfig's isolatedModules makes ts-jest transpile file by file; `npm run typecheck` checks the whole tree.
  preset: 'ts-jest',
  // Fails a test file that leaves a process, server, socket or timer running, naming it, instead of hanging the run.
  testEnvironment: '<rootDir>/src/testing/leak-checking-environment.ts',
  roots: ['<rootDir>/src'],
  // nock set up once for every suite: no request leaves the machine except to loopback servers the tests start.
  setupFilesAfterEnv: ['<rootDir>/src/testing/nock-setup.ts']
}

const projects = [
  {
    ...shared,
    displayName: 'unit',
    testMatch: ['<rootDir>/src/**/__tests__/**/*.test.ts', ...E2E.map((path) => `!**/${path}`)]
  },
  {
    ...shared,
    displayName: 'e2e',
    testMatch: E2E.map((path) => `<rootDir>/${path}`),
    // The tests start the compiled tools: built here when dist-tools/ is missing or older than the sources.
    globalSetup: '<rootDir>/scripts/build-tools.js'
  }
]

// `npm run test:unit` and `test:e2e` set TEST_PROJECT: jest's own --selectProjects would take the paths given after
// it (`npm run test:unit -- src/runner`) for project names.
const only = process.env.TEST_PROJECT
if (only && !projects.some((project) => project.displayName === only)) {
  throw new Error(`TEST_PROJECT must be unit or e2e, not "${only}"`)
}

/** @type {import('jest').Config} */
module.exports = {
  projects: only ? projects.filter((project) => project.displayName === only) : projects,
  reporters: [
    'default',
    '<rootDir>/scripts/jest-summary-reporter.js',
    '<rootDir>/scripts/jest-running-files-reporter.js'
  ],
  // Jest's default is one worker fewer than the cores: on two cores, every file one after the other in jest's own
  // process. Many tests wait (on a call's deadline, on processes they started), so one worker more than the cores
  // keeps them busy: on two cores, `npm test` took 40 s with three workers, 42 s with two, and one took 74 s for the
  // unit project alone.
  maxWorkers: availableParallelism() + 1,
  // Every test and hook fails after this, whatever it waits for, unless it sets a bound of its own (a few end-to-end
  // tests, which start browsers or several processes).
  testTimeout: 20000
}
