import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './usage-error'

type Options = NonNullable<ParseArgsConfig['options']>

/** The option values parseArgs gives for these options, typed by their declarations. */
export type OptionValues<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
>['values']

/**
 * `node:util` parseArgs, strict and without positionals, for every command-line tool. A mistake becomes a
 * UsageError in one wording for all of them, chosen from parseArgs' error code and the argument at fault (never
 * from its message text, which Node may reword): "Unknown option --nope", "--port needs a value",
 * "--help takes no value", "Unexpected argument 4010".
 */
export function parseOptions<const O extends Options>(args: string[], options: O): OptionValues<O> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw new UsageError(usageMistake(error, args, options))
  }
}

function usageMistake(error: unknown, args: string[], options: Options): string {
  const code = (error as { code?: unknown }).code
  // The same arguments read leniently, token by token, to find the one the strict reading refused.
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true })
  for (const token of tokens) {
    if (token.kind === 'positional' && code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      return `Unexpected argument ${token.value}`
    }
    if (token.kind !== 'option') continue
    const declared = Object.hasOwn(options, token.name) ? options[token.name] : undefined
    if (!declared && code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `Unknown option ${token.rawName}`
    if (!declared || code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') continue
    if (declared.type === 'boolean' && token.value !== undefined) return `${token.rawName} takes no value`
    // strict parseArgs refuses "--port --help": a value that looks like an option is taken for a missing value
    const missing = token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))
    if (declared.type === 'string' && missing) return `${token.rawName} needs a value`
  }
  return error instanceof Error ? error.message : String(error)
}
