import { BROKEN_BODIES, SANDBOX_ROUTES, type BrokenBody, type FaultRule, type SandboxRoute } from './types'

export class FaultRuleError extends Error {}

const BOOLEAN_KEYS = ['reset', 'malformedJson', 'incompleteJson', 'repeatPagingToken', 'insecureDropUrl'] as const
const KNOWN_KEYS = new Set<string>([
  'route',
  'status',
  'retryAfterSeconds',
  'latencyMs',
  'times',
  'brokenBody',
  ...BOOLEAN_KEYS
])
// Each of these decides the whole answer: a broken body combined with one of them would silently lose.
const ANSWER_KEYS = ['status', 'reset', 'malformedJson', 'incompleteJson'] as const

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}

/**
 * Checks rules strictly: a misspelt key or a fault on a route it cannot apply to would otherwise make a test pass
 * without the fault ever happening.
 */
export function validateFaultRules(input: unknown): FaultRule[] {
  if (!Array.isArray(input)) throw new FaultRuleError('Faults must be a JSON array of fault rules')
  return input.map((raw: unknown, index) => {
    const where = `Fault rule ${index}`
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new FaultRuleError(`${where} is not an object`)
    const rule = raw as Record<string, unknown>
    for (const key of Object.keys(rule)) {
      if (!KNOWN_KEYS.has(key)) throw new FaultRuleError(`${where} has an unknown field '${key}'`)
    }
    if (!SANDBOX_ROUTES.includes(rule.route as SandboxRoute)) {
      throw new FaultRuleError(`${where}: route must be one of ${SANDBOX_ROUTES.join(', ')}`)
    }
    if (rule.status !== undefined && !(isNonNegativeInteger(rule.status) && rule.status >= 200 && rule.status <= 599)) {
      throw new FaultRuleError(`${where}: status must be an integer from 200 to 599`)
    }
    for (const key of ['retryAfterSeconds', 'latencyMs', 'times'] as const) {
      if (rule[key] !== undefined && !isNonNegativeInteger(rule[key])) {
        throw new FaultRuleError(`${where}: ${key} must be a non-negative integer`)
      }
    }
    for (const key of BOOLEAN_KEYS) {
      if (rule[key] !== undefined && typeof rule[key] !== 'boolean') {
        throw new FaultRuleError(`${where}: ${key} must be a boolean`)
      }
    }
    if (rule.brokenBody !== undefined && !BROKEN_BODIES.includes(rule.brokenBody as BrokenBody)) {
      throw new FaultRuleError(`${where}: brokenBody must be one of ${BROKEN_BODIES.join(', ')}`)
    }
    const other = ANSWER_KEYS.find((key) => rule[key] !== undefined && rule[key] !== false)
    if (rule.brokenBody !== undefined && other) {
      throw new FaultRuleError(`${where}: brokenBody and ${other} each decide the answer; use one per rule`)
    }
    if (rule.retryAfterSeconds !== undefined && rule.status === undefined) {
      throw new FaultRuleError(`${where}: retryAfterSeconds needs a status (429 or 503)`)
    }
    if (rule.repeatPagingToken && rule.route !== 'list') {
      throw new FaultRuleError(`${where}: repeatPagingToken applies to the list route only`)
    }
    if (rule.insecureDropUrl && rule.route !== 'drop') {
      throw new FaultRuleError(`${where}: insecureDropUrl applies to the drop route only`)
    }
    return { ...(rule as unknown as FaultRule) }
  })
}

/**
 * The active fault rules. A request takes the first rule for its route that has uses left, so rules with `times`
 * queue up: [{status: 429, times: 1}, {status: 500, times: 1}] answers 429, then 500, then normally.
 */
export class FaultBook {
  private rules: { rule: FaultRule; remaining: number }[] = []

  set(rules: unknown): void {
    this.rules = validateFaultRules(rules).map((rule) => ({ rule, remaining: rule.times ?? Infinity }))
  }

  clear(): void {
    this.rules = []
  }

  list(): FaultRule[] {
    return this.rules.map(({ rule, remaining }) =>
      Number.isFinite(remaining) ? { ...rule, times: remaining } : { ...rule }
    )
  }

  take(route: SandboxRoute): FaultRule | undefined {
    const entry = this.rules.find((r) => r.rule.route === route && r.remaining > 0)
    if (!entry) return undefined
    entry.remaining--
    if (entry.remaining === 0) this.rules = this.rules.filter((r) => r !== entry)
    return entry.rule
  }
}
