/**
 * Writes the `generated-types.ts` files by walking the destination definition, as Segment's CLI does: the
 * settings and audience settings beside the definition, and for each action its payload and each hook's inputs
 * and outputs beside the action. Nothing is listed by hand, so a new field, action or hook is typed the moment
 * it exists. `--check` only compares and exits 1 when a file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fieldsToJsonSchema, type MinimalInputField } from '@segment/actions-core'
import { compile } from 'json-schema-to-typescript'
import { createTheTradeDeskCrm } from '../src/destinations/the-trade-desk-crm'

const DESTINATION_DIR = join(__dirname, '..', 'src', 'destinations', 'the-trade-desk-crm')
const BANNER = '// Generated file. DO NOT MODIFY IT BY HAND: run `npm run types` after changing fields.'

export interface GeneratedFile {
  path: string
  content: string
}

type FieldMap = Record<string, MinimalInputField>

/** What the walk reads of a definition: the runtime's own types hold functions this script never calls. */
interface WalkedHook {
  inputFields?: Record<string, object>
  outputTypes?: Record<string, object>
}
interface WalkedAction {
  fields: Record<string, object>
  hooks?: Record<string, WalkedHook | undefined>
}
interface WalkedDefinition {
  authentication?: { fields?: Record<string, object> }
  audienceFields?: Record<string, object>
  actions: Record<string, WalkedAction>
}

async function render(fields: FieldMap, typeName: string): Promise<string> {
  const schema = fieldsToJsonSchema(fields, { tsType: true })
  // Without titles each property is documented inline on the interface instead of as a separate alias.
  for (const property of Object.values(schema.properties ?? {})) delete property.title
  return compile(schema, typeName, {
    bannerComment: BANNER,
    additionalProperties: false,
    style: { semi: false, singleQuote: true, printWidth: 120, trailingComma: 'none' }
  })
}

/** A dynamic input carries its picker as a function; for its type only the fact that it is dynamic matters. */
function withoutFunctions(fields: Record<string, object>): FieldMap {
  const plain: FieldMap = {}
  for (const [key, field] of Object.entries(fields)) {
    const copy: Record<string, unknown> = { ...field }
    if (typeof copy.dynamic === 'function') copy.dynamic = true
    plain[key] = copy as unknown as MinimalInputField
  }
  return plain
}

/** `onMappingSave` -> `OnMappingSave`, the prefix of the hook's Inputs and Outputs types. */
function typePrefix(hookName: string): string {
  return hookName.charAt(0).toUpperCase() + hookName.slice(1)
}

async function renderAll(parts: [FieldMap | undefined, string][]): Promise<string> {
  const chunks: string[] = []
  for (const [fields, typeName] of parts) if (fields) chunks.push(await render(fields, typeName))
  return chunks.join('')
}

export async function renderGeneratedTypes(): Promise<GeneratedFile[]> {
  const definition = createTheTradeDeskCrm() as unknown as WalkedDefinition
  const files: GeneratedFile[] = [
    {
      path: join(DESTINATION_DIR, 'generated-types.ts'),
      content: await renderAll([
        [withoutFunctions(definition.authentication?.fields ?? {}), 'Settings'],
        [definition.audienceFields && withoutFunctions(definition.audienceFields), 'AudienceSettings']
      ])
    }
  ]
  for (const [slug, action] of Object.entries(definition.actions)) {
    const parts: [FieldMap | undefined, string][] = [[withoutFunctions(action.fields), 'Payload']]
    for (const [hookName, hook] of Object.entries(action.hooks ?? {})) {
      if (!hook) continue
      parts.push([withoutFunctions(hook.inputFields ?? {}), `${typePrefix(hookName)}Inputs`])
      parts.push([withoutFunctions(hook.outputTypes ?? {}), `${typePrefix(hookName)}Outputs`])
    }
    files.push({ path: join(DESTINATION_DIR, slug, 'generated-types.ts'), content: await renderAll(parts) })
  }
  return files
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check')
  const stale: string[] = []
  for (const file of await renderGeneratedTypes()) {
    if (readOrEmpty(file.path) === file.content) continue
    if (check) stale.push(file.path)
    else writeFileSync(file.path, file.content)
  }
  if (stale.length > 0) {
    console.error(`Stale generated types (run npm run types):\n  ${stale.join('\n  ')}`)
    process.exit(1)
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
