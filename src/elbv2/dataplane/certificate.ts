/**
 * The certificate HTTPS listeners serve: ACM is not emulated, so the certificate ARNs a
 * listener names hold nothing, and the data plane serves one self-signed certificate of its
 * own for every load balancer's DNS name (`*.REGION.elb.amazonaws.com`), `localhost` and
 * 127.0.0.1. Clients accept it as they would any self-signed one (`curl -k`). Made in-process,
 * an ECDSA P-256 key and an X.509 v3 certificate written in DER here, so no `openssl` is needed.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface ServingCertificate {
  /** PEM */
  key: string
  /** PEM */
  cert: string
}

/** The names the certificate covers, for the regions given. */
export function certificateNames (regions: readonly string[]): string[] {
  return [...new Set(regions)].map(r => `*.${r}.elb.amazonaws.com`).concat('localhost')
}

/** A self-signed certificate for `dnsNames` and 127.0.0.1, valid from yesterday for 825 days. */
export function selfSignedCertificate (dnsNames: readonly string[], now = new Date()): ServingCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const day = 86_400_000
  const name = seq(set(seq(oid('2.5.4.3'), utf8('ecs-emulator load balancers'))))
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'))
  const altNames = seq(...dnsNames.map(n => tagged(0x82, Buffer.from(n, 'ascii'))),
    tagged(0x87, Buffer.from([127, 0, 0, 1])))
  const extensions = tagged(0xa3, seq(
    seq(oid('2.5.29.17'), octets(altNames)),
    // basicConstraints: not a CA
    seq(oid('2.5.29.19'), octets(seq()))
  ))
  const tbs = seq(
    tagged(0xa0, integer(Buffer.from([2]))),
    integer(randomBytes(16)),
    ecdsaWithSha256,
    name,
    seq(utcTime(new Date(now.getTime() - day)), utcTime(new Date(now.getTime() + 825 * day))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions
  )
  const signature = sign('sha256', tbs, privateKey)
  const der = seq(tbs, ecdsaWithSha256, bitString(signature))
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: pem('CERTIFICATE', der)
  }
}

// --- DER ------------------------------------------------------------------------------------

function length (n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

const tagged = (tag: number, content: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), length(content.length), content])

const seq = (...parts: Buffer[]): Buffer => tagged(0x30, Buffer.concat(parts))
const set = (...parts: Buffer[]): Buffer => tagged(0x31, Buffer.concat(parts))
const octets = (content: Buffer): Buffer => tagged(0x04, content)
const utf8 = (text: string): Buffer => tagged(0x0c, Buffer.from(text, 'utf8'))
const bitString = (content: Buffer): Buffer => tagged(0x03, Buffer.concat([Buffer.from([0]), content]))

/** A non-negative INTEGER: a leading zero byte when the top bit is set. */
function integer (bytes: Buffer): Buffer {
  let b = bytes
  while (b.length > 1 && b[0] === 0 && (b[1] & 0x80) === 0) b = b.subarray(1)
  return tagged(0x02, (b[0] & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), b]) : b)
}

function oid (dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number)
  const out = [40 * a + b]
  for (const arc of rest) {
    const base128: number[] = [arc & 0x7f]
    for (let v = arc >>> 7; v > 0; v >>>= 7) base128.unshift(0x80 | (v & 0x7f))
    out.push(...base128)
  }
  return tagged(0x06, Buffer.from(out))
}

/** UTCTime (YYMMDDHHMMSSZ): good until 2049, as RFC 5280 has it. */
function utcTime (d: Date): Buffer {
  const two = (n: number) => String(n).padStart(2, '0')
  const text = two(d.getUTCFullYear() % 100) + two(d.getUTCMonth() + 1) + two(d.getUTCDate()) +
    two(d.getUTCHours()) + two(d.getUTCMinutes()) + two(d.getUTCSeconds()) + 'Z'
  return tagged(0x17, Buffer.from(text, 'ascii'))
}

function pem (label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}

/**
 * The certificate kept in the data directory (`elb-certificate.pem`, its key beside it), so
 * that a client that trusts it once (`curl --cacert`) keeps trusting it across restarts;
 * made when missing. With `:memory:`, a new one each start.
 */
export function storedCertificate (dataDir: string, names: readonly string[]): ServingCertificate {
  if (dataDir === ':memory:') return selfSignedCertificate(names)
  const certPath = join(dataDir, 'elb-certificate.pem')
  const keyPath = join(dataDir, 'elb-certificate.key')
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') }
  }
  const made = selfSignedCertificate(names)
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(keyPath, made.key, { mode: 0o600 })
  writeFileSync(certPath, made.cert)
  return made
}
