// eslint + prettier in the style of Segment's action destinations: typescript-eslint's recommended rules,
// formatting left to prettier.
const tseslint = require('typescript-eslint')
const prettier = require('eslint-config-prettier')

// Rooms that only tests (and, for src/testing, bench and scripts) import: nothing that runs may import them.
const TEST_ROOMS = ['testing', 'simulation', 'destination-suites']

module.exports = tseslint.config(
  { ignores: ['dist/**', 'dist-tools/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  // Rooms import downward only (README, Layout): the destination knows no tool, the tools share the in-memory runtime
  // pieces, the sandbox and the HTTP toolkit, and test support stays out of what runs. Tests may reach anything.
  ...rooms([
    [
      'src/destinations/**/*.ts',
      ['runner', 'server', 'sandbox', 'local-runtime', 'http', 'cli', 'engage-events', ...TEST_ROOMS]
    ],
    ['src/local-runtime/**/*.ts', ['runner', 'server', 'sandbox', 'http', 'cli', 'engage-events', ...TEST_ROOMS]],
    [
      'src/http/**/*.ts',
      ['destinations', 'runner', 'server', 'sandbox', 'local-runtime', 'cli', 'engage-events', ...TEST_ROOMS]
    ],
    [
      'src/cli/**/*.ts',
      ['destinations', 'runner', 'server', 'sandbox', 'local-runtime', 'http', 'engage-events', ...TEST_ROOMS]
    ],
    ['src/engage-events/**/*.ts', ['runner', 'server', 'sandbox', 'local-runtime', 'http', 'cli', ...TEST_ROOMS]],
    ['src/sandbox/**/*.ts', ['runner', 'server', 'local-runtime', ...TEST_ROOMS]],
    ['src/server/**/*.ts', ['runner', ...TEST_ROOMS]],
    ['src/runner/**/*.ts', ['server', ...TEST_ROOMS]],
    ['src/testing/**/*.ts', ['simulation', 'destination-suites']],
    ['src/simulation/**/*.ts', ['runner', 'server', 'http', 'cli', 'destination-suites']],
    ['src/destination-suites/**/*.ts', ['runner', 'server', 'http', 'cli']]
  ]),
  {
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  }
)

function rooms(table) {
  return table.map(([files, forbidden]) => ({
    files: [files],
    ignores: ['**/__tests__/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((room) => ({
            group: ['..', '../..', '../../..'].flatMap((up) => [`${up}/${room}`, `${up}/${room}/**`]),
            message: `This room may not import src/${room}/ (see README, Layout).`
          }))
        }
      ]
    }
  }))
}
