/**
 * ECR lifecycle policies, stored and never applied: the policy text is kept on the
 * repository's record (so it persists with it and goes with it), checked first as ECR checks
 * it. ECR validates the text against a JSON schema and then by its own rules; its refusals
 * read `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle
 * policy validation failure: WHY'`, where a schema failure's WHY is the validator's sentence
 * (`instance failed to match exactly one schema (matched 0 out of 2)` is one ECR gives).
 */
import { AwsError } from '../../api/errors.js'
import { invalidParameter, type RepositoryRecord } from './repository.js'

export interface LifecyclePolicyRecord {
  lifecyclePolicyText: string
  /** Epoch seconds of the last evaluation; never set, as no policy is evaluated. */
  lastEvaluatedAt?: number
}

/** A repository's record with its lifecycle policy (a field of the same document). */
export type WithLifecyclePolicy = RepositoryRecord & { lifecyclePolicy?: LifecyclePolicyRecord }

export const lifecycleErrors = {
  notFound: (name: string, registry: string) => new AwsError('LifecyclePolicyNotFoundException', `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${registry}'`)
}

const invalid = (why: string): AwsError =>
  invalidParameter('LifecyclePolicyText', `Lifecycle policy validation failure: ${why}`)

const TAG_STATUSES = ['tagged', 'untagged', 'any']
const SINCE = ['sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned']

type Json = Record<string, unknown>

interface Rule {
  rulePriority: number
  selection: { tagStatus: string, tagPrefixList?: string[], tagPatternList?: string[] }
}

/** Checks a lifecycle policy's text as PutLifecyclePolicy does; InvalidParameterException. */
export function validateLifecyclePolicy (text: string): void {
  let doc: unknown
  // (unconfirmed) ECR's text for text that is not a JSON object.
  try { doc = JSON.parse(text) } catch { throw invalid('Could not map policyString into LifecyclePolicy.') }
  if (!isObject(doc)) throw invalid('Could not map policyString into LifecyclePolicy.')
  const rules = checkSchema(doc)
  checkRules(rules)
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The JSON type name a schema validator reports for a value. */
function typeOf (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

// (unconfirmed) the schema's exact content; the sentences are those of the JSON schema
// validator ECR's `instance failed to match exactly one schema` comes from.
const wrongType = (v: unknown, allowed: string): string =>
  `instance type (${typeOf(v)}) does not match any allowed primitive type (allowed: ["${allowed}"])`

function required (o: Json, names: string[]): void {
  const missing = names.filter(n => o[n] === undefined).sort()
  if (missing.length > 0) {
    throw invalid(`object has missing required properties (${JSON.stringify(missing)})`)
  }
}

function allowedOnly (o: Json, names: string[]): void {
  const extra = Object.keys(o).filter(k => !names.includes(k)).sort()
  if (extra.length > 0) {
    throw invalid(`object instance has properties which are not allowed by the schema: ${JSON.stringify(extra)}`)
  }
}

function positiveInteger (v: unknown): void {
  if (typeOf(v) !== 'integer') throw invalid(wrongType(v, 'integer'))
  if ((v as number) < 1) {
    throw invalid(`numeric instance is lower than the required minimum (minimum: 1, found: ${String(v)})`)
  }
}

function checkSchema (doc: Json): Rule[] {
  required(doc, ['rules'])
  if (!Array.isArray(doc.rules)) throw invalid(wrongType(doc.rules, 'array'))
  if (doc.rules.length === 0) {
    throw invalid('array is too short: must have at least 1 elements but instance has 0 elements')
  }
  for (const rule of doc.rules as unknown[]) checkRuleSchema(rule)
  return doc.rules as Rule[]
}

function checkRuleSchema (rule: unknown): void {
  if (!isObject(rule)) throw invalid(wrongType(rule, 'object'))
  required(rule, ['rulePriority', 'selection', 'action'])
  allowedOnly(rule, ['rulePriority', 'description', 'selection', 'action'])
  positiveInteger(rule.rulePriority)
  if (rule.description !== undefined && typeof rule.description !== 'string') {
    throw invalid(wrongType(rule.description, 'string'))
  }
  if (!isObject(rule.selection)) throw invalid(wrongType(rule.selection, 'object'))
  if (!isObject(rule.action)) throw invalid(wrongType(rule.action, 'object'))
  // The selection has four forms, the action two (ECR's counts, in refusals quoted 2024-2026).
  if (!selectionMatches(rule.selection)) throw invalid(noSchemaOf(4))
  if (!actionMatches(rule.action)) throw invalid(noSchemaOf(2))
}

const noSchemaOf = (n: number): string =>
  `instance failed to match exactly one schema (matched 0 out of ${n})`

/**
 * One of the selection's forms: `imageCountMoreThan` without a unit, or one of the
 * `since...` counts in days; tag lists are lists of strings.
 */
function selectionMatches (s: Json): boolean {
  const lists = ['tagPrefixList', 'tagPatternList']
  const common = ['tagStatus', 'countType', 'countNumber', 'storageClass', ...lists]
  const status = typeof s.tagStatus === 'string' && TAG_STATUSES.includes(s.tagStatus.toLowerCase())
  const count = typeOf(s.countNumber) === 'integer' && (s.countNumber as number) >= 1
  const tagLists = lists.every(l => s[l] === undefined ||
    (Array.isArray(s[l]) && (s[l] as unknown[]).every(t => typeof t === 'string')))
  if (!status || !count || !tagLists) return false
  if (s.countType === 'imageCountMoreThan') return Object.keys(s).every(k => common.includes(k))
  if (typeof s.countType !== 'string' || !SINCE.includes(s.countType)) return false
  return s.countUnit === 'days' && Object.keys(s).every(k => [...common, 'countUnit'].includes(k))
}

/** `expire`, or `transition` to the archive storage class. */
function actionMatches (a: Json): boolean {
  if (a.type === 'expire') return Object.keys(a).every(k => k === 'type')
  return a.type === 'transition' && a.targetStorageClass === 'archive' &&
    Object.keys(a).every(k => k === 'type' || k === 'targetStorageClass')
}

/** ECR's own rules over the rules, once each has the schema's shape. */
function checkRules (rules: Rule[]): void {
  const priorities = rules.map(r => r.rulePriority)
  // (unconfirmed) the wording for two rules with one priority.
  if (new Set(priorities).size !== priorities.length) throw invalid('Rule priorities must be unique')
  const status = (r: Rule) => r.selection.tagStatus.toLowerCase()
  for (const r of rules) {
    const listed = r.selection.tagPrefixList !== undefined || r.selection.tagPatternList !== undefined
    if (status(r) === 'tagged' && !listed) {
      throw invalid('Must specify tagPrefixList or tagPatternList when tagStatus=TAGGED.')
    }
    // (unconfirmed) the wording: the guide says a list must be omitted for other statuses.
    if (status(r) !== 'tagged' && listed) {
      throw invalid('tagPrefixList and tagPatternList may only be specified when tagStatus=TAGGED.')
    }
  }
  // (unconfirmed) one project's notes quote this refusal of a second rule for untagged images.
  if (rules.filter(r => status(r) === 'untagged').length > 1) {
    throw invalid('Only one rule can select Untagged images per storage class')
  }
  const highest = Math.max(...priorities)
  if (rules.some(r => status(r) === 'any' && r.rulePriority !== highest)) {
    throw invalid('Rule for tagStatus=ANY must have the lowest priority per storage class')
  }
}
