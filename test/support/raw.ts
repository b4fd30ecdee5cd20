/**
 * Raw signed requests, for the cases an SDK client will not send: a wrong secret, an old clock,
 * a presigned URL, a body that is not JSON.
 */
import { SignatureV4 } from '@smithy/signature-v4'
import type { Credentials } from './emulator.js'
import { Sha256 } from '../../api/sigv4.js'


export interface RawRequest {
  service: 'ecs' | 'iam' | 'sts'
  body: string
  /** `X-Amz-Target` for JSON services; query services send a form body. */
  target?: string
  credentials?: Credentials
  region?: string
  signingDate?: Date
  /** Sign for another service name than `service` (scope errors). */
  signingService?: string
  unsigned?: boolean
}

export interface RawResponse { status: number, headers: Headers, text: string, json?: any }

export async function raw (url: string, r: RawRequest): Promise<RawResponse> {
  const u = new URL(url)
  const headers: Record<string, string> = {
    host: u.host,
    'content-type': r.target !== undefined ? 'application/x-amz-json-1.1' : 'application/x-www-form-urlencoded; charset=utf-8'
  }
  if (r.target !== undefined) headers['x-amz-target'] = r.target
  let signed = headers
  if (r.unsigned !== true) {
    const signer = new SignatureV4({
      credentials: r.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' },
      region: r.region ?? 'us-east-1',
      service: r.signingService ?? r.service,
      sha256: Sha256
    })
    const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', headers, body: r.body, query: {} },
      { signingDate: r.signingDate })
    signed = req.headers as Record<string, string>
  }
  const res = await fetch(url, { method: 'POST', headers: signed, body: r.body })
  const text = await res.text()
  let json: unknown
  try { json = JSON.parse(text) } catch {}
  return { status: res.status, headers: res.headers, text, json }
}

/** A presigned GET URL for a query-protocol action. */
export async function presign (url: string, service: 'sts' | 'iam', query: Record<string, string>,
  credentials: Credentials, expiresIn = 900, signingDate?: Date): Promise<string> {
  const u = new URL(url)
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service, sha256: Sha256 })
  const req = await signer.presign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', headers: { host: u.host }, query },
    { expiresIn, signingDate })
  const qs = new URLSearchParams(req.query as Record<string, string>).toString().replace(/\+/g, '%20')
  return `${url}/?${qs}`
}

/**
 * A SigV4-signed form post in the query protocols (`Action=...&Version=...`), as the SDKs send
 * them: the EC2 and ELBv2 test clients build their bodies and parse their XML around it.
 */
export async function signedFormPost (url: string, form: URLSearchParams, service: string,
  credentials: Credentials, region: string): Promise<{ status: number, text: string }> {
  const u = new URL(url)
  const body = form.toString()
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256 })
  const signed = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', query: {},
    headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body
  })
  const res = await fetch(url + '/', { method: 'POST', headers: signed.headers as Record<string, string>, body })
  return { status: res.status, text: await res.text() }
}
