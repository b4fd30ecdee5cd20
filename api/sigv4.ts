/**
 * SigV4 verification: the request is signed again with the secret we know, by the SDK's own
 * signer, and the two signatures are compared. Header (`Authorization`) and presigned
 * (`X-Amz-Signature` in the query string) forms are both accepted.
 */
import { Hash } from '@smithy/hash-node'
import { SignatureV4, SignatureV4Base, getCanonicalHeaders } from '@smithy/signature-v4'
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { AwsError } from './errors.js'

/** Five minutes either side, as AWS allows. */
const MAX_SKEW_MS = 5 * 60 * 1000

export interface SignedRequest {
  method: string
  /** The path and query string exactly as the client sent them. */
  url: string
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

export interface SignatureInfo {
  accessKeyId: string
  date: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
  sessionToken?: string
  presigned: boolean
  expiresSeconds?: number
}

export class Sha256 extends Hash {
  constructor (secret?: Parameters<typeof Hash.prototype.update>[0]) { super('sha256', secret as never) }
}

/** The auth errors differ by protocol family in code and status, not in message. */
export type Protocol = 'json' | 'query'

const codes = {
  missing: { json: ['MissingAuthenticationTokenException', 403], query: ['MissingAuthenticationToken', 403] },
  incomplete: { json: ['IncompleteSignatureException', 400], query: ['IncompleteSignature', 400] },
  unknownKey: { json: ['UnrecognizedClientException', 400], query: ['InvalidClientTokenId', 403] },
  badSignature: { json: ['InvalidSignatureException', 400], query: ['SignatureDoesNotMatch', 403] },
  expired: { json: ['ExpiredTokenException', 400], query: ['ExpiredToken', 403] }
} as const

export function authError (kind: keyof typeof codes, protocol: Protocol, message: string): AwsError {
  const [code, status] = codes[kind][protocol]
  return new AwsError(code, message, status)
}

export const MESSAGES = {
  missingJson: 'Missing Authentication Token',
  // AWS's query-protocol wording for this case is not confirmed; see the README's coverage notes.
  missingQuery: 'Request is missing Authentication Token',
  invalidToken: 'The security token included in the request is invalid.',
  expiredToken: 'The security token included in the request is expired',
  badSignature: 'The request signature we calculated does not match the signature you provided. ' +
    'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
} as const

const first = (v: string | string[] | undefined): string | undefined => Array.isArray(v) ? v[0] : v

/** Reads the signature parameters, or returns undefined when the request carries none. */
export function readSignature (req: SignedRequest, protocol: Protocol): SignatureInfo | undefined {
  const auth = first(req.headers.authorization)
  if (auth !== undefined) return fromHeader(auth, req, protocol)
  const q = req.url.indexOf('?')
  const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1))
  if (query.get('X-Amz-Algorithm') === null && query.get('X-Amz-Signature') === null) return undefined
  return fromQuery(query, protocol)
}

function fromHeader (auth: string, req: SignedRequest, protocol: Protocol): SignatureInfo {
  const m = /^AWS4-HMAC-SHA256\s+([^]*)$/.exec(auth)
  if (m === null) {
    throw authError('incomplete', protocol, `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${auth.split(' ')[0]}`)
  }
  const parts: Record<string, string> = {}
  for (const p of m[1].split(',')) {
    const eq = p.indexOf('=')
    parts[p.slice(0, eq).trim()] = p.slice(eq + 1).trim()
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter(k => !parts[k])
  if (missing.length > 0) {
    throw authError('incomplete', protocol, missing.map(k =>
      `Authorization header requires '${k}' parameter.`).join(' ') + ` Authorization=${auth}`)
  }
  const date = first(req.headers['x-amz-date'])
  if (date === undefined) {
    throw authError('incomplete', protocol, `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${auth}`)
  }
  // Properties named one by one: `{ ...scope(), date, ... }` costs V8 microseconds a request.
  const { accessKeyId, region, service } = scope(parts.Credential, protocol)
  return {
    accessKeyId,
    region,
    service,
    date,
    signedHeaders: parts.SignedHeaders.split(';'),
    signature: parts.Signature,
    sessionToken: first(req.headers['x-amz-security-token']),
    presigned: false
  }
}

function fromQuery (query: URLSearchParams, protocol: Protocol): SignatureInfo {
  const get = (k: string): string => {
    const v = query.get(k)
    if (v === null) throw authError('incomplete', protocol, `AWS query-string parameters must include '${k}'. Re-examine the query-string parameters.`)
    return v
  }
  return {
    ...scope(get('X-Amz-Credential'), protocol),
    date: get('X-Amz-Date'),
    signedHeaders: get('X-Amz-SignedHeaders').split(';'),
    signature: get('X-Amz-Signature'),
    sessionToken: query.get('X-Amz-Security-Token') ?? undefined,
    presigned: true,
    expiresSeconds: Number(get('X-Amz-Expires'))
  }
}

function scope (credential: string, protocol: Protocol): Pick<SignatureInfo, 'accessKeyId' | 'region' | 'service'> {
  const [accessKeyId, , region, service, terminator] = credential.split('/')
  if (terminator !== 'aws4_request' || !accessKeyId || !region || !service) {
    throw authError('incomplete', protocol, `Credential should be scoped to a valid region. `)
  }
  return { accessKeyId, region, service }
}

/** Region names as AWS forms them; anything else gets AWS's scope error. */
export const isRegionName = (r: string): boolean => /^[a-z]{2}(-[a-z]+)+-\d+$/.test(r)

/** Checks the scope against the service being called and the clock against ours. */
export function checkScopeAndClock (sig: SignatureInfo, signingName: string, protocol: Protocol,
  now: Date): void {
  if (sig.service !== signingName) {
    throw authError('badSignature', protocol, `Credential should be scoped to correct service: '${signingName}'. `)
  }
  if (!isRegionName(sig.region)) {
    throw authError('badSignature', protocol, `Credential should be scoped to a valid region, not '${sig.region}'. `)
  }
  const signedAt = parseAmzDate(sig.date)
  if (signedAt === undefined) {
    throw authError('incomplete', protocol, `Date must be in ISO-8601 'basic format'. Got '${sig.date}'. See http://en.wikipedia.org/wiki/ISO_8601`)
  }
  const nowMs = now.getTime()
  if (sig.presigned) {
    if (nowMs > signedAt + (sig.expiresSeconds ?? 0) * 1000) {
      throw authError('badSignature', protocol, `Signature expired: ${sig.date} is now earlier than ${amzDate(new Date(nowMs - (sig.expiresSeconds ?? 0) * 1000))} (${amzDate(now)} - ${sig.expiresSeconds} sec.)`)
    }
    return
  }
  if (signedAt < nowMs - MAX_SKEW_MS) {
    throw authError('badSignature', protocol, `Signature expired: ${sig.date} is now earlier than ${amzDate(new Date(nowMs - MAX_SKEW_MS))} (${amzDate(now)} - 5 min.)`)
  }
  if (signedAt > nowMs + MAX_SKEW_MS) {
    throw authError('badSignature', protocol, `Signature not yet current: ${sig.date} is still later than ${amzDate(new Date(nowMs + MAX_SKEW_MS))} (${amzDate(now)} + 5 min.)`)
  }
}

/** Signs the request again with `secret` and compares; throws AWS's mismatch error. */
export async function verifySignature (req: SignedRequest, sig: SignatureInfo, secret: string,
  protocol: Protocol): Promise<void> {
  const q = req.url.indexOf('?')
  const path = q < 0 ? req.url : req.url.slice(0, q)
  const query: Record<string, string | string[]> = {}
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1))) {
    if (k === 'X-Amz-Signature') continue
    const prior = query[k]
    query[k] = prior === undefined ? v : ([] as string[]).concat(prior, v)
  }
  const claimed = first(req.headers['x-amz-content-sha256'])
  if (claimed !== undefined && claimed !== createHash('sha256').update(req.body).digest('hex')) {
    // The client's own hash of the body stands in the canonical request: it must be the body's.
    throw authError('badSignature', protocol, MESSAGES.badSignature)
  }
  const headers: Record<string, string> = {}
  for (const name of sig.signedHeaders) {
    const v = req.headers[name]
    if (v !== undefined) headers[name] = Array.isArray(v) ? v.join(',') : v
  }
  const request = {
    method: req.method,
    protocol: 'http:',
    hostname: String(headers.host ?? 'localhost'),
    // The path as sent: signers encode it once more (every service but S3 signs the encoded
    // path), so a restJson1 label such as an ARN (`%3A`, `%2F`) signs as `%253A`, `%252F`.
    path,
    query,
    headers,
    body: req.body
  }
  const expected = sig.presigned
    ? await presigned(signerFor(sig, secret), request, sig, new Date(parseAmzDate(sig.date)!))
    : signed(request, sig, secret, claimed)
  if (!sameHex(expected, sig.signature)) throw authError('badSignature', protocol, MESSAGES.badSignature)
}

type SignerRequest = Parameters<SignatureV4['presign']>[0]

const signers = new Map<string, SignatureV4>()

/** Signers are kept per credential and scope: building one per request costs more than signing. */
function signerFor (sig: SignatureInfo, secret: string): SignatureV4 {
  const key = `${sig.accessKeyId}\n${secret}\n${sig.sessionToken ?? ''}\n${sig.region}\n${sig.service}`
  let signer = signers.get(key)
  if (signer === undefined) {
    if (signers.size >= 1000) signers.clear()
    signer = new SignatureV4({
      credentials: { accessKeyId: sig.accessKeyId, secretAccessKey: secret, sessionToken: sig.sessionToken },
      region: sig.region,
      service: sig.service,
      sha256: Sha256,
      uriEscapePath: true,
      // Sign exactly the headers the client signed: no x-amz-content-sha256 of our own.
      applyChecksum: false
    })
    signers.set(key, signer)
  }
  return signer
}

/**
 * The SDK's canonicalizer (SignatureV4Base) builds the canonical request from exactly the
 * headers the client signed; the last two steps, the string to sign and its HMAC, are a hash
 * each, done here with a cached signing key. SignatureV4.sign would derive the key's cache
 * entry again on every request, which was a fifth of the whole cost of a request.
 */
class Canonicalizer extends SignatureV4Base {
  constructor () {
    super({ service: '', region: '', credentials: { accessKeyId: '', secretAccessKey: '' }, sha256: Sha256, uriEscapePath: true, applyChecksum: false })
  }

  canonicalRequest (request: SignerRequest, signedHeaders: string[], payloadHash: string): string {
    const headers = getCanonicalHeaders(request, undefined, new Set(signedHeaders))
    return this.createCanonicalRequest(request, headers, payloadHash)
  }
}

const canonicalizer = new Canonicalizer()
const signingKeys = new Map<string, Buffer>()

function signingKey (secret: string, day: string, region: string, service: string): Buffer {
  const cacheKey = `${day}\n${region}\n${service}\n${secret}`
  let key = signingKeys.get(cacheKey)
  if (key === undefined) {
    if (signingKeys.size >= 1000) signingKeys.clear()
    const hmac = (k: string | Buffer, data: string): Buffer => createHmac('sha256', k).update(data).digest()
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), service), 'aws4_request')
    signingKeys.set(cacheKey, key)
  }
  return key
}

function signed (request: SignerRequest, sig: SignatureInfo, secret: string,
  claimedHash: string | undefined): string {
  const payloadHash = claimedHash ?? createHash('sha256').update(request.body as Buffer).digest('hex')
  const canonical = canonicalizer.canonicalRequest(request, sig.signedHeaders, payloadHash)
  const day = sig.date.slice(0, 8)
  const stringToSign = ['AWS4-HMAC-SHA256', sig.date, `${day}/${sig.region}/${sig.service}/aws4_request`,
    createHash('sha256').update(canonical).digest('hex')].join('\n')
  return createHmac('sha256', signingKey(secret, day, sig.region, sig.service)).update(stringToSign).digest('hex')
}

async function presigned (signer: SignatureV4, request: SignerRequest, sig: SignatureInfo,
  signingDate: Date): Promise<string> {
  const query = { ...request.query }
  for (const k of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires',
    'X-Amz-SignedHeaders', 'X-Amz-Security-Token']) delete query[k]
  const out = await signer.presign({ ...request, query }, {
    signingDate,
    expiresIn: sig.expiresSeconds,
    signableHeaders: new Set(sig.signedHeaders)
  })
  return String(out.query?.['X-Amz-Signature'] ?? '')
}

function sameHex (a: string, b: string): boolean {
  if (a.length !== b.length) return false
  return timingSafeEqual(Buffer.from(a), Buffer.from(b))
}

/** `20240101T120000Z` → epoch milliseconds. */
export function parseAmzDate (s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s)
  if (m === null) return undefined
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])
}

export const amzDate = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
