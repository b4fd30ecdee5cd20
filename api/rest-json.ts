/**
 * restJson1, the protocol of EFS. An operation is found by HTTP method and URI template
 * (`/2015-02-01/file-systems/{FileSystemId}`); its input members come from the URI labels, the
 * query string and the headers, as each member's `location` says, and the others from the JSON
 * body. The answer's status is the operation's `responseCode`; header members go in headers
 * and the others in a JSON body. An error carries its code in `x-amzn-errortype` and the error
 * shape's members (`ErrorCode`, `Message` ...) in a JSON body, with the shape's HTTP status.
 */
import { AwsError } from './errors.js'
import { checkJsonTypes, type MemberRef, type OperationModel, type ServiceModel, type Shape } from './models.js'

/** What restJson1 adds to the model: where a member travels, and each operation's HTTP binding. */
interface RestMember extends MemberRef {
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode'
}

interface HttpBinding { method: string, requestUri: string, responseCode?: number }

type RestOperation = OperationModel & { http?: HttpBinding }

export interface RestRoute {
  operation: string
  /** The URI labels, decoded: `{ FileSystemId: 'fs-…' }`. */
  labels: Record<string, string>
  query: URLSearchParams
}

export interface RestAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

interface Template {
  operation: string
  method: string
  re: RegExp
  labels: string[]
  /** Characters of literal path: the more, the more specific. */
  literal: number
}

const members = (shape: Shape): [string, RestMember][] =>
  Object.entries(shape.members ?? {}) as [string, RestMember][]

// --- routing --------------------------------------------------------------------------------

/** The operations of one restJson1 model, by method and path, most specific template first. */
export class RestRouter {
  readonly #templates: Template[]

  constructor (model: ServiceModel) {
    this.#templates = Object.entries(model.operations as Record<string, RestOperation>)
      .filter(([, op]) => op.http !== undefined)
      .map(([name, op]) => compile(name, op.http!))
      .sort((a, b) => a.labels.length - b.labels.length || b.literal - a.literal)
  }

  /** The operation `method` and `url` (path and query string, as sent) name, if any. */
  match (method: string, url: string): RestRoute | undefined {
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    for (const t of this.#templates) {
      if (t.method !== method) continue
      const m = t.re.exec(path)
      if (m === null) continue
      const labels: Record<string, string> = {}
      t.labels.forEach((name, i) => { labels[name] = decode(m[i + 1]) })
      return { operation: t.operation, labels, query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)) }
    }
    return undefined
  }
}

/** `/a/{Id}/b/{Key+}` → `^/a/([^/]+)/b/(.+)/?$`; a literal query part of the template is ignored. */
function compile (operation: string, http: HttpBinding): Template {
  const path = http.requestUri.split('?')[0].replace(/\/$/, '')
  const labels: string[] = []
  let literal = 0
  const source = path.split(/(\{[^}]+\})/).map(part => {
    const label = /^\{([^}+]+)(\+?)\}$/.exec(part)
    if (label === null) {
      literal += part.length
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    }
    labels.push(label[1])
    return label[2] === '+' ? '(.+)' : '([^/]+)'
  }).join('')
  return { operation, method: http.method, re: new RegExp(`^${source}/?$`), labels, literal }
}

function decode (text: string): string {
  try { return decodeURIComponent(text) } catch { return text }
}

// --- input ----------------------------------------------------------------------------------

/**
 * The operation's input: the JSON body (type-checked as any JSON input is), then every member
 * the model binds to the URI, the query string or a header, read from there.
 */
export function readRestInput (model: ServiceModel, shapeName: string | undefined, route: RestRoute,
  headers: Record<string, string | string[] | undefined>, body: Buffer): Record<string, unknown> {
  if (shapeName === undefined) return {}
  const input = readBody(model, shapeName, body)
  for (const [name, ref] of members(model.shapes[shapeName])) {
    if (ref.location === undefined) continue
    delete input[name]
    const value = located(model, name, ref, route, headers)
    if (value !== undefined) input[name] = value
  }
  return input
}

function readBody (model: ServiceModel, shapeName: string, body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {}
  let input: unknown
  try { input = JSON.parse(body.toString('utf8')) } catch {
    throw new AwsError('SerializationException', 'Unexpected character found in the request body: the body is not valid JSON.')
  }
  checkJsonTypes(model, shapeName, input)
  return input as Record<string, unknown>
}

function located (model: ServiceModel, name: string, ref: RestMember, route: RestRoute,
  headers: Record<string, string | string[] | undefined>): unknown {
  const shape = model.shapes[ref.shape]
  const key = ref.locationName ?? name
  switch (ref.location) {
    case 'uri': {
      const text = route.labels[key]
      return text === undefined ? undefined : scalar(shape, text, key)
    }
    case 'querystring': return fromQuery(model, shape, key, ref.locationName, route.query)
    case 'header': {
      const raw = headers[key.toLowerCase()]
      const text = Array.isArray(raw) ? raw.join(',') : raw
      if (text === undefined) return undefined
      return shape.type === 'list'
        ? text.split(',').map(t => scalar(model.shapes[shape.member!.shape], t.trim(), key))
        : scalar(shape, text, key)
    }
    case 'headers': return prefixedHeaders(key.toLowerCase(), headers)
    default: return undefined
  }
}

function fromQuery (model: ServiceModel, shape: Shape, key: string, named: string | undefined,
  query: URLSearchParams): unknown {
  if (shape.type === 'map' && named === undefined) {
    const out: Record<string, string> = {}
    for (const [k, v] of query) out[k] = v
    return Object.keys(out).length === 0 ? undefined : out
  }
  if (shape.type === 'list') {
    const all = query.getAll(key)
    return all.length === 0 ? undefined : all.map(v => scalar(model.shapes[shape.member!.shape], v, key))
  }
  const text = query.get(key)
  return text === null ? undefined : scalar(shape, text, key)
}

function prefixedHeaders (prefix: string,
  headers: Record<string, string | string[] | undefined>): Record<string, string> | undefined {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith(prefix) && v !== undefined) out[k.slice(prefix.length)] = Array.isArray(v) ? v.join(',') : v
  }
  return Object.keys(out).length === 0 ? undefined : out
}

/** A URI, query or header text as the member's type. (unconfirmed) AWS's words for a bad one. */
function scalar (shape: Shape, text: string, where: string): unknown {
  switch (shape.type) {
    case 'integer': case 'long': case 'float': case 'double': {
      const n = Number(text)
      if (text.trim() === '' || Number.isNaN(n)) {
        throw new AwsError('SerializationException', `Cannot deserialize value of type ${shape.type} from string '${text}' at '${where}'`)
      }
      return n
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') {
        throw new AwsError('SerializationException', `Cannot deserialize value of type boolean from string '${text}' at '${where}'`)
      }
      return text === 'true'
    default: return text
  }
}

// --- output ---------------------------------------------------------------------------------

/** The operation's answer: its `responseCode`, header members as headers, the rest as JSON. */
export function restJsonResponse (model: ServiceModel, operation: string, output: unknown,
  requestId: string): RestAnswer {
  const op = model.operations[operation] as RestOperation
  let status = op.http?.responseCode ?? 200
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': requestId }
  if (op.output === undefined) return { status, headers, body: '' }
  const record = (output ?? {}) as Record<string, unknown>
  const body: Record<string, unknown> = {}
  for (const [name, ref] of members(model.shapes[op.output.shape])) {
    const v = record[name]
    if (v === undefined || v === null) continue
    if (ref.location === 'header') headers[(ref.locationName ?? name).toLowerCase()] = String(v)
    else if (ref.location === 'statusCode') status = Number(v)
    else body[ref.locationName ?? name] = v
  }
  return { status, headers, body: status === 204 ? '' : JSON.stringify(body) }
}

/**
 * An error as restJson1 services send it: the code in `x-amzn-errortype`, and a body of the
 * error shape's members. EFS's shapes all have `ErrorCode` and `Message` (a 404 for a missing
 * file system is `{"ErrorCode":"FileSystemNotFound","Message":"File system 'fs-…' does not
 * exist."}`, 97 bytes for a 17-digit id, as a real answer's length shows). (unconfirmed) errors
 * raised before EFS's own code runs (signature, throttling) may carry a lowercase `message`.
 */
export function restJsonError (e: AwsError, requestId: string): RestAnswer {
  return {
    status: e.status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': e.code },
    body: JSON.stringify({ ErrorCode: e.code, Message: e.message, ...e.members })
  }
}
