/**
 * The AWS service models (trimmed from botocore by scripts/gen-models.py) and the shape walks
 * the wire layer needs: reading query-protocol parameters into a structure, type-checking JSON
 * input, validating constraints, and writing query-protocol XML.
 */
import { readFileSync } from 'node:fs'
import { AwsError, validationMessage } from './errors.js'

export interface MemberRef { shape: string, locationName?: string, queryName?: string, flattened?: boolean }

export interface Shape {
  type: 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' |
    'boolean' | 'timestamp' | 'blob'
  members?: Record<string, MemberRef>
  required?: string[]
  member?: MemberRef
  key?: MemberRef
  value?: MemberRef
  enum?: string[]
  min?: number
  max?: number
  pattern?: string
  flattened?: boolean
  error?: { code?: string, httpStatusCode?: number, senderFault?: boolean }
  exception?: boolean
}

export interface OperationModel {
  input?: { shape: string }
  output?: { shape: string, resultWrapper?: string }
  errors?: string[]
}

export interface ServiceModel {
  metadata: {
    protocol: 'json' | 'query' | 'ec2'
    targetPrefix?: string
    apiVersion: string
    signingName?: string
    endpointPrefix: string
    serviceId: string
  }
  operations: Record<string, OperationModel>
  shapes: Record<string, Shape>
  /** A partial model (EC2): the operations left out, which are not served. */
  omittedOperations?: string[]
}

const cache = new Map<string, ServiceModel>()

export function loadModel (file: string): ServiceModel {
  let model = cache.get(file)
  if (model === undefined) {
    const url = new URL(`./models/${file}.json`, import.meta.url)
    model = JSON.parse(readFileSync(url, 'utf8')) as ServiceModel
    cache.set(file, model)
  }
  return model
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1)

// --- query protocol input ---------------------------------------------------------------

/**
 * How parameter names are formed. The query protocol uses the member's locationName (or its
 * name) and `.member.N` for list items unless flattened; EC2 uses the member's queryName, else
 * its locationName with a capital first letter, and every list is flattened (`Filter.1.Name`).
 */
interface QueryStyle {
  name (member: string, ref: MemberRef): string
  flattened (ref: MemberRef, shape: Shape): boolean
}

const QUERY_STYLE: QueryStyle = {
  name: (member, ref) => ref.locationName ?? member,
  flattened: (ref, shape) => (ref.flattened ?? shape.flattened) === true
}

const EC2_STYLE: QueryStyle = {
  name: (member, ref) => ref.queryName ??
    (ref.locationName === undefined ? member : ref.locationName.charAt(0).toUpperCase() + ref.locationName.slice(1)),
  flattened: () => true
}

/** Builds the operation's input structure from flat `A.member.1.B=...` query parameters. */
export function readQueryInput (model: ServiceModel, shapeName: string | undefined,
  params: Record<string, string>): Record<string, unknown> {
  if (shapeName === undefined) return {}
  const style = model.metadata.protocol === 'ec2' ? EC2_STYLE : QUERY_STYLE
  return readStructure(model, style, model.shapes[shapeName], '', params) ?? {}
}

function readValue (model: ServiceModel, style: QueryStyle, ref: MemberRef, prefix: string,
  params: Record<string, string>): unknown {
  const shape = model.shapes[ref.shape]
  switch (shape.type) {
    case 'structure': return readStructure(model, style, shape, `${prefix}.`, params)
    case 'list': return readList(model, style, shape, prefix, params, style.flattened(ref, shape))
    case 'map': return readMap(model, style, shape, prefix, params)
    default: return params[prefix] === undefined ? undefined : scalar(model, shape, params[prefix], prefix)
  }
}

function readStructure (model: ServiceModel, style: QueryStyle, shape: Shape, prefix: string,
  params: Record<string, string>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {}
  let found = false
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const value = readValue(model, style, ref, prefix + style.name(name, ref), params)
    if (value !== undefined) { out[name] = value; found = true }
  }
  return found || prefix === '' ? out : undefined
}

function readList (model: ServiceModel, style: QueryStyle, shape: Shape, prefix: string,
  params: Record<string, string>, flattened: boolean): unknown[] | undefined {
  const base = flattened ? prefix : `${prefix}.${shape.member?.locationName ?? 'member'}`
  if (params[prefix] === '') return [] // `Tags=` is how the query protocol sends an empty list
  const out: unknown[] = []
  for (let i = 1; ; i++) {
    const value = readValue(model, style, shape.member!, `${base}.${i}`, params)
    if (value === undefined) break
    out.push(value)
  }
  return out.length > 0 ? out : undefined
}

function readMap (model: ServiceModel, style: QueryStyle, shape: Shape, prefix: string,
  params: Record<string, string>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {}
  const keyName = shape.key?.locationName ?? 'key'
  const valueName = shape.value?.locationName ?? 'value'
  for (let i = 1; ; i++) {
    const key = params[`${prefix}.entry.${i}.${keyName}`]
    if (key === undefined) break
    out[key] = readValue(model, style, shape.value!, `${prefix}.entry.${i}.${valueName}`, params)
  }
  return Object.keys(out).length > 0 ? out : undefined
}

function scalar (model: ServiceModel, shape: Shape, text: string, where: string): unknown {
  switch (shape.type) {
    case 'integer': case 'long': case 'float': case 'double': {
      const n = Number(text)
      if ((text.trim() === '' || Number.isNaN(n)) && model.metadata.protocol === 'ec2') {
        // (unconfirmed) EC2's wording for a parameter that is not a number
        throw new AwsError('InvalidParameterValue', `Invalid value '${text}' for ${where}`)
      }
      if (text.trim() === '' || Number.isNaN(n)) {
        throw new AwsError('ValidationError', validationMessage([
          `Value '${text}' at '${lowerFirst(where)}' failed to satisfy constraint: Member must be a number`]))
      }
      return n
    }
    case 'boolean': return text === 'true'
    default: return text
  }
}

// --- JSON protocol input ----------------------------------------------------------------

/**
 * Checks JSON input types the way AWS's framework does before any business rule runs.
 * Unknown members are ignored, as AWS ignores them; `null` counts as absent.
 * The message texts are ours: AWS's exact wording for these is not published.
 */
export function checkJsonTypes (model: ServiceModel, shapeName: string | undefined,
  value: unknown): void {
  if (shapeName === undefined) return
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw serialization('Start of structure or map found where not expected.')
  }
  checkJson(model, model.shapes[shapeName], value, '')
}

function checkJson (model: ServiceModel, shape: Shape, value: unknown, path: string): void {
  if (value === null || value === undefined) return
  const wrong = (): never => { throw serialization(typeError(shape.type, value, path)) }
  switch (shape.type) {
    case 'structure':
      if (typeof value !== 'object' || Array.isArray(value)) wrong()
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const v = (value as Record<string, unknown>)[name]
        if (v !== undefined) checkJson(model, model.shapes[ref.shape], v, join(path, name))
      }
      return
    case 'list':
      if (!Array.isArray(value)) wrong()
      ;(value as unknown[]).forEach((v, i) => checkJson(model, model.shapes[shape.member!.shape], v,
        `${path}[${i}]`))
      return
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) wrong()
      for (const [k, v] of Object.entries(value as object)) {
        checkJson(model, model.shapes[shape.value!.shape], v, `${path}.${k}`)
      }
      return
    case 'string': case 'blob':
      if (typeof value !== 'string') wrong()
      return
    case 'integer': case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) wrong()
      return
    case 'float': case 'double':
      if (typeof value !== 'number') wrong()
      return
    case 'boolean':
      if (typeof value !== 'boolean') wrong()
      return
    case 'timestamp':
      if (typeof value !== 'number' && typeof value !== 'string') wrong()
  }
}

const join = (path: string, name: string): string => path === '' ? name : `${path}.${name}`

function typeError (expected: string, value: unknown, path: string): string {
  if (expected === 'list') return `Expected list or null at '${path}'`
  if (expected === 'structure' || expected === 'map') {
    return `Start of ${Array.isArray(value) ? 'list' : 'value'} found where not expected at '${path}'`
  }
  return `Cannot deserialize value of type ${expected} from ${jsonType(value)} at '${path}'`
}

const jsonType = (v: unknown): string => Array.isArray(v) ? 'array' : typeof v

const serialization = (message: string): AwsError => new AwsError('SerializationException', message)

// --- constraints ------------------------------------------------------------------------

const patterns = new Map<string, RegExp | null>()

/**
 * Model patterns are Java regular expressions: most compile with the `u` flag (for `\p{L}`);
 * some (EFS's `(\/(?!\.)+...)`, a quantified lookahead) only without it.
 */
function compilePattern (source: string, flags: string): RegExp | null {
  try { return new RegExp(`^(?:${source})$`, flags) } catch { return null }
}

function pattern (source: string): RegExp | null {
  if (!patterns.has(source)) {
    patterns.set(source, compilePattern(source, 'su') ?? compilePattern(source, 's'))
  }
  return patterns.get(source)!
}

/**
 * Validates required members and the model's min/max/pattern/enum constraints, collecting
 * every failure into AWS's `N validation errors detected: ...` message, member names in
 * lowerCamelCase as AWS writes them.
 */
export function constraintFailures (model: ServiceModel, shapeName: string | undefined,
  input: Record<string, unknown>, checkPatterns = true): string[] {
  if (shapeName === undefined) return []
  const failures: string[] = []
  validateStructure(model, model.shapes[shapeName], input, '', failures, checkPatterns)
  return failures
}

function validateStructure (model: ServiceModel, shape: Shape, value: Record<string, unknown>,
  path: string, failures: string[], checkPatterns: boolean): void {
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const where = path === '' ? lowerFirst(name) : `${path}.${lowerFirst(name)}`
    const v = value[name]
    if (v === undefined || v === null) {
      if (shape.required?.includes(name)) {
        failures.push(`Value null at '${where}' failed to satisfy constraint: Member must not be null`)
      }
      continue
    }
    validateValue(model, model.shapes[ref.shape], v, where, failures, checkPatterns)
  }
}

function validateValue (model: ServiceModel, shape: Shape, v: unknown, where: string,
  failures: string[], checkPatterns: boolean): void {
  const fail = (rule: string, shown: unknown = v): void => {
    failures.push(`Value '${display(shown)}' at '${where}' failed to satisfy constraint: Member must ${rule}`)
  }
  if (shape.type === 'string' && typeof v === 'string') {
    if (shape.min !== undefined && [...v].length < shape.min) {
      fail(`have length greater than or equal to ${shape.min}`)
    } else if (shape.max !== undefined && [...v].length > shape.max) {
      fail(`have length less than or equal to ${shape.max}`)
    } else if (shape.enum !== undefined && !shape.enum.includes(v)) {
      fail(`satisfy enum value set: [${shape.enum.join(', ')}]`)
    } else if (checkPatterns && shape.pattern !== undefined && pattern(shape.pattern)?.test(v) === false) {
      fail(`satisfy regular expression pattern: ${shape.pattern}`)
    }
  } else if ((shape.type === 'integer' || shape.type === 'long') && typeof v === 'number') {
    if (shape.min !== undefined && v < shape.min) fail(`have value greater than or equal to ${shape.min}`)
    else if (shape.max !== undefined && v > shape.max) fail(`have value less than or equal to ${shape.max}`)
  } else if (shape.type === 'list' && Array.isArray(v)) {
    if (shape.min !== undefined && v.length < shape.min) fail(`have length greater than or equal to ${shape.min}`)
    else if (shape.max !== undefined && v.length > shape.max) fail(`have length less than or equal to ${shape.max}`)
    v.forEach((item, i) => validateValue(model, model.shapes[shape.member!.shape], item,
      `${where}.${i + 1}.member`, failures, checkPatterns))
  } else if (shape.type === 'structure' && typeof v === 'object') {
    validateStructure(model, shape, v as Record<string, unknown>, where, failures, checkPatterns)
  }
}

const display = (v: unknown): string => Array.isArray(v) ? `[${v.join(', ')}]` : String(v)

// --- query protocol output --------------------------------------------------------------

// The shape walk decides every element's name and order; all an XML builder would add is the
// escaping of five characters, so the XML is written here directly.
// Apostrophes stay as they are, as in AWS's own XML.
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }
export const escapeXml = (s: string): string => s.replace(/[&<>"]/g, c => XML_ESCAPES[c])

/** Writes `value` as the members of `shapeName`, in model order, skipping absent members. */
export function writeXml (model: ServiceModel, shapeName: string, value: unknown): string {
  return writeShape(model, model.shapes[shapeName], value)
}

function writeShape (model: ServiceModel, shape: Shape, value: unknown): string {
  switch (shape.type) {
    case 'structure': {
      let out = ''
      const record = value as Record<string, unknown>
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const v = record[name]
        if (v === undefined || v === null) continue
        out += writeMember(model, ref, ref.locationName ?? name, v)
      }
      return out
    }
    case 'timestamp': return escapeXml(isoTimestamp(value))
    case 'boolean': return value === true ? 'true' : 'false'
    default: return escapeXml(String(value))
  }
}

function writeMember (model: ServiceModel, ref: MemberRef, name: string, value: unknown): string {
  const shape = model.shapes[ref.shape]
  if (shape.type === 'list') {
    const items = (value as unknown[]).map(v => writeShape(model, model.shapes[shape.member!.shape], v))
    if (ref.flattened === true || shape.flattened === true) {
      return items.map(i => `<${name}>${i}</${name}>`).join('')
    }
    const member = shape.member!.locationName ?? 'member'
    return `<${name}>${items.map(i => `<${member}>${i}</${member}>`).join('')}</${name}>`
  }
  if (shape.type === 'map') {
    const k = shape.key?.locationName ?? 'key'
    const vName = shape.value?.locationName ?? 'value'
    const entries = Object.entries(value as Record<string, unknown>).map(([key, v]) =>
      `<entry><${k}>${escapeXml(key)}</${k}><${vName}>${writeShape(model, model.shapes[shape.value!.shape], v)}</${vName}></entry>`)
    return `<${name}>${entries.join('')}</${name}>`
  }
  return `<${name}>${writeShape(model, shape, value)}</${name}>`
}

/** Query services write timestamps as ISO-8601 UTC; the domain keeps epoch seconds or Dates. */
export function isoTimestamp (value: unknown): string {
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z')
  if (typeof value === 'number') return new Date(value * 1000).toISOString().replace('.000Z', 'Z')
  return String(value)
}
