/**
 * The instance metadata service (IMDS) of each emulated EC2 instance: one loopback socket per
 * instance, answering as 169.254.169.254 does for that instance. Both IMDS versions are served:
 * `PUT /latest/api/token` gives a session token (IMDSv2); without one a GET is answered unless
 * the instance's metadata options require tokens (`HttpTokens: required`). Sockets are opened
 * when asked for (by the instances route) and are not kept across restarts: ports may change.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import { instancesApart, type Config } from '../config.js'
import type { Emulator } from '../emulator.js'
import { InstanceCredentials } from './instance-credentials.js'
import type { InstanceRecord } from './instance.js'
import { lookup, metadataRoot } from './metadata-tree.js'
import type { SubnetRecord, VpcRecord } from './network.js'

const MAX_TOKEN_TTL = 21_600

interface Imds {
  server: Server
  url: string
  /** Session tokens and when each expires (ms). */
  tokens: Map<string, number>
}

/**
 * Where instances' agents reach their metadata service: this host's loopback, or, when the
 * control plane runs in a container apart from the agents (`Config.instanceHost` not loopback,
 * as docker-compose.yml sets it), the container's own address, which the Docker host reaches.
 */
function imdsAddress (config: Pick<Config, 'instanceHost'>): string {
  if (!instancesApart(config)) return '127.0.0.1'
  return Object.values(networkInterfaces()).flat()
    .find(a => a !== undefined && a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1'
}

export class MetadataService {
  readonly #servers = new Map<string, Imds>()
  readonly #opening = new Map<string, Promise<string>>()
  readonly credentials: InstanceCredentials
  readonly #address: string

  constructor (readonly emulator: Emulator) {
    this.credentials = new InstanceCredentials(emulator)
    this.#address = imdsAddress(emulator.config)
  }

  /** The IMDS base URL of the instance (`http://127.0.0.1:PORT`), if its socket is open. */
  endpointFor (instanceId: string): string | undefined {
    return this.#servers.get(instanceId)?.url
  }

  /** Opens the instance's IMDS socket unless it is open already; returns its base URL. */
  async open (instanceId: string): Promise<string> {
    const open = this.#servers.get(instanceId)
    if (open !== undefined) return open.url
    let opening = this.#opening.get(instanceId)
    if (opening === undefined) {
      opening = this.#listen(instanceId).finally(() => this.#opening.delete(instanceId))
      this.#opening.set(instanceId, opening)
    }
    return opening
  }

  /** Closes the instance's socket (termination); its cached credentials are dropped too. */
  async stop (instanceId: string): Promise<void> {
    this.credentials.forget(instanceId)
    const imds = this.#servers.get(instanceId)
    if (imds === undefined) return
    this.#servers.delete(instanceId)
    await closeServer(imds.server)
  }

  async close (): Promise<void> {
    await Promise.all([...this.#servers.keys()].map(id => this.stop(id)))
  }

  async #listen (instanceId: string): Promise<string> {
    const tokens = new Map<string, number>()
    const server = createServer((req, res) => this.#answer(instanceId, tokens, req, res))
    server.keepAliveTimeout = 5_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, this.#address, () => resolve())
    })
    server.unref()
    const url = `http://${this.#address}:${(server.address() as AddressInfo).port}`
    this.#servers.set(instanceId, { server, url, tokens })
    this.emulator.log.info({ instanceId, url }, 'instance metadata service listening')
    return url
  }

  #answer (instanceId: string, tokens: Map<string, number>, req: IncomingMessage,
    res: ServerResponse): void {
    req.resume()
    req.on('end', () => {
      try {
        const r = this.#route(instanceId, tokens, req, new Date())
        const length = Buffer.byteLength(r.body)
        res.writeHead(r.status, { 'content-type': r.type, ...r.headers, 'content-length': length })
        res.end(r.body)
      } catch (e) {
        const err = { message: (e as Error).message }
        this.emulator.log.error({ instanceId, err }, 'metadata request failed')
        const r = failure(500)
        res.writeHead(r.status, { 'content-type': r.type })
        res.end(r.body)
      }
    })
  }

  #route (instanceId: string, tokens: Map<string, number>, req: IncomingMessage,
    now: Date): Answer {
    const instance = this.emulator.ec2.store.instanceById(instanceId)
    if (instance === undefined || instance.state === 'terminated') return failure(404)
    if (instance.metadataOptions.httpEndpoint === 'disabled') return failure(404)
    const path = (req.url ?? '/').split('?')[0]

    if (path === '/latest/api/token') return issueToken(tokens, req, now)
    if (req.method !== 'GET' && req.method !== 'HEAD') return failure(405)
    const token = header(req, 'x-aws-ec2-metadata-token')
    if (token !== undefined) {
      const expires = tokens.get(token)
      if (expires === undefined || expires <= now.getTime()) return failure(401)
    } else if (instance.metadataOptions.httpTokens === 'required') {
      return failure(401)
    }

    this.emulator.log.debug({ instanceId, path }, 'metadata read')
    return this.#read(instance, path, now)
  }

  #read (instance: InstanceRecord, path: string, now: Date): Answer {
    const store = this.emulator.ec2.store
    const root = metadataRoot({
      instance,
      vpc: store.resource<VpcRecord>(instance, 'vpc', instance.vpcId),
      subnet: store.resource<SubnetRecord>(instance, 'subnet', instance.subnetId),
      credentials: () => this.credentials.for(instance, now)
    })
    const found = lookup(root, path)
    if (found.kind === 'missing') return failure(404)
    return { status: 200, type: 'text/plain', headers: {}, body: found.body }
  }
}

interface Answer { status: number, type: string, headers: Record<string, string>, body: string }

/**
 * `PUT /latest/api/token`: a TTL of 1 to 21600 seconds is required; a request that went
 * through a proxy (`X-Forwarded-For`) is refused, as IMDS refuses it.
 */
function issueToken (tokens: Map<string, number>, req: IncomingMessage, now: Date): Answer {
  if (req.method !== 'PUT') return failure(405)
  if (header(req, 'x-forwarded-for') !== undefined) return failure(403)
  const ttlText = header(req, 'x-aws-ec2-metadata-token-ttl-seconds')
  const ttl = Number(ttlText)
  const valid = ttlText !== undefined && /^\d+$/.test(ttlText) && ttl >= 1 && ttl <= MAX_TOKEN_TTL
  if (!valid) return failure(400)
  for (const [t, expires] of tokens) if (expires <= now.getTime()) tokens.delete(t)
  const token = randomBytes(42).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
  tokens.set(token, now.getTime() + ttl * 1000)
  const headers = { 'x-aws-ec2-metadata-token-ttl-seconds': String(ttl) }
  return { status: 200, type: 'text/plain', headers, body: token }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 500: 'Internal Server Error'
}

/** IMDS answers failures with a small XHTML page naming the status. */
function failure (status: number): Answer {
  const title = `${status} - ${REASONS[status]}`
  const body = '<?xml version="1.0" encoding="iso-8859-1"?>\n' +
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n' +
    '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' +
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n' +
    ` <head>\n  <title>${title}</title>\n </head>\n <body>\n  <h1>${title}</h1>\n </body>\n</html>\n`
  return { status, type: 'text/html', headers: {}, body }
}

function header (req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function closeServer (server: Server): Promise<void> {
  return new Promise(resolve => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
