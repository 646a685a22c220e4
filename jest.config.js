/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  // tsconfig's isolatedModules makes ts-jest transpile file by file; `npm run typecheck` checks the whole tree.
  testTimeout: 20000
}
