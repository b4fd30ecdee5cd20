/**
 * The ELBv2 data plane: every HTTP listener of the store is a real socket on 127.0.0.1, opened
 * and closed as the API creates and deletes listeners (the store is read every 250 ms). A
 * listener takes its own port when that port is free and not privileged (>= 1024); otherwise a
 * free port, shown by `mappings()` (and `GET /_emulator/listeners`, routes.ts) and logged.
 * Every load balancer is also served on the emulator's own port by its DNS name in the Host
 * header (`serveByHost`, hooked in by routes.ts).
 * Health checks run for every group a listener forwards to (health.ts).
 */
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import tls from 'node:tls'
import type { AddressInfo } from 'node:net'
import type { Elbv2Store } from '../../../store/elbv2.js'
import type { Action, ListenerRecord, LoadBalancerRecord, TargetGroupRecord } from '../types.js'
import { certificateNames, selfSignedCertificate, type ServingCertificate } from './certificate.js'
import { HealthChecker } from './health.js'
import { Forwarder } from './proxy.js'
import { TcpForwarder } from './tcp.js'
import { TargetDialer } from './targets.js'
import { timeScale } from './scale.js'

export interface ListenerMapping {
  ListenerArn: string
  LoadBalancerArn: string
  DNSName?: string
  Protocol: string
  /** The listener's port in the API. */
  Port: number
  /** Where it listens on this host (127.0.0.1). */
  HostPort: number
}

interface Served {
  listener: ListenerRecord
  server: http.Server | https.Server | net.Server
  hostPort?: number
}

const POLL_MS = 250

export interface DataPlaneLog { info: (fields: object, message: string) => void }

export class DataPlane {
  readonly scale: number
  readonly host: string
  readonly #served = new Map<string, Served>()
  readonly #forwarder: Forwarder
  readonly #tcp: TcpForwarder
  readonly #health: HealthChecker
  #timer?: NodeJS.Timeout
  #closed = false

  readonly #makeCertificate: () => ServingCertificate
  #certificate: ServingCertificate | undefined

  constructor (readonly store: Elbv2Store, readonly log?: DataPlaneLog,
    options: {
      scale?: number, host?: string, instanceHost?: string, certificate?: () => ServingCertificate
    } = {}) {
    this.scale = options.scale ?? timeScale()
    this.#makeCertificate = options.certificate ?? (() => selfSignedCertificate(CERTIFICATE_NAMES))
    const dialer = new TargetDialer(options.instanceHost)
    this.#forwarder = new Forwarder(store, dialer)
    this.#tcp = new TcpForwarder(store, dialer)
    this.#health = new HealthChecker(store, this.scale, dialer)
    this.host = options.host ?? '127.0.0.1'
  }

  start (): void {
    this.sync()
    this.#timer = setInterval(() => this.sync(), POLL_MS)
    this.#timer.unref()
  }

  /** Opens sockets for new listeners, closes those of deleted ones, updates health checks. */
  sync (): void {
    if (this.#closed) return
    const listeners = this.store.everyListener().filter(l => SERVED.test(l.listener.Protocol))
    const arns = new Set(listeners.map(l => l.listener.ListenerArn))
    for (const [arn, s] of this.#served) {
      if (!arns.has(arn)) { shut(s); this.#served.delete(arn) }
    }
    for (const l of listeners) {
      const served = this.#served.get(l.listener.ListenerArn)
      if (served === undefined) this.#open(l)
      else served.listener = l
    }
    this.#health.sync(this.#groupsInUse(listeners))
  }

  /** Where each listener listens; listeners still binding are left out. */
  mappings (): ListenerMapping[] {
    return [...this.#served.values()].filter(s => s.hostPort !== undefined).map(s => {
      const l = s.listener.listener
      const lb = this.store.get<LoadBalancerRecord>('load-balancer', l.LoadBalancerArn)
      return {
        ListenerArn: l.ListenerArn,
        LoadBalancerArn: l.LoadBalancerArn,
        DNSName: lb?.loadBalancer.DNSName,
        Protocol: l.Protocol,
        Port: l.Port,
        HostPort: s.hostPort as number
      }
    })
  }

  /** The host port of a listener, once it listens. */
  hostPortOf (listenerArn: string): number | undefined {
    return this.#served.get(listenerArn)?.hostPort
  }

  /** Resolves when the listener listens (or after `timeoutMs`, undefined). */
  async waitFor (listenerArn: string, timeoutMs = 3000): Promise<number | undefined> {
    const end = Date.now() + timeoutMs
    while (Date.now() < end) {
      this.sync()
      const port = this.hostPortOf(listenerArn)
      if (port !== undefined) return port
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    return undefined
  }

  /**
   * Serves a request that names a load balancer's DNS name in its Host header (the emulator's
   * own port carries every load balancer this way): to the listener on the Host header's port,
   * else on 80, else the load balancer's first. `false` when no load balancer has that name.
   */
  serveByHost (req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const host = req.headers.host ?? ''
    const match = /^(.*?)(?::(\d+))?$/.exec(host)
    const name = (match?.[1] ?? '').toLowerCase()
    if (!name.endsWith('.elb.amazonaws.com')) return false
    const mine = [...this.#served.values()].filter(s => /^HTTPS?$/.test(s.listener.listener.Protocol) &&
      this.store.cachedGet<LoadBalancerRecord>(
      'load-balancer', s.listener.listener.LoadBalancerArn)?.loadBalancer.DNSName.toLowerCase() === name)
    const port = Number(match?.[2] ?? '80')
    const served = mine.find(s => s.listener.listener.Port === port) ??
      (match?.[2] === undefined ? mine[0] : undefined)
    if (served === undefined) return false
    this.#forwarder.handle(served.listener, req, res)
    return true
  }

  close (): void {
    this.#closed = true
    clearInterval(this.#timer)
    this.#health.close()
    for (const s of this.#served.values()) shut(s)
    this.#served.clear()
    this.#forwarder.close()
  }

  /** The certificate every HTTPS listener serves (certificate.ts), made on first need. */
  get certificate (): ServingCertificate {
    this.#certificate ??= this.#makeCertificate()
    return this.#certificate
  }

  #open (l: ListenerRecord): void {
    // HTTPS and TLS listeners serve the emulator's own certificate, whatever ARNs they name (no ACM).
    const protocol = l.listener.Protocol
    const relay = (socket: net.Socket) => this.#tcp.handle(served.listener, socket)
    const server = protocol === 'HTTPS' ? https.createServer(this.certificate)
      : protocol === 'HTTP' ? http.createServer()
        : protocol === 'TLS' ? tls.createServer(this.certificate, relay)
          : net.createServer(relay)
    const served: Served = { listener: l, server }
    if (protocol === 'HTTP' || protocol === 'HTTPS') {
      server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) =>
        this.#forwarder.handle(served.listener, req, res))
    }
    this.#served.set(l.listener.ListenerArn, served)
    const bound = () => {
      if (this.#served.get(l.listener.ListenerArn) !== served) return
      served.hostPort = (served.server.address() as AddressInfo).port
      this.log?.info({ listener: l.listener.ListenerArn, port: l.listener.Port, hostPort: served.hostPort,
        timeScale: this.scale },
        'elbv2 listener serving')
    }
    const own = l.listener.Port >= 1024 ? l.listener.Port : 0
    served.server.once('error', () => {
      if (own === 0 || this.#closed) return
      served.server.listen(0, this.host, bound)
    })
    served.server.listen(own, this.host, bound)
  }

  #groupsInUse (listeners: ListenerRecord[]): TargetGroupRecord[] {
    const arns = new Set<string>()
    for (const l of listeners) {
      const actions = [...l.listener.DefaultActions,
        ...this.store.rulesOf(l.listener.ListenerArn).flatMap(r => r.Actions)]
      for (const arn of actions.flatMap(forwarded)) arns.add(arn)
    }
    return [...arns].flatMap(arn => this.store.get<TargetGroupRecord>('target-group', arn) ?? [])
  }
}

/** What the data plane serves: ALB's HTTP and HTTPS, NLB's TCP and TLS (not UDP, TCP_UDP). */
const SERVED = /^(HTTPS?|TCP|TLS)$/

function shut (s: Served): void {
  s.server.close()
  if ('closeAllConnections' in s.server) s.server.closeAllConnections()
}

/** The regions whose load balancer names the certificate covers: AWS's commercial ones. */
export const CERTIFICATE_REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1',
  'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3',
  'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7', 'ap-northeast-1', 'ap-northeast-2',
  'ap-northeast-3', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-west-1',
  'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-south-2', 'eu-north-1', 'il-central-1',
  'me-south-1', 'me-central-1', 'mx-central-1', 'sa-east-1']
export const CERTIFICATE_NAMES = certificateNames(CERTIFICATE_REGIONS)

function forwarded (a: Action): string[] {
  if (a.Type !== 'forward') return []
  const groups = a.ForwardConfig?.TargetGroups?.map(g => g.TargetGroupArn ?? '') ?? []
  return [...groups, ...(a.TargetGroupArn === undefined ? [] : [a.TargetGroupArn])].filter(s => s !== '')
}
