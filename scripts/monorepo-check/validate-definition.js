// The definition checks Segment's `validate` command runs on a destination, on the compiled definition given as
// the first argument: it has actions; each action and each of its fields is described; a default subscription
// parses as FQL; a batch_keys field names at most 3 of the action's own fields and not itself; presets name
// existing actions and fields; boolean and number settings have defaults of their type.
'use strict'
const { parseFql } = require('@segment/destination-subscriptions')

const definition = require(process.argv[2]).default
const problems = []
const actions = definition.actions || {}

if (Object.keys(actions).length === 0) problems.push(`"${definition.name}" defines no action`)
for (const [key, action] of Object.entries(actions)) {
  if (!action.description) problems.push(`action "${key}" has no description`)
  if (action.defaultSubscription) {
    const parsed = parseFql(action.defaultSubscription)
    if (parsed.error) problems.push(`action "${key}": defaultSubscription is not valid FQL: ${parsed.error.message}`)
  }
  for (const [fieldKey, field] of Object.entries(action.fields || {})) {
    if (!field.description) problems.push(`action "${key}": field "${fieldKey}" has no description`)
    if (fieldKey === 'batch_keys') {
      const keys = Array.isArray(field.default) ? field.default : []
      if (keys.length > 3) problems.push(`action "${key}": batch_keys names more than 3 fields`)
      const unknown = keys.filter((name) => !(name in action.fields))
      if (unknown.length > 0) problems.push(`action "${key}": batch_keys names unknown fields ${unknown.join(', ')}`)
      if (keys.includes('batch_keys')) problems.push(`action "${key}": batch_keys names itself`)
    }
  }
}
for (const preset of definition.presets || []) {
  const action = actions[preset.partnerAction]
  if (!action) {
    problems.push(`preset "${preset.name}" names no action of the destination`)
    continue
  }
  if (preset.type === 'automatic' && parseFql(preset.subscribe).error) {
    problems.push(`preset "${preset.name}": subscribe is not valid FQL`)
  }
  for (const field of Object.keys(preset.mapping || {})) {
    if (!(field in (action.fields || {}))) problems.push(`preset "${preset.name}" maps unknown field "${field}"`)
  }
}
for (const [key, field] of Object.entries((definition.authentication && definition.authentication.fields) || {})) {
  const type = field.type
  if ((type === 'boolean' || type === 'number') && field.default !== undefined && typeof field.default !== type) {
    problems.push(`setting "${key}": default is a ${typeof field.default}, not a ${type}`)
  }
}

if (problems.length > 0) {
  console.log(`definition: ${problems.length} problems\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log(`definition: ok (${Object.keys(actions).length} action, checked as Segment's validate does)`)
