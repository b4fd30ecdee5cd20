/**
 * A small restJson1 client for EFS, while @aws-sdk/client-efs is not installed: it builds each
 * request from the botocore model as the SDK does (URI labels, query string, JSON body), signs
 * it (service elasticfilesystem) and parses the answer; errors are thrown with the SDK's
 * `name`, `message` and `$metadata.httpStatusCode`. `send(operation, input)` takes the
 * operation's name and input as the SDK's command would.
 */
import { readFileSync } from 'node:fs'
import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from '../../api/sigv4.js'
import type { Credentials } from './emulator.js'

interface Member { shape: string, location?: string, locationName?: string }
interface Shape { type: string, members?: Record<string, Member>, member?: Member }
interface Model {
  operations: Record<string, { http: { method: string, requestUri: string }, input?: { shape: string } }>
  shapes: Record<string, Shape>
}

const model = JSON.parse(readFileSync(new URL('../../api/models/efs.json', import.meta.url), 'utf8')) as Model

export class EfsServiceError extends Error {
  readonly $metadata: { httpStatusCode: number }
  readonly body: Record<string, unknown>

  constructor (name: string, message: string, status: number, body: Record<string, unknown>) {
    super(message)
    this.name = name
    this.$metadata = { httpStatusCode: status }
    this.body = body
  }
}

export interface EfsResponse { status: number, headers: Headers, body: any }

export class EfsClient {
  readonly #signer: SignatureV4

  constructor (private readonly options: { endpoint: string, region: string, credentials: Credentials }) {
    this.#signer = new SignatureV4({
      credentials: options.credentials, region: options.region, service: 'elasticfilesystem', sha256: Sha256
    })
  }

  /** Calls `operation` with `input`; resolves to its output (with `$metadata`), or throws. */
  async send (operation: string, input: Record<string, unknown> = {}): Promise<any> {
    const res = await this.raw(operation, input)
    if (res.status >= 400) {
      const name = (res.headers.get('x-amzn-errortype') ?? 'UnknownError').split(':')[0]
      throw new EfsServiceError(name, String(res.body?.Message ?? res.body?.message ?? ''), res.status, res.body ?? {})
    }
    return { ...(res.body ?? {}), $metadata: { httpStatusCode: res.status } }
  }

  /** The HTTP answer as it came, without turning errors into exceptions. */
  async raw (operation: string, input: Record<string, unknown> = {}): Promise<EfsResponse> {
    const op = model.operations[operation]
    const { path, query, headers, body } = serialize(op.http.requestUri, op.input?.shape, input)
    const u = new URL(this.options.endpoint)
    const signed = await this.#signer.sign({
      method: op.http.method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, query,
      headers: { host: u.host, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body
    })
    const qs = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) for (const one of [v].flat()) qs.append(k, one)
    const text = qs.toString()
    const res = await fetch(`${this.options.endpoint}${path}${text === '' ? '' : `?${text}`}`, {
      method: op.http.method, headers: signed.headers as Record<string, string>, body
    })
    const raw = await res.text()
    let parsed: unknown
    try { parsed = raw === '' ? undefined : JSON.parse(raw) } catch { parsed = raw }
    return { status: res.status, headers: res.headers, body: parsed }
  }
}

function serialize (uri: string, shapeName: string | undefined, input: Record<string, unknown>) {
  const query: Record<string, string | string[]> = {}
  const headers: Record<string, string> = {}
  const body: Record<string, unknown> = {}
  let path = uri.split('?')[0]
  const shape = shapeName === undefined ? { type: 'structure' } : model.shapes[shapeName]
  for (const [name, m] of Object.entries(shape.members ?? {})) {
    const v = input[name]
    if (v === undefined) continue
    const key = m.locationName ?? name
    if (m.location === 'uri') path = path.replace(`{${key}}`, encodeURIComponent(String(v)))
    else if (m.location === 'querystring') query[key] = Array.isArray(v) ? v.map(String) : String(v)
    else if (m.location === 'header') headers[key.toLowerCase()] = String(v)
    else body[name] = v
  }
  const hasBody = Object.values(shape.members ?? {}).some(m => m.location === undefined)
  return { path, query, headers, body: hasBody ? JSON.stringify(body) : undefined }
}
