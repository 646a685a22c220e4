/**
 * Writes the `generated-types.ts` files from the field definitions, so settings and payload types can
 * never drift from what the runtime validates. `--check` only compares and exits 1 when a file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fieldsToJsonSchema, type MinimalInputField } from '@segment/actions-core'
import { compile } from 'json-schema-to-typescript'
import { settingsFields } from '../src/destinations/the-trade-desk-crm/settings'
import { fields as syncAudienceFields } from '../src/destinations/the-trade-desk-crm/syncAudience/fields'

const DESTINATION_DIR = join(__dirname, '..', 'src', 'destinations', 'the-trade-desk-crm')
const BANNER = '// Generated file. DO NOT MODIFY IT BY HAND: run `npm run types` after changing fields.'

export interface GeneratedFile {
  path: string
  content: string
}

async function render(fields: Record<string, MinimalInputField>, typeName: string): Promise<string> {
  const schema = fieldsToJsonSchema(fields, { tsType: true })
  // Without titles each property is documented inline on the interface instead of as a separate alias.
  for (const property of Object.values(schema.properties ?? {})) delete property.title
  return compile(schema, typeName, {
    bannerComment: BANNER,
    additionalProperties: false,
    style: { semi: false, singleQuote: true, printWidth: 120, trailingComma: 'none' }
  })
}

export async function renderGeneratedTypes(): Promise<GeneratedFile[]> {
  return [
    { path: join(DESTINATION_DIR, 'generated-types.ts'), content: await render(settingsFields, 'Settings') },
    {
      path: join(DESTINATION_DIR, 'syncAudience', 'generated-types.ts'),
      content: await render(syncAudienceFields, 'Payload')
    }
  ]
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
