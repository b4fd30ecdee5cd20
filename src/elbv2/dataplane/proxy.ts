/**
 * One listener request: the rules pick a target group, the group's routable targets take
 * turns (round robin, fail-open over health), and the request goes on over a pooled keep-alive
 * connection with ALB's X-Forwarded-* and X-Amzn-Trace-Id headers. The load balancer's own
 * answers: 503 with no routable target, 502 when the target refuses or resets, 504 when it does
 * not answer within the idle timeout. What it reads of the store (rules, groups, health) is
 * kept until the next write to the database (`Elbv2Store.cached*`): a request reads no row.
 */
import http from 'node:http'
import { randomBytes } from 'node:crypto'
import type { Elbv2Store } from '../../../store/elbv2.js'
import { ELB_502, ELB_503, ELB_504, evaluateRules, type ElbResponse } from '../rules.js'
import type { Rule as EngineRule } from '../rules-types.js'
import type { ListenerRecord, LoadBalancerRecord, TargetDescription, TargetGroupRecord } from '../types.js'
import { RoundRobin, type TargetDialer } from './targets.js'

export class Forwarder {
  readonly #agents = new Map<string, http.Agent>()
  readonly #targets: RoundRobin

  constructor (readonly store: Elbv2Store, readonly dialer: TargetDialer) {
    this.#targets = new RoundRobin(store)
  }

  handle (listener: ListenerRecord, req: http.IncomingMessage, res: http.ServerResponse): void {
    const l = listener.listener
    const protocol = l.Protocol === 'HTTPS' ? 'https' : 'http'
    const { path, query } = pathAndQuery(req.url ?? '/')
    const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '')
    const outcome = evaluateRules(this.store.cachedRulesOf(l.ListenerArn) as EngineRule[], {
      method: req.method ?? 'GET',
      path,
      query,
      host: req.headers.host ?? '',
      headers: req.headers,
      sourceIp,
      protocol,
      port: l.Port
    })
    if (outcome === undefined) return answer(res, ELB_503)
    if (outcome.kind === 'respond') return answer(res, outcome.response)
    const tg = this.store.cachedGet<TargetGroupRecord>('target-group', outcome.targetGroupArn)
    const target = tg === undefined ? undefined : this.#targets.next(tg)
    if (tg === undefined || target === undefined) return answer(res, ELB_503)
    const lb = this.store.cachedGet<LoadBalancerRecord>('load-balancer', l.LoadBalancerArn)
    const idle = Number(lb?.attributes['idle_timeout.timeout_seconds'] ?? '60') * 1000
    this.#forward(tg, target, req, res, { sourceIp, port: l.Port, idle, protocol })
  }

  close (): void {
    for (const a of this.#agents.values()) a.destroy()
    this.#agents.clear()
  }

  #agent (host: string, port: number): http.Agent {
    const key = `${host}:${port}`
    let agent = this.#agents.get(key)
    if (agent === undefined) {
      // Idle pooled sockets close before a Node target's 5 s keep-alive timeout would.
      agent = new http.Agent({ keepAlive: true, timeout: 4000 })
      this.#agents.set(key, agent)
    }
    return agent
  }

  #forward (tg: TargetGroupRecord, target: TargetDescription, req: http.IncomingMessage,
    res: http.ServerResponse,
    via: { sourceIp: string, port: number, idle: number, protocol: 'http' | 'https' }): void {
    const { host, port } = this.dialer.address(tg.targetGroup, target)
    // (unconfirmed) an address outside this host and its Docker bridges: as if it timed out.
    if (!this.dialer.reachable(host)) return answer(res, ELB_504)
    const headers = { ...req.headers }
    const before = headers['x-forwarded-for']
    headers['x-forwarded-for'] = before === undefined ? via.sourceIp : `${String(before)}, ${via.sourceIp}`
    headers['x-forwarded-proto'] = via.protocol
    headers['x-forwarded-port'] = String(via.port)
    headers['x-amzn-trace-id'] ??= traceId()
    delete headers.connection
    const bodiless = req.headers['content-length'] === undefined &&
      req.headers['transfer-encoding'] === undefined
    const send = (retry: boolean): void => {
      const out = http.request({
        host, port, method: req.method, path: req.url, headers, agent: this.#agent(host, port)
      }, upstream => {
        out.setTimeout(0)
        res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, stripHop(upstream.headers))
        upstream.pipe(res)
        upstream.on('error', () => res.destroy())
      })
      out.setTimeout(via.idle, () => {
        out.destroy()
        if (!res.headersSent) answer(res, ELB_504)
        else res.destroy()
      })
      out.on('error', () => {
        // A pooled connection the target closed while idle: once more on a fresh one.
        if (retry && out.reusedSocket && bodiless && !res.headersSent) return send(false)
        if (!res.headersSent) answer(res, ELB_502)
        else res.destroy()
      })
      if (bodiless) out.end()
      else req.pipe(out)
    }
    send(true)
    res.on('close', () => { if (!res.writableFinished) req.destroy() })
  }
}

/** `Root=1-<epoch seconds, 8 hex>-<24 hex>`, as ALB adds it. */
export function traceId (now = Date.now()): string {
  const epoch = Math.floor(now / 1000).toString(16).padStart(8, '0')
  return `Root=1-${epoch}-${random.hex(12)}`
}

/** Random bytes drawn from a pool refilled 4 KiB at a time: one call each costs microseconds. */
const random = {
  pool: Buffer.alloc(0),
  at: 0,
  hex (bytes: number): string {
    if (this.at + bytes > this.pool.length) { this.pool = randomBytes(4096); this.at = 0 }
    return this.pool.toString('hex', this.at, this.at += bytes)
  }
}

/** A request target with no character a URL would encode, `\`, dot segment nor `//` start. */
const PLAIN_TARGET = /^(\/(?!\/)[\w\-.~/!$&()*+,;=:@]*)(?:\?([\w\-.~/%!$&()*+,;=:@?]*))?$/

/** The path and query of a request target as `new URL` reads them; plain ones without one. */
function pathAndQuery (target: string): { path: string, query: string } {
  const plain = PLAIN_TARGET.exec(target)
  if (plain !== null && !plain[1].includes('/.')) return { path: plain[1], query: plain[2] ?? '' }
  const url = new URL(target, 'http://x')
  return { path: url.pathname, query: url.search.replace(/^\?/, '') }
}

function stripHop (headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = { ...headers }
  delete out.connection
  delete out['keep-alive']
  return out
}

function answer (res: http.ServerResponse, r: ElbResponse): void {
  if (res.headersSent) { res.destroy(); return }
  res.writeHead(r.statusCode, r.statusMessage, r.headers)
  res.end(res.req.method === 'HEAD' ? undefined : r.body)
}
