import { DEFAULT_BATCH_SIZE } from '../../destinations/the-trade-desk-crm/constants'
import { parseRunnerArgs, UsageError, USAGE, type RunnerOptions } from '../args'
import { EXAMPLE_BATCH_SIZE, EXAMPLE_INPUT } from '../example'

function run(argv: string[], env: NodeJS.ProcessEnv = {}): RunnerOptions {
  const parsed = parseRunnerArgs(argv, env)
  if (parsed.kind !== 'run') throw new Error('expected run options')
  return parsed.options
}

function usageError(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    parseRunnerArgs(argv, env)
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
  }
  throw new Error('expected a UsageError')
}

describe('parseRunnerArgs', () => {
  it('syncs the bundled example to the sandbox by default, in batches that show Replace then Add', () => {
    expect(run([])).toEqual({
      input: EXAMPLE_INPUT.absolute,
      format: 'jsonl',
      usingExample: true,
      segmentName: undefined,
      region: 'US',
      piiType: undefined,
      batchSize: EXAMPLE_BATCH_SIZE,
      api: { kind: 'sandbox' },
      json: false
    })
  })

  it('answers help for --help and -h', () => {
    expect(parseRunnerArgs(['--help'], {})).toEqual({ kind: 'help' })
    expect(parseRunnerArgs(['-h', '--region', 'nowhere'], {})).toEqual({ kind: 'help' })
    expect(USAGE).toContain('--api-url')
    expect(USAGE).toContain('TTD_AUTH_TOKEN')
  })

  it("uses the destination's default batch size for a given input, and reads every option", () => {
    const options = run([
      '--input',
      'people.jsonl',
      '--segment-name',
      ' VIP buyers ',
      '--region',
      'eu',
      '--pii-type',
      'email',
      '--json'
    ])
    expect(options).toMatchObject({
      input: 'people.jsonl',
      format: 'jsonl',
      usingExample: false,
      segmentName: 'VIP buyers',
      region: 'EU',
      piiType: 'Email',
      batchSize: DEFAULT_BATCH_SIZE,
      json: true
    })
    expect(run(['--input', 'x.jsonl', '--batch-size', '1500']).batchSize).toBe(1500)
  })

  it('reads .csv files as CSV and needs a segment name for them', () => {
    expect(usageError(['--input', 'list.CSV'])).toMatch(/--segment-name/)
    expect(run(['--input', 'list.CSV', '--segment-name', 'Newsletter']).format).toBe('csv')
  })

  it.each([
    [['--region', 'MARS'], /--region must be one of US, EU, APAC/],
    [['--pii-type', 'Fax'], /--pii-type must be one of/],
    [['--batch-size', '1499'], /--batch-size must be a whole number from 1500/],
    [['--batch-size', '12.5'], /--batch-size/],
    [['--batch-size', '1000001'], /to 1000000/],
    [['--segment-name', '   '], /--segment-name needs a non-empty value/],
    [['--input', ''], /--input needs a non-empty value/],
    [['--verbose'], /Unknown option '--verbose'/],
    [['--token', 'abc'], /Unknown option '--token'/],
    [['extra.jsonl'], /positional/],
    [['--region'], /argument missing/]
  ])('refuses %j', (argv, message) => {
    expect(usageError(argv)).toMatch(message)
  })

  describe('--api-url', () => {
    const env = { TTD_AUTH_TOKEN: ' secret-token ', TTD_ADVERTISER_ID: 'adv-1' }

    it('takes the token and advertiser from the environment only', () => {
      expect(run(['--api-url', 'https://api.thetradedesk.com/v3/'], env).api).toEqual({
        kind: 'real',
        apiBaseUrl: 'https://api.thetradedesk.com/v3',
        token: 'secret-token',
        advertiserId: 'adv-1'
      })
    })

    it('names every missing variable', () => {
      expect(usageError(['--api-url', 'https://api.example'], {})).toMatch(/set TTD_AUTH_TOKEN and TTD_ADVERTISER_ID/)
      expect(usageError(['--api-url', 'https://api.example'], { TTD_AUTH_TOKEN: 't' })).toMatch(
        /set TTD_ADVERTISER_ID \(/
      )
      expect(usageError(['--api-url', 'https://api.example'], { ...env, TTD_AUTH_TOKEN: '  ' })).toMatch(
        /set TTD_AUTH_TOKEN \(/
      )
    })

    it('refuses plain http except to this machine, and URLs with credentials or a query', () => {
      expect(usageError(['--api-url', 'http://api.example/v3'], env)).toMatch(/https/)
      expect(run(['--api-url', 'http://127.0.0.1:4010/v3'], env).api.kind).toBe('real')
      expect(usageError(['--api-url', 'https://user:pw@api.example/v3'], env)).toMatch(/without credentials/)
      expect(usageError(['--api-url', 'https://api.example/v3?x=1'], env)).toMatch(/without credentials/)
      expect(usageError(['--api-url', 'not a url'], env)).toMatch(/absolute URL/)
    })
  })
})
