/**
 * SigV4 for the agent's websockets, as `ecs-agent/utils/sign_http_request.go` signs them
 * (service `ecs`): the GET upgrade over an empty body, and each TCS frame, which is the
 * header block of a signed GET over the frame's JSON, a blank line, then the JSON.
 */
import { Hash } from '@smithy/hash-node'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import type { AwsCredentials } from './engine.js'

class Sha256 extends Hash {
  constructor (secret?: Parameters<typeof Hash.prototype.update>[0]) { super('sha256', secret as never) }
}

/** The headers of `url` signed as a GET whose body is `body`. */
export async function signedHeaders (url: URL, region: string, credentials: AwsCredentials,
  body = ''): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: 'ecs', region, credentials, sha256: Sha256, applyChecksum: false
  })
  const query: Record<string, string> = {}
  for (const [k, v] of url.searchParams) query[k] = v
  const request = new HttpRequest({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    query,
    headers: { host: url.host },
    body
  })
  const signed = await signer.sign(request)
  return canonicalNames(signed.headers)
}

/** A TCS frame: the signed header block, a blank line, then the JSON. */
export async function signedFrame (url: URL, region: string, credentials: AwsCredentials,
  payload: string): Promise<string> {
  const headers = await signedHeaders(url, region, credentials, payload)
  const block = Object.keys(headers).sort().map(k => `${k}: ${headers[k]}\r\n`).join('')
  return `${block}\r\n${payload}`
}

/** `x-amz-date` → `X-Amz-Date`, as Go writes header names. */
function canonicalNames (headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    out[k.split('-').map(p => p.charAt(0).toUpperCase() + p.slice(1)).join('-')] = v
  }
  return out
}
