/**
 * The Condition element: every operator of the IAM policy language, the `...IfExists`
 * suffix and the `ForAnyValue:` / `ForAllValues:` set prefixes. A block is compiled once;
 * a malformed block compiles to an error that makes its statement unevaluable.
 */

import { BlockList, isIP } from 'node:net'
import { sourceRegExp } from './matching.js'
import {
  parseTemplate,
  partsGlobSource,
  partsHaveWildcard,
  partsText,
  plainTemplate,
  resolve,
  splitParts,
  type Lookup,
  type ParsedTemplate,
  type Template,
} from './variables.js'

/** A context key's value as the evaluator holds it. */
export interface ContextEntry {
  values: string[]
  multi: boolean
}

export interface ConditionEnv {
  get(key: string): ContextEntry | undefined
  lookup: Lookup
}

type PolicyValue = string | number | boolean
type Compare = (actual: string, expected: any, env: ConditionEnv) => boolean

interface Family {
  /** Turns a policy value into what `compare` expects; throws InvalidValue if bad. */
  prepare(value: PolicyValue, vars: boolean): unknown
}

class InvalidValue {
  constructor(readonly message: string) {}
}

interface Operator {
  family: Family
  compare: Compare
  negated: boolean
}

interface Entry {
  operator: string
  key: string
  op?: Operator
  set?: 'any' | 'all'
  ifExists: boolean
  values: unknown[]
}

export type CompiledConditions = { entries: Entry[] } | { error: string }

// ---------------------------------------------------------------- value families

function templateOf(value: PolicyValue, vars: boolean): ParsedTemplate {
  const text = String(value)
  const t = vars ? parseTemplate(text) : plainTemplate(text)
  if ('error' in t) throw new InvalidValue(t.error)
  return t
}

const stringFamily: Family = { prepare: templateOf }

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

function parseNumber(value: PolicyValue): number {
  if (typeof value === 'number') return value
  return typeof value === 'string' && NUMBER.test(value.trim()) ? Number(value) : NaN
}

const numericFamily: Family = {
  prepare(value) {
    const n = parseNumber(value)
    if (!Number.isFinite(n)) throw new InvalidValue(`'${value}' is not a number`)
    return n
  },
}

const EPOCH = /^[+-]?\d+(?:\.\d+)?$/
const ISO_DATE =
  /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i

/** Milliseconds since the epoch for an ISO-8601 date or epoch seconds; NaN otherwise. */
export function parseDate(value: PolicyValue): number {
  if (typeof value === 'number') return value * 1000
  const text = String(value).trim()
  if (EPOCH.test(text)) return Number(text) * 1000
  const m = ISO_DATE.exec(text)
  if (!m) return NaN
  if (!m[2]) return Date.parse(m[1])
  const zone = (m[3] ?? 'Z').replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')
  return Date.parse(`${m[1]}T${m[2]}${zone.toUpperCase()}`)
}

const dateFamily: Family = {
  prepare(value) {
    const ms = parseDate(value)
    if (Number.isNaN(ms)) throw new InvalidValue(`'${value}' is not a date`)
    return ms
  },
}

function parseBool(value: PolicyValue): 'true' | 'false' {
  const text = String(value).toLowerCase()
  if (text === 'true' || text === 'false') return text
  throw new InvalidValue(`'${value}' is not a boolean`)
}

const boolFamily: Family = { prepare: parseBool }

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

function decodeBase64(value: string): Buffer | undefined {
  const text = value.trim()
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined
}

const binaryFamily: Family = {
  prepare(value) {
    const bytes = typeof value === 'string' ? decodeBase64(value) : undefined
    if (!bytes) throw new InvalidValue(`'${value}' is not base64`)
    return bytes
  },
}

interface Cidr {
  family: 'ipv4' | 'ipv6'
  list: BlockList
}

function parseCidr(value: PolicyValue): Cidr | undefined {
  const [address, prefix, extra] = String(value).trim().split('/')
  const version = isIP(address)
  if (extra !== undefined || version === 0) return undefined
  const max = version === 4 ? 32 : 128
  const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1
  if (bits < 0 || bits > max) return undefined
  const family = version === 4 ? 'ipv4' : 'ipv6'
  const list = new BlockList()
  list.addSubnet(address, bits, family)
  return { family, list }
}

const ipFamily: Family = {
  prepare(value) {
    const cidr = parseCidr(value)
    if (!cidr) throw new InvalidValue(`'${value}' is not an IP address or CIDR block`)
    return cidr
  },
}

const arnFamily: Family = {
  prepare(value, vars) {
    const t = templateOf(value, vars)
    if (!t.hasVars && String(value).split(':').length < 6) {
      throw new InvalidValue(`'${value}' is not an ARN`)
    }
    return t
  },
}

// ---------------------------------------------------------------- comparisons

function resolved(expected: Template, env: ConditionEnv): string | undefined {
  const parts = resolve(expected, env.lookup)
  return parts && partsText(parts)
}

const stringEquals: Compare = (actual, expected: Template, env) =>
  resolved(expected, env) === actual

const stringEqualsIgnoreCase: Compare = (actual, expected: Template, env) =>
  resolved(expected, env)?.toLowerCase() === actual.toLowerCase()

const stringLike: Compare = (actual, expected: Template, env) => {
  const parts = resolve(expected, env.lookup)
  if (!parts) return false
  if (!partsHaveWildcard(parts)) return partsText(parts) === actual
  return sourceRegExp(partsGlobSource(parts)).test(actual)
}

function numeric(test: (a: number, b: number) => boolean): Compare {
  return (actual, expected: number) => {
    const n = parseNumber(actual)
    return !Number.isNaN(n) && test(n, expected)
  }
}

function date(test: (a: number, b: number) => boolean): Compare {
  return (actual, expected: number) => {
    const ms = parseDate(actual)
    return !Number.isNaN(ms) && test(ms, expected)
  }
}

const bool: Compare = (actual, expected: string) => actual.toLowerCase() === expected

const binaryEquals: Compare = (actual, expected: Buffer) => {
  const bytes = decodeBase64(actual)
  return bytes !== undefined && bytes.equals(expected)
}

const ipAddress: Compare = (actual, expected: Cidr) => {
  const version = isIP(actual.trim())
  if (version === 0) return false
  return expected.list.check(actual.trim(), version === 4 ? 'ipv4' : 'ipv6')
}

/** Compares the six `:`-separated ARN parts one by one; each may hold wildcards. */
const arnLike: Compare = (actual, expected: Template, env) => {
  const parts = resolve(expected, env.lookup)
  if (!parts) return false
  const want = splitParts(parts, ':', 6)
  const have = splitArn(actual)
  if (want.length !== 6 || !have) return false
  return want.every((piece, i) => sourceRegExp(partsGlobSource(piece)).test(have[i]))
}

function splitArn(arn: string): string[] | undefined {
  const pieces = arn.split(':')
  if (pieces.length < 6) return undefined
  return [...pieces.slice(0, 5), pieces.slice(5).join(':')]
}

const eq = (a: number, b: number) => a === b
const lt = (a: number, b: number) => a < b
const le = (a: number, b: number) => a <= b
const gt = (a: number, b: number) => a > b
const ge = (a: number, b: number) => a >= b

function op(family: Family, compare: Compare, negated = false): Operator {
  return { family, compare, negated }
}

function comparisons(prefix: string, family: Family, wrap: typeof numeric) {
  return {
    [`${prefix}Equals`]: op(family, wrap(eq)),
    [`${prefix}NotEquals`]: op(family, wrap(eq), true),
    [`${prefix}LessThan`]: op(family, wrap(lt)),
    [`${prefix}LessThanEquals`]: op(family, wrap(le)),
    [`${prefix}GreaterThan`]: op(family, wrap(gt)),
    [`${prefix}GreaterThanEquals`]: op(family, wrap(ge)),
  }
}

const OPERATORS: Record<string, Operator> = {
  StringEquals: op(stringFamily, stringEquals),
  StringNotEquals: op(stringFamily, stringEquals, true),
  StringEqualsIgnoreCase: op(stringFamily, stringEqualsIgnoreCase),
  StringNotEqualsIgnoreCase: op(stringFamily, stringEqualsIgnoreCase, true),
  StringLike: op(stringFamily, stringLike),
  StringNotLike: op(stringFamily, stringLike, true),
  ...comparisons('Numeric', numericFamily, numeric),
  ...comparisons('Date', dateFamily, date),
  Bool: op(boolFamily, bool),
  BinaryEquals: op(binaryFamily, binaryEquals),
  IpAddress: op(ipFamily, ipAddress),
  NotIpAddress: op(ipFamily, ipAddress, true),
  ArnEquals: op(arnFamily, arnLike),
  ArnLike: op(arnFamily, arnLike),
  ArnNotEquals: op(arnFamily, arnLike, true),
  ArnNotLike: op(arnFamily, arnLike, true),
}

// ---------------------------------------------------------------- compiling

interface ParsedOperator {
  op?: Operator
  set?: 'any' | 'all'
  ifExists: boolean
}

function parseOperator(name: string): ParsedOperator | undefined {
  let base = name
  let set: 'any' | 'all' | undefined
  if (base.startsWith('ForAnyValue:')) set = 'any'
  else if (base.startsWith('ForAllValues:')) set = 'all'
  if (set) base = base.slice(base.indexOf(':') + 1)
  if (base === 'Null') return set ? undefined : { ifExists: false }
  const ifExists = base.endsWith('IfExists')
  if (ifExists) base = base.slice(0, -'IfExists'.length)
  const found = Object.hasOwn(OPERATORS, base) ? OPERATORS[base] : undefined
  return found && { op: found, set, ifExists }
}

function prepareNull(value: PolicyValue): boolean {
  return parseBool(value) === 'true'
}

function compileEntry(operator: string, key: string, raw: unknown, vars: boolean): Entry {
  const parsed = parseOperator(operator)
  if (!parsed) throw new InvalidValue(`unknown condition operator ${operator}`)
  const list = Array.isArray(raw) ? raw : [raw]
  const values = list.map((value) => {
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      throw new InvalidValue(`${operator}: invalid value for key ${key}`)
    }
    try {
      if (!parsed.op) return prepareNull(value)
      return parsed.op.family.prepare(value, vars)
    } catch (e) {
      if (!(e instanceof InvalidValue)) throw e
      throw new InvalidValue(`${operator}: ${e.message} (key ${key})`)
    }
  })
  return { operator, key: key.toLowerCase(), ...parsed, values }
}

type CachedBlock = { vars: boolean; compiled: CompiledConditions }
const compiledBlocks = new WeakMap<object, CachedBlock>()

export function compileConditions(block: unknown, vars: boolean): CompiledConditions {
  if (typeof block !== 'object' || block === null) {
    return { error: 'Condition is not an object' }
  }
  const hit = compiledBlocks.get(block)
  if (hit && hit.vars === vars) return hit.compiled
  const compiled = compileBlock(block as Record<string, unknown>, vars)
  compiledBlocks.set(block, { vars, compiled })
  return compiled
}

function compileBlock(block: Record<string, unknown>, vars: boolean): CompiledConditions {
  const entries: Entry[] = []
  try {
    for (const [operator, keys] of Object.entries(block)) {
      if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
        throw new InvalidValue(`${operator}: expected an object of condition keys`)
      }
      for (const [key, raw] of Object.entries(keys)) {
        entries.push(compileEntry(operator, key, raw, vars))
      }
    }
  } catch (e) {
    if (e instanceof InvalidValue) return { error: e.message }
    throw e
  }
  return { entries }
}

// ---------------------------------------------------------------- evaluating

/** All operators and all keys of a block must match (AND). */
export function conditionsMatch(block: { entries: Entry[] }, env: ConditionEnv): boolean {
  return block.entries.every((entry) => entryMatches(entry, env))
}

function entryMatches(entry: Entry, env: ConditionEnv): boolean {
  const found = env.get(entry.key)
  const present = found !== undefined && found.values.length > 0
  if (!entry.op) return entry.values.some((isNull) => isNull === !present)
  if (!present) return missingKey(entry, entry.op)
  const op = entry.op
  const one = (actual: string) =>
    op.negated !== entry.values.some((v) => op.compare(actual, v, env))
  if (entry.set === 'all') return found.values.every(one)
  if (entry.set === 'any') return found.values.some(one)
  if (!found.multi) return one(found.values[0])
  return op.negated ? found.values.every(one) : found.values.some(one)
}

function missingKey(entry: Entry, op: Operator): boolean {
  if (entry.ifExists || entry.set === 'all') return true
  if (entry.set === 'any') return false
  return op.negated
}
