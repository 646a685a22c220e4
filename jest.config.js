/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  // nock set up once for every suite: no request leaves the machine except to loopback servers the tests start.
  setupFilesAfterEnv: ['<rootDir>/src/testing/nock-setup.ts'],
  // tsconfig's isolatedModules makes ts-jest transpile file by file; `npm run typecheck` checks the whole tree.
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  testTimeout: 20000
}
