import { DEFAULT_BATCH_SIZE } from '../../destinations/the-trade-desk-crm/constants'
import { parseRunnerArgs, UsageError, USAGE, wantsJson, type RunnerOptions } from '../args'
import { EXAMPLE_BATCH_SIZE, EXAMPLE_INPUT } from '../example'

function run(argv: string[], env: NodeJS.ProcessEnv = {}): RunnerOptions {
  const parsed = parseRunnerArgs(argv, env, '/data/me/repo')
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
      columns: {},
      usingExample: true,
      segmentName: undefined,
      region: 'US',
      piiType: undefined,
      batchSize: EXAMPLE_BATCH_SIZE,
      api: { kind: 'sandbox' },
      json: false,
      keepSandbox: false,
      add: false,
      dryRun: false
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
      '--json',
      '--format',
      'JSON'
    ])
    expect(options).toMatchObject({
      input: '/data/me/repo/people.jsonl',
      format: 'json',
      usingExample: false,
      segmentName: 'VIP buyers',
      region: 'EU',
      piiType: 'Email',
      batchSize: DEFAULT_BATCH_SIZE,
      json: true
    })
    expect(run(['--input', 'x.jsonl', '--batch-size', '1500']).batchSize).toBe(1500)
  })

  it('leaves the format to the content unless --format names it', () => {
    expect(run(['--input', 'list.CSV']).format).toBeUndefined()
    expect(run(['--input', 'list.txt', '--format', 'csv']).format).toBe('csv')
  })

  it('refuses phone numbers for EU before any input is read', () => {
    expect(usageError(['--input', '/no/such/file', '--region', 'EU', '--pii-type', 'Phone'])).toMatch(
      /no phone numbers for EU segments: use an email --pii-type, or --region US or APAC/
    )
    expect(run(['--region', 'EU', '--pii-type', 'EmailHashedUnifiedId2']).region).toBe('EU')
  })

  it('keeps the sandbox only when it is the embedded one', () => {
    expect(run(['--keep-sandbox']).keepSandbox).toBe(true)
    const env = { TTD_AUTH_TOKEN: 't', TTD_ADVERTISER_ID: 'a' }
    expect(usageError(['--keep-sandbox', '--api-url', 'https://api.example/v3'], env)).toMatch(/--keep-sandbox/)
  })

  it('documents every exit code and the line limit', () => {
    for (const code of ['0 ', '1 ', '2 ', '3 ', '4 ', '5 ', '6 ', '130 ']) expect(USAGE).toContain(`\n  ${code}`)
    expect(USAGE).toContain('longer than\n                          1 MB')
  })

  it.each([
    [['--region', 'MARS'], /--region must be one of US, EU, APAC/],
    [['--pii-type', 'Fax'], /--pii-type must be one of/],
    [['--format', 'xml'], /--format must be one of jsonl, csv, json/],
    [['--batch-size', '1499'], /--batch-size must be a whole number from 1500/],
    [['--batch-size', '12.5'], /--batch-size/],
    [['--batch-size', '1000001'], /to 1000000/],
    [['--segment-name', '   '], /--segment-name needs a non-empty value/],
    [['--input', ''], /--input needs a non-empty value/],
    [['--verbose'], /^Unknown option --verbose$/],
    [['--token', 'abc'], /^Unknown option --token$/],
    [['extra.jsonl'], /^Unexpected argument extra.jsonl$/],
    [['--region'], /^--region needs a value$/],
    [['--encoding', 'ebcdic'], /^--encoding must be one of utf-8, utf-16le/],
    [['--delimiter', 'colon'], /^--delimiter must be one of comma, semicolon, tab, pipe/],
    [['--default-country', 'France'], /^--default-country must be an ISO 3166 country code/],
    [['--pii-type', 'Email', '--default-country', 'FR'], /^--default-country applies to phone numbers/],
    [['--check', '--input', 'x.csv'], /^--check only talks to the target .*: leave out --input\.$/],
    [['--list-segments', '--keep-sandbox'], /leave out --keep-sandbox/],
    [['--check', '--list-segments'], /not both/],
    [['--check', '--dry-run'], /^--check only talks to the target .*: leave out --dry-run\.$/],
    [['--list-segments', '--add'], /leave out --add/],
    [['--dry-run', '--keep-sandbox'], /^--dry-run uploads nothing, so there is no sandbox to keep/],
    [
      ['--dry-run', '--coordinate', 'redis://127.0.0.1:6379'],
      /must not write to the shared Redis: leave out --coordinate/
    ],
    [['--email-column', ' '], /--email-column needs a non-empty value/]
  ])('refuses %j', (argv, message) => {
    expect(usageError(argv)).toMatch(message)
  })

  it('reads --add and --dry-run, which go together', () => {
    expect(run(['--add', '--dry-run'])).toMatchObject({ add: true, dryRun: true })
    expect(run([])).toMatchObject({ add: false, dryRun: false })
  })

  it('resolves relative paths against the folder npm was run in (INIT_CWD), else the current one', () => {
    expect(run(['--input', 'list.csv', '--rejects', 'out/rejects.csv'], { INIT_CWD: '/data/me/data' })).toMatchObject({
      input: '/data/me/data/list.csv',
      rejects: '/data/me/data/out/rejects.csv'
    })
    expect(run(['--input', 'list.csv']).input).toBe('/data/me/repo/list.csv')
    expect(run(['--input', '/abs/list.csv'], { INIT_CWD: '/data/me' }).input).toBe('/abs/list.csv')
    expect(run(['--input', '-'], { INIT_CWD: '/data/me' }).input).toBe('-')
  })

  it('reads the input options: encoding and delimiter by name, columns, a country', () => {
    expect(
      run([
        '--encoding',
        'Latin-1',
        '--delimiter',
        'tab',
        '--email-column',
        'Work Email',
        '--phone-column',
        'Mobile',
        '--country-column',
        'Country',
        '--default-country',
        'fr'
      ])
    ).toMatchObject({
      encoding: 'windows-1252',
      delimiter: '\t',
      columns: { email: 'Work Email', phone: 'Mobile', country: 'Country' },
      defaultCountry: 'FR'
    })
    expect(run(['--encoding', 'UTF16']).encoding).toBe('utf-16le')
    expect(run(['--delimiter', ';']).delimiter).toBe(';')
    expect(run(['--delimiter', '\\t']).delimiter).toBe('\t')
  })

  it('answers --version, and --check / --list-segments with their target only', () => {
    expect(parseRunnerArgs(['--version'], {})).toEqual({ kind: 'version' })
    expect(parseRunnerArgs(['--check', '--json'], {})).toEqual({ kind: 'check', api: { kind: 'sandbox' }, json: true })
    const env = { TTD_AUTH_TOKEN: 't', TTD_ADVERTISER_ID: 'a' }
    expect(parseRunnerArgs(['--list-segments', '--api-url', 'https://api.example/v3'], env)).toMatchObject({
      kind: 'list-segments',
      api: { kind: 'real', apiBaseUrl: 'https://api.example/v3' }
    })
  })

  it('finds --json before parsing, so that a mistake can be answered in JSON too', () => {
    expect(wantsJson(['--nope', '--json'])).toBe(true)
    expect(wantsJson(['--input', 'x'])).toBe(false)
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
