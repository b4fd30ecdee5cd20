// Conformance checker: validates an HTTP response of the emulator against the botocore
// service model in api/models/<service>.json, for the awsJson and awsQuery protocols.
import { readFileSync } from 'node:fs'
import { XMLParser, XMLValidator } from 'fast-xml-parser'

export interface WireResponse {
  service: string
  operation: string
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export interface MemberRef {
  shape: string
  locationName?: string
  flattened?: boolean
  timestampFormat?: string
  /** restJson1: where the member travels (`header`, `uri`, ...); absent for body members. */
  location?: string
}

export interface Shape {
  type: string
  members?: Record<string, MemberRef>
  required?: string[]
  member?: MemberRef
  key?: MemberRef
  value?: MemberRef
  enum?: string[]
  locationName?: string
  flattened?: boolean
  timestampFormat?: string
  union?: boolean
  exception?: boolean
  fault?: boolean
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean }
}

export interface Operation {
  input?: { shape: string }
  output?: { shape: string; resultWrapper?: string }
  errors?: string[]
  http?: { method: string; requestUri: string; responseCode?: number }
}

export interface ServiceModel {
  metadata: {
    protocol: string
    apiVersion?: string
    endpointPrefix?: string
    jsonVersion?: string
    xmlNamespace?: string | { uri?: string }
  }
  operations: Record<string, Operation>
  shapes: Record<string, Shape>
}

// Errors any awsJson service may answer, whether or not its model lists them.
const COMMON_JSON_ERRORS = new Set([
  'AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException',
  'IncompleteSignature', 'MissingAuthenticationTokenException', 'ExpiredTokenException',
  'SerializationException', 'ValidationException', 'ThrottlingException',
  'UnknownOperationException', 'InternalFailure', 'ServiceUnavailable',
  'InvalidClientTokenId', 'RequestExpired', 'NotAuthorized', 'OptInRequired',
  'InvalidParameterException', 'ClientException',
])

// Error codes any awsQuery service may answer, whether or not its model lists them.
const COMMON_QUERY_ERRORS = new Set([
  'AccessDenied', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'IncompleteSignature',
  'MissingAuthenticationToken', 'ExpiredToken', 'ValidationError', 'Throttling',
  'InvalidAction', 'InternalFailure', 'ServiceUnavailable', 'RequestExpired',
  'OptInRequired', 'MalformedQueryString', 'InvalidParameterValue', 'MissingParameter',
  'InvalidQueryParameter',
])

const models = new Map<string, ServiceModel | undefined>()

function loadModel(service: string): ServiceModel | undefined {
  if (models.has(service)) return models.get(service)
  let model: ServiceModel | undefined
  if (/^[a-z0-9-]+$/.test(service)) {
    const url = new URL(`../../api/models/${service}.json`, import.meta.url)
    try {
      model = JSON.parse(readFileSync(url, 'utf8')) as ServiceModel
    } catch {
      model = undefined
    }
  }
  models.set(service, model)
  return model
}

export function checkResponse(r: WireResponse): string[] {
  const model = loadModel(r.service)
  if (!model) return [`unknown service '${r.service}' (no api/models/${r.service}.json)`]
  return checkAgainstModel(model, r)
}

// Same as checkResponse, with the model given by the caller.
export function checkAgainstModel(model: ServiceModel, r: WireResponse): string[] {
  const op = model.operations[r.operation]
  if (!op) return [`unknown operation '${r.operation}' for service '${r.service}'`]
  const protocol = model.metadata.protocol
  // JSON protocols send epoch seconds by default, the query protocols ISO-8601.
  const timestamps = protocol === 'query' || protocol === 'ec2' ? 'iso8601' : 'unixTimestamp'
  const c: Ctx = { model, out: [], timestamps }
  if (protocol === 'json') checkJson(c, op, r)
  else if (protocol === 'query') checkQuery(c, op, r)
  else if (protocol === 'ec2') checkEc2(c, op, r)
  else if (protocol === 'rest-json') checkRestJson(c, op, r)
  else c.out.push(`protocol '${protocol}' is not supported by the checker`)
  return c.out
}

interface Ctx {
  model: ServiceModel
  out: string[]
  timestamps: string
}

// ---------------------------------------------------------------- shared helpers

function header(r: WireResponse, name: string): string | undefined {
  const key = Object.keys(r.headers).find((k) => k.toLowerCase() === name)
  const value = key === undefined ? undefined : r.headers[key]
  return Array.isArray(value) ? value.join(', ') : value
}

function expectContentType(c: Ctx, r: WireResponse, expected: string): void {
  const value = header(r, 'content-type')
  const media = value?.split(';')[0].trim().toLowerCase()
  if (media !== expected) {
    c.out.push(`content-type: expected '${expected}', got '${value ?? '(none)'}'`)
  }
}

function expectRequestIdHeader(c: Ctx, r: WireResponse): void {
  if (!header(r, 'x-amzn-requestid')) c.out.push('x-amzn-requestid header missing')
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name
}

function mapPath(path: string, key: string): string {
  return /^[A-Za-z_]\w*$/.test(key) ? join(path, key) : `${path}[${JSON.stringify(key)}]`
}

function report(c: Ctx, path: string, problem: string): void {
  c.out.push(`${path || '(root)'}: ${problem}`)
}

function shapeOf(c: Ctx, ref: MemberRef, path: string): Shape | undefined {
  const shape = c.model.shapes[ref.shape]
  if (!shape) report(c, path, `shape '${ref.shape}' is not in the model`)
  return shape
}

// The wire name of a member, as botocore resolves it (member trait, then shape trait).
function wireName(c: Ctx, name: string, ref: MemberRef): string {
  return ref.locationName ?? c.model.shapes[ref.shape]?.locationName ?? name
}

function timestampFormat(c: Ctx, ref: MemberRef, shape: Shape): string {
  return ref.timestampFormat ?? shape.timestampFormat ?? c.timestamps
}

function checkRequired(c: Ctx, shape: Shape, present: (name: string) => boolean,
  path: string): void {
  for (const name of shape.required ?? []) {
    const known = shape.members?.[name] !== undefined
    if (!known || !present(name)) report(c, join(path, name), 'missing required member')
  }
}

function checkUnion(c: Ctx, shape: Shape, count: number, path: string): void {
  if (shape.union && count !== 1) {
    report(c, path, `union must have exactly one member set, got ${count}`)
  }
}

function checkEnum(c: Ctx, shape: Shape, value: string, path: string): void {
  if (shape.enum && !shape.enum.includes(value)) {
    report(c, path, `value '${value}' is not in enum ${enumText(shape.enum)}`)
  }
}

function enumText(values: string[]): string {
  if (values.length <= 8) return `[${values.join(', ')}]`
  return `[${values.slice(0, 8).join(', ')}, ... (${values.length} values)]`
}

function checkMapKey(c: Ctx, map: Shape, key: string, path: string): void {
  const shape = c.model.shapes[map.key!.shape]
  if (shape?.enum && !shape.enum.includes(key)) {
    report(c, path, `map key '${key}' is not in enum ${enumText(shape.enum)}`)
  }
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/
const RFC_822 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/
const NON_FINITE = ['NaN', 'Infinity', '-Infinity']

function dateTextProblem(format: string, text: string): string | undefined {
  if (format === 'unixTimestamp') {
    return DECIMAL.test(text) ? undefined : `expected epoch seconds, got '${text}'`
  }
  const pattern = format === 'rfc822' ? RFC_822 : ISO_8601
  if (pattern.test(text) && !Number.isNaN(Date.parse(text))) return undefined
  return `expected ${format} timestamp, got '${text}'`
}

const INT_BITS: Record<string, number> = { byte: 8, short: 16, integer: 32 }

function intProblem(type: string, n: number): string | undefined {
  if (!Number.isInteger(n)) return `expected ${type}, got ${n}`
  const bits = INT_BITS[type]
  if (bits === undefined) return undefined
  const limit = 2 ** (bits - 1)
  return n >= -limit && n < limit ? undefined : `${n} is out of range for ${type}`
}

// ---------------------------------------------------------------- awsJson

function checkJson(c: Ctx, op: Operation, r: WireResponse): void {
  const version = c.model.metadata.jsonVersion ?? '1.1'
  expectContentType(c, r, `application/x-amz-json-${version}`)
  expectRequestIdHeader(c, r)
  const body = parseJsonObject(c, r.body)
  if (r.status >= 400) {
    if (body) checkJsonError(c, r.status, body)
    return
  }
  if (r.status !== 200) c.out.push(`status: expected 200, got ${r.status}`)
  if (!body) return
  const shape = op.output ? shapeOf(c, op.output, '') : { type: 'structure' }
  if (shape) jsonStructure(c, shape, body, '')
}

function parseJsonObject(c: Ctx, text: string): Record<string, unknown> | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    c.out.push(`body is not JSON: ${JSON.stringify(text.slice(0, 80))}`)
    return undefined
  }
  if (isObject(value)) return value
  c.out.push(`body is not a JSON object: ${JSON.stringify(text.slice(0, 80))}`)
  return undefined
}

function serviceName(c: Ctx): string {
  return `service '${c.model.metadata.endpointPrefix}'`
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function checkJsonError(c: Ctx, status: number, body: Record<string, unknown>): void {
  const type = body.__type
  if (typeof type !== 'string' || !type) {
    return void c.out.push('__type missing from error body')
  }
  const name = type.slice(type.lastIndexOf('#') + 1)
  const shape = c.model.shapes[name]
  const rest = { ...body }
  delete rest.__type
  const message = takeMessage(rest, shape)
  if (typeof message !== 'string') c.out.push('message: missing or not a string')
  if (shape?.exception) {
    checkErrorStatus(c, shape, status)
    jsonStructure(c, shape, rest, '')
  } else if (COMMON_JSON_ERRORS.has(name)) {
    for (const key of Object.keys(rest)) report(c, key, 'unknown member')
  } else {
    c.out.push(`__type '${type}' is not an error of ${serviceName(c)}`)
  }
}

// Removes and returns the error message; 'message' and 'Message' are both accepted.
function takeMessage(body: Record<string, unknown>, shape: Shape | undefined): unknown {
  const key = 'message' in body ? 'message' : 'Message'
  const message = body[key]
  if (!shape?.members?.[key] || typeof message !== 'string') delete body[key]
  return message
}

function checkErrorStatus(c: Ctx, shape: Shape, status: number): void {
  const expected = shape.error?.httpStatusCode
  if (expected !== undefined) {
    if (status !== expected) c.out.push(`status: expected ${expected}, got ${status}`)
  } else if (shape.fault ? status < 500 : status >= 500) {
    const kind = shape.fault ? 'server' : 'client'
    c.out.push(`status ${status} does not match a ${kind} error`)
  }
}

function jsonValue(c: Ctx, ref: MemberRef, v: unknown, path: string): void {
  const shape = shapeOf(c, ref, path)
  if (!shape) return
  if (v === null) return report(c, path, 'is null')
  if (shape.type === 'structure') return jsonStructure(c, shape, v, path)
  if (shape.type === 'list') return jsonList(c, shape, v, path)
  if (shape.type === 'map') return jsonMap(c, shape, v, path)
  const problem = jsonScalarProblem(c, ref, shape, v)
  if (problem) return report(c, path, problem)
  if (typeof v === 'string') checkEnum(c, shape, v, path)
}

function jsonStructure(c: Ctx, shape: Shape, v: unknown, path: string): void {
  if (!isObject(v)) return report(c, path, `expected object, got ${describe(v)}`)
  const members = Object.entries(shape.members ?? {})
  const byWire = new Map(members.map(([name, ref]) => [wireName(c, name, ref), name]))
  for (const [key, value] of Object.entries(v)) {
    const name = byWire.get(key)
    if (name === undefined) report(c, join(path, key), 'unknown member')
    else jsonValue(c, shape.members![name], value, join(path, name))
  }
  const present = (name: string) => v[wireName(c, name, shape.members![name])] != null
  checkRequired(c, shape, present, path)
  checkUnion(c, shape, members.filter(([name]) => present(name)).length, path)
}

function jsonList(c: Ctx, shape: Shape, v: unknown, path: string): void {
  if (!Array.isArray(v)) return report(c, path, `expected array, got ${describe(v)}`)
  v.forEach((item, i) => jsonValue(c, shape.member!, item, `${path}[${i}]`))
}

function jsonMap(c: Ctx, shape: Shape, v: unknown, path: string): void {
  if (!isObject(v)) return report(c, path, `expected object (map), got ${describe(v)}`)
  for (const [key, value] of Object.entries(v)) {
    checkMapKey(c, shape, key, path)
    jsonValue(c, shape.value!, value, mapPath(path, key))
  }
}

function jsonScalarProblem(c: Ctx, ref: MemberRef, shape: Shape, v: unknown):
  string | undefined {
  const got = `expected ${shape.type}, got ${describe(v)}`
  switch (shape.type) {
    case 'string': return typeof v === 'string' ? undefined : got
    case 'boolean': return typeof v === 'boolean' ? undefined : got
    case 'blob': return typeof v === 'string' && BASE64.test(v) ? undefined : got
    case 'timestamp': return jsonTimestampProblem(timestampFormat(c, ref, shape), v)
    case 'float': case 'double':
      return typeof v === 'number' || NON_FINITE.includes(v as string) ? undefined : got
    case 'byte': case 'short': case 'integer': case 'long':
      return typeof v === 'number' ? intProblem(shape.type, v) : got
    default: return `shape type '${shape.type}' is not supported by the checker`
  }
}

function jsonTimestampProblem(format: string, v: unknown): string | undefined {
  if (format === 'unixTimestamp') {
    if (typeof v === 'number' && Number.isFinite(v)) return undefined
    return `expected timestamp (epoch seconds number), got ${describe(v)}`
  }
  if (typeof v === 'string') return dateTextProblem(format, v)
  return `expected ${format} timestamp string, got ${describe(v)}`
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'object') return 'object'
  if (typeof v === 'string') return `string ${JSON.stringify(v.slice(0, 40))}`
  return `${typeof v} ${String(v)}`
}

// ---------------------------------------------------------------- awsQuery (XML)

interface XmlNode {
  name: string
  attrs: Record<string, string>
  kids: XmlNode[]
  text: string
}

const xmlParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  htmlEntities: true,
})

function parseXml(c: Ctx, text: string): XmlNode | undefined {
  const valid = XMLValidator.validate(text)
  if (valid !== true) {
    c.out.push(`body is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`)
    return undefined
  }
  const roots = toNodes(xmlParser.parse(text) as unknown[])
  if (roots.length === 1) return roots[0]
  c.out.push(`body must have one root element, got ${roots.length}`)
  return undefined
}

function toNodes(raw: unknown[]): XmlNode[] {
  const nodes: XmlNode[] = []
  for (const entry of raw as Record<string, unknown>[]) {
    const name = Object.keys(entry).find((k) => k !== ':@' && k !== '#text')
    if (name === undefined) continue
    const children = entry[name] as Record<string, unknown>[]
    const text = children.map((k) => (k['#text'] === undefined ? '' : String(k['#text'])))
    const attrs = (entry[':@'] ?? {}) as Record<string, string>
    nodes.push({ name, attrs, kids: toNodes(children), text: text.join('') })
  }
  return nodes
}

function child(node: XmlNode, name: string): XmlNode | undefined {
  return node.kids.find((k) => k.name === name)
}

function xmlNamespaces(c: Ctx): string[] {
  const { xmlNamespace, endpointPrefix, apiVersion } = c.model.metadata
  const ns = typeof xmlNamespace === 'string' ? xmlNamespace : xmlNamespace?.uri
  // EC2 writes its model's namespace with a trailing slash.
  if (ns && c.model.metadata.protocol === 'ec2') return [`${ns.replace(/\/$/, '')}/`, ns]
  if (ns) return [ns]
  const rest = `://${endpointPrefix}.amazonaws.com/doc/${apiVersion}/`
  return [`https${rest}`, `http${rest}`]
}

function checkQuery(c: Ctx, op: Operation, r: WireResponse): void {
  expectContentType(c, r, 'text/xml')
  const root = parseXml(c, r.body)
  if (r.status >= 400) {
    if (root) checkQueryError(c, r, root)
    return
  }
  if (r.status !== 200) c.out.push(`status: expected 200, got ${r.status}`)
  if (root) checkQuerySuccess(c, op, r, root)
}

function checkRoot(c: Ctx, root: XmlNode, name: string, nsRequired: boolean): void {
  if (root.name !== name) {
    c.out.push(`root element: expected <${name}>, got <${root.name}>`)
  }
  const ns = root.attrs.xmlns
  if (ns === undefined && !nsRequired) return
  const allowed = xmlNamespaces(c)
  if (!allowed.includes(ns ?? '')) {
    c.out.push(`<${root.name}> xmlns: expected '${allowed[0]}', got '${ns ?? '(none)'}'`)
  }
}

function checkQuerySuccess(c: Ctx, op: Operation, r: WireResponse, root: XmlNode): void {
  checkRoot(c, root, `${r.operation}Response`, true)
  checkResponseMetadata(c, r, child(root, 'ResponseMetadata'))
  const shape = op.output && shapeOf(c, op.output, '')
  const wrapper = op.output?.resultWrapper
  // Without a result wrapper the output members sit directly in the response element.
  if (op.output && !wrapper) {
    return shape && xmlStructure(c, shape, root, '', ['ResponseMetadata'])
  }
  for (const k of root.kids) {
    if (k.name !== 'ResponseMetadata' && k.name !== wrapper) {
      c.out.push(`<${root.name}>: unknown element <${k.name}>`)
    }
  }
  if (!wrapper || !shape) return
  const result = child(root, wrapper)
  if (result) xmlStructure(c, shape, result, '', [])
  else c.out.push(`<${root.name}>: <${wrapper}> missing`)
}

function checkResponseMetadata(c: Ctx, r: WireResponse, meta: XmlNode | undefined): void {
  if (!meta) return void c.out.push('<ResponseMetadata> missing')
  for (const k of meta.kids) {
    if (k.name !== 'RequestId') {
      c.out.push(`<ResponseMetadata>: unknown element <${k.name}>`)
    }
  }
  checkRequestId(c, r, child(meta, 'RequestId'), '<ResponseMetadata>')
}

function checkRequestId(c: Ctx, r: WireResponse, id: XmlNode | undefined, where: string):
  void {
  if (!id?.text.trim()) return void c.out.push(`${where}: <RequestId> missing or empty`)
  const fromHeader = header(r, 'x-amzn-requestid')
  if (fromHeader && fromHeader !== id.text) {
    c.out.push(`<RequestId> '${id.text}' differs from x-amzn-requestid '${fromHeader}'`)
  }
}

const errorCodes = new WeakMap<ServiceModel, Map<string, Shape>>()

// Query error codes are the shape's error.code, or the shape name when it has none.
function queryErrorShapes(c: Ctx): Map<string, Shape> {
  const cached = errorCodes.get(c.model)
  if (cached) return cached
  const byCode = new Map<string, Shape>()
  for (const [name, shape] of Object.entries(c.model.shapes)) {
    if (shape.exception) byCode.set(shape.error?.code ?? name, shape)
  }
  errorCodes.set(c.model, byCode)
  return byCode
}

const ERROR_FIELDS = ['Type', 'Code', 'Message']

function checkQueryError(c: Ctx, r: WireResponse, root: XmlNode): void {
  checkRoot(c, root, 'ErrorResponse', false)
  for (const k of root.kids) {
    if (k.name !== 'Error' && k.name !== 'RequestId') {
      c.out.push(`<ErrorResponse>: unknown element <${k.name}>`)
    }
  }
  checkRequestId(c, r, child(root, 'RequestId'), '<ErrorResponse>')
  const error = child(root, 'Error')
  if (!error) return void c.out.push('<ErrorResponse>: <Error> missing')
  const type = child(error, 'Type')?.text
  if (type !== 'Sender' && type !== 'Receiver') {
    c.out.push(`<Error><Type>: expected Sender or Receiver, got '${type ?? '(none)'}'`)
  }
  if (child(error, 'Message') === undefined) c.out.push('<Error><Message> missing')
  checkQueryErrorCode(c, r.status, error, type)
}

function checkQueryErrorCode(c: Ctx, status: number, error: XmlNode, type?: string):
  void {
  const code = child(error, 'Code')?.text ?? ''
  if (!code) return void c.out.push('<Error><Code> missing or empty')
  const shape = queryErrorShapes(c).get(code)
  if (!shape) {
    if (!COMMON_QUERY_ERRORS.has(code)) {
      c.out.push(`<Error><Code> '${code}' is not an error of ${serviceName(c)}`)
    }
    return xmlAllowOnly(c, error, ERROR_FIELDS, 'Error')
  }
  checkErrorStatus(c, shape, status)
  const receiver = shape.fault || (shape.error !== undefined && !shape.error.senderFault)
  const expected = receiver ? 'Receiver' : 'Sender'
  if ((type === 'Sender' || type === 'Receiver') && type !== expected) {
    c.out.push(`<Error><Type>: expected ${expected} for ${code}`)
  }
  xmlStructure(c, shape, error, 'Error', ERROR_FIELDS)
}

function xmlAllowOnly(c: Ctx, node: XmlNode, allowed: string[], path: string): void {
  for (const k of node.kids) {
    if (!allowed.includes(k.name)) report(c, join(path, k.name), 'unknown member')
  }
}

function xmlValue(c: Ctx, ref: MemberRef, node: XmlNode, path: string): void {
  const shape = shapeOf(c, ref, path)
  if (!shape) return
  if (shape.type === 'structure') return xmlStructure(c, shape, node, path, [])
  if (shape.type === 'list') return xmlList(c, shape, node, path)
  if (shape.type === 'map') return node.kids.forEach((e) => xmlEntry(c, shape, e, path))
  if (node.kids.length) {
    return report(c, path, `expected text, got element <${node.kids[0].name}>`)
  }
  const problem = xmlScalarProblem(c, ref, shape, node.text)
  if (problem) return report(c, path, problem)
  if (shape.type === 'string') checkEnum(c, shape, node.text, path)
}

function checkNoText(c: Ctx, node: XmlNode, path: string): void {
  const text = node.text.trim()
  if (text) report(c, path, `unexpected text '${text.slice(0, 40)}'`)
}

function isFlattened(c: Ctx, ref: MemberRef): boolean {
  return ref.flattened ?? c.model.shapes[ref.shape]?.flattened ?? false
}

// The element name of a member inside its structure; flattened lists whose member has a
// locationName repeat elements of that name.
function xmlMemberName(c: Ctx, name: string, ref: MemberRef): string {
  const shape = c.model.shapes[ref.shape]
  if (shape?.type === 'list' && isFlattened(c, ref) && shape.member) {
    const itemName = wireName(c, '', shape.member)
    if (itemName) return itemName
  }
  return wireName(c, name, ref)
}

function xmlStructure(c: Ctx, shape: Shape, node: XmlNode, path: string,
  ignore: string[]): void {
  checkNoText(c, node, path)
  const members = Object.entries(shape.members ?? {})
  const byWire = new Map(members.map(([n, ref]) => [xmlMemberName(c, n, ref), n]))
  const seen = new Map<string, XmlNode[]>()
  for (const k of node.kids) {
    if (byWire.has(k.name)) seen.set(k.name, [...(seen.get(k.name) ?? []), k])
    else if (!ignore.includes(k.name)) report(c, join(path, k.name), 'unknown member')
  }
  for (const [wire, nodes] of seen) xmlMember(c, shape, byWire.get(wire)!, nodes, path)
  const present = (name: string) => seen.has(xmlMemberName(c, name, shape.members![name]))
  checkRequired(c, shape, present, path)
  checkUnion(c, shape, members.filter(([name]) => present(name)).length, path)
}

function xmlMember(c: Ctx, parent: Shape, name: string, nodes: XmlNode[], path: string):
  void {
  const ref = parent.members![name]
  const shape = c.model.shapes[ref.shape]
  const memberPath = join(path, name)
  if (isFlattened(c, ref) && shape?.type === 'list') {
    return nodes.forEach((n, i) => xmlValue(c, shape.member!, n, `${memberPath}[${i}]`))
  }
  if (isFlattened(c, ref) && shape?.type === 'map') {
    return nodes.forEach((n) => xmlEntryBody(c, shape, n, memberPath))
  }
  if (nodes.length > 1) report(c, memberPath, `element appears ${nodes.length} times`)
  xmlValue(c, ref, nodes[0], memberPath)
}

function xmlList(c: Ctx, shape: Shape, node: XmlNode, path: string): void {
  checkNoText(c, node, path)
  const itemName = wireName(c, 'member', shape.member!)
  for (const k of node.kids) {
    if (k.name !== itemName) {
      report(c, path, `unexpected element <${k.name}> (list items are <${itemName}>)`)
    }
  }
  const items = node.kids.filter((k) => k.name === itemName)
  items.forEach((k, i) => xmlValue(c, shape.member!, k, `${path}[${i}]`))
}

function xmlEntry(c: Ctx, shape: Shape, entry: XmlNode, path: string): void {
  if (entry.name !== 'entry') {
    return report(c, path, `unexpected element <${entry.name}> (map entries are <entry>)`)
  }
  xmlEntryBody(c, shape, entry, path)
}

function xmlEntryBody(c: Ctx, shape: Shape, entry: XmlNode, path: string): void {
  const keyName = wireName(c, 'key', shape.key!)
  const valueName = wireName(c, 'value', shape.value!)
  for (const k of entry.kids) {
    if (k.name !== keyName && k.name !== valueName) {
      report(c, path, `unexpected element <${k.name}> in map entry`)
    }
  }
  const keys = entry.kids.filter((k) => k.name === keyName)
  const values = entry.kids.filter((k) => k.name === valueName)
  if (keys.length !== 1 || values.length !== 1 || keys[0].kids.length) {
    return report(c, path, `map entry needs one <${keyName}> text and one <${valueName}>`)
  }
  checkMapKey(c, shape, keys[0].text, path)
  xmlValue(c, shape.value!, values[0], mapPath(path, keys[0].text))
}

function xmlScalarProblem(c: Ctx, ref: MemberRef, shape: Shape, text: string):
  string | undefined {
  const got = `expected ${shape.type}, got '${text.slice(0, 40)}'`
  switch (shape.type) {
    case 'string': return undefined
    case 'boolean': return text === 'true' || text === 'false' ? undefined : got
    case 'blob': return BASE64.test(text.replace(/\s+/g, '')) ? undefined : got
    case 'timestamp': return dateTextProblem(timestampFormat(c, ref, shape), text)
    case 'float': case 'double':
      return DECIMAL.test(text) || NON_FINITE.includes(text) ? undefined : got
    case 'byte': case 'short': case 'integer': case 'long':
      return /^-?\d+$/.test(text) ? intProblem(shape.type, Number(text)) : got
    default: return `shape type '${shape.type}' is not supported by the checker`
  }
}

// ---------------------------------------------------------------- ec2 (XML)

// EC2's error codes are not in its model: any dotted code of EC2's form is accepted.
const EC2_ERROR_CODE = /^[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*$/

function checkEc2(c: Ctx, op: Operation, r: WireResponse): void {
  expectContentType(c, r, 'text/xml')
  const root = parseXml(c, r.body)
  if (!root) return
  if (r.status >= 400) return checkEc2Error(c, r, root)
  if (r.status !== 200) c.out.push(`status: expected 200, got ${r.status}`)
  checkRoot(c, root, `${r.operation}Response`, true)
  const requestId = child(root, 'requestId')
  checkRequestId(c, r, requestId, `<${root.name}>`)
  if (root.kids[0]?.name !== 'requestId') c.out.push(`<${root.name}>: <requestId> must come first`)
  if (!op.output) {
    // Actions without output answer <return>true</return>.
    return xmlAllowOnly(c, root, ['requestId', 'return'], '')
  }
  const shape = shapeOf(c, op.output, '')
  if (shape) xmlStructure(c, shape, root, '', ['requestId'])
}

function checkEc2Error(c: Ctx, r: WireResponse, root: XmlNode): void {
  if (root.name !== 'Response') c.out.push(`root element: expected <Response>, got <${root.name}>`)
  xmlAllowOnly(c, root, ['Errors', 'RequestID'], 'Response')
  checkRequestId(c, r, child(root, 'RequestID'), '<Response>')
  const errors = child(root, 'Errors')
  const list = errors?.kids.filter((k) => k.name === 'Error') ?? []
  if (!errors || list.length === 0) return void c.out.push('<Response><Errors><Error> missing')
  xmlAllowOnly(c, errors, ['Error'], 'Errors')
  for (const e of list) {
    xmlAllowOnly(c, e, ['Code', 'Message'], 'Error')
    const code = child(e, 'Code')?.text ?? ''
    if (!EC2_ERROR_CODE.test(code)) c.out.push(`<Error><Code> '${code}' is not an EC2 error code`)
    if (child(e, 'Message') === undefined) c.out.push('<Error><Message> missing')
  }
  if (r.status >= 500 && !/^(InternalError|Unavailable|ServiceUnavailable|InsufficientInstanceCapacity)$/.test(child(list[0], 'Code')?.text ?? '')) {
    c.out.push(`status ${r.status} for a client error`)
  }
}

// ---------------------------------------------------------------- restJson1

// A success has the operation's responseCode, a JSON body of the output members bound to no
// location (or no body when there is no output); an error has its code in x-amzn-errortype,
// the error shape's status, and a body of the shape's members.
function checkRestJson(c: Ctx, op: Operation, r: WireResponse): void {
  expectRequestIdHeader(c, r)
  if (r.status >= 400) {
    expectContentType(c, r, 'application/json')
    const body = parseJsonObject(c, r.body)
    if (body) checkRestJsonError(c, r, body)
    return
  }
  const expected = op.http?.responseCode ?? 200
  if (r.status !== expected) c.out.push(`status: expected ${expected}, got ${r.status}`)
  if (!op.output || r.status === 204) {
    if (r.body !== '' && r.body !== '{}') c.out.push(`body: expected none, got ${JSON.stringify(r.body.slice(0, 80))}`)
    return
  }
  expectContentType(c, r, 'application/json')
  const body = parseJsonObject(c, r.body)
  const shape = shapeOf(c, op.output, '')
  if (body && shape) jsonStructure(c, bodyShape(shape), body, '')
}

function bodyShape(shape: Shape): Shape {
  const members = Object.fromEntries(Object.entries(shape.members ?? {}).filter(([, m]) => m.location === undefined))
  return { ...shape, members, required: (shape.required ?? []).filter((n) => n in members) }
}

function checkRestJsonError(c: Ctx, r: WireResponse, body: Record<string, unknown>): void {
  const raw = header(r, 'x-amzn-errortype')
  if (!raw) return void c.out.push('x-amzn-errortype header missing')
  const code = raw.split(':')[0]
  const shape = c.model.shapes[code]
  if (shape?.exception) {
    checkErrorStatus(c, shape, r.status)
    if (typeof body.Message !== 'string' && typeof body.message !== 'string') c.out.push('Message: missing or not a string')
    return jsonStructure(c, shape, body, '')
  }
  if (!COMMON_JSON_ERRORS.has(code)) return void c.out.push(`x-amzn-errortype '${code}' is not an error of ${serviceName(c)}`)
  for (const key of Object.keys(body)) {
    if (!['ErrorCode', 'Message', 'message'].includes(key)) report(c, key, 'unknown member')
  }
}
