/**
 * Health checks of the data plane: each registered target of a group a listener uses is
 * probed every `HealthCheckIntervalSeconds` (times the time scale) on the group's path and
 * port (the first probe at once), and its state moves `initial` → `healthy` after one success,
 * `unhealthy` → `healthy` after `HealthyThresholdCount` successes in a row, and to `unhealthy`
 * after `UnhealthyThresholdCount` failures in a row, with ALB's reason codes. The descriptions
 * are those real load balancers were seen reporting. Every change is recorded on
 * `emulator.elbv2.health`, which DescribeTargetHealth reads.
 */
import http from 'node:http'
import net from 'node:net'
import type { Elbv2Store } from '../../../store/elbv2.js'
import type { TargetDescription, TargetGroup, TargetGroupRecord, TargetHealthState } from '../types.js'
import type { TargetDialer } from './targets.js'

type Probe = { ok: true } | { ok: false, reason: string, description: string }

interface Prober {
  target: TargetDescription
  timer?: NodeJS.Timeout
  successes: number
  failures: number
  state: TargetHealthState
}

const keyOf = (tgArn: string, t: TargetDescription) => `${tgArn}|${t.Id}|${t.Port ?? ''}`

export class HealthChecker {
  readonly #probers = new Map<string, Prober>()
  #closed = false

  constructor (readonly store: Elbv2Store, readonly scale: number, readonly dialer: TargetDialer) {}

  /** Starts probing new targets of the groups in use and stops probing the others. */
  sync (groups: TargetGroupRecord[]): void {
    const wanted = new Set<string>()
    for (const tg of groups) {
      if (!tg.targetGroup.HealthCheckEnabled || tg.targetGroup.TargetType === 'lambda') continue
      for (const t of tg.targets) {
        if (!this.dialer.reachable(this.dialer.address(tg.targetGroup, t).host)) continue
        const key = keyOf(tg.targetGroup.TargetGroupArn, t)
        wanted.add(key)
        if (!this.#probers.has(key)) this.#start(key, tg.targetGroup.TargetGroupArn, t)
      }
    }
    for (const [key, p] of this.#probers) {
      if (!wanted.has(key)) { clearTimeout(p.timer); this.#probers.delete(key) }
    }
  }

  close (): void {
    this.#closed = true
    for (const p of this.#probers.values()) clearTimeout(p.timer)
    this.#probers.clear()
  }

  #start (key: string, tgArn: string, target: TargetDescription): void {
    const prober: Prober = { target, successes: 0, failures: 0, state: 'initial' }
    this.#probers.set(key, prober)
    if (this.store.health.get(tgArn, target) === undefined) {
      this.store.health.set(tgArn, target, 'initial', 'Elb.InitialHealthChecking',
        'Initial health checks in progress')
    }
    const tick = () => {
      if (this.#closed || this.#probers.get(key) !== prober) return
      const tg = this.store.get<TargetGroupRecord>('target-group', tgArn)
      if (tg === undefined) return
      void probe(tg.targetGroup, target, this.scale, this.dialer).then(result => {
        if (this.#closed || this.#probers.get(key) !== prober) return
        this.#record(tg.targetGroup, prober, result)
        prober.timer = setTimeout(tick, this.#interval(tg.targetGroup))
        prober.timer.unref()
      })
    }
    prober.timer = setTimeout(tick, 0)
    prober.timer.unref()
  }

  #interval (tg: TargetGroup): number {
    return (tg.HealthCheckIntervalSeconds ?? 30) * 1000 * this.scale
  }

  #record (tg: TargetGroup, p: Prober, result: Probe): void {
    const arn = tg.TargetGroupArn
    if (result.ok) {
      p.successes++
      p.failures = 0
      // "After your target is registered, it must pass one health check to be considered
      // healthy" (ALB's health check page); an unhealthy one needs HealthyThresholdCount.
      const needed = p.state === 'initial' ? 1 : (tg.HealthyThresholdCount ?? 5)
      if (p.state !== 'healthy' && p.successes >= needed) {
        p.state = 'healthy'
        this.store.health.set(arn, p.target, 'healthy')
      }
      return
    }
    p.failures++
    p.successes = 0
    if (p.failures >= (tg.UnhealthyThresholdCount ?? 2)) {
      const changed = p.state !== 'unhealthy'
      p.state = 'unhealthy'
      if (changed || this.store.health.get(arn, p.target)?.Reason !== result.reason) {
        this.store.health.set(arn, p.target, 'unhealthy', result.reason, result.description)
      }
    }
  }
}

/**
 * How long a probe may take, in ms. The time scale shortens AWS's waits, but a timeout bounds
 * a real round trip, which a busy machine does not make shorter: scaled, it stays at least a
 * second (or the timeout itself, were that less), so that a target healthy on AWS is not
 * failed here for answering in 100 ms.
 */
export function probeTimeout (tg: TargetGroup, scale: number): number {
  const timeout = (tg.HealthCheckTimeoutSeconds ?? 5) * 1000
  return Math.max(timeout * scale, Math.min(timeout, 1000))
}

/** One health check request; resolves with ALB's reason when it fails. */
export function probe (tg: TargetGroup, target: TargetDescription, scale: number,
  dialer: TargetDialer): Promise<Probe> {
  const { host, port: trafficPort } = dialer.address(tg, target)
  const port = tg.HealthCheckPort === undefined || tg.HealthCheckPort === 'traffic-port'
    ? trafficPort
    : Number(tg.HealthCheckPort)
  const timeout = probeTimeout(tg, scale)
  if (tg.HealthCheckProtocol === 'TCP') return connects(host, port, timeout)
  return new Promise(resolve => {
    const req = http.request({
      host, port, path: tg.HealthCheckPath ?? '/', method: 'GET', agent: false,
      headers: { 'user-agent': 'ELB-HealthChecker/2.0', connection: 'close' }
    }, res => {
      res.resume()
      const code = res.statusCode ?? 0
      resolve(matches(tg.Matcher?.HttpCode ?? '200', code)
        ? { ok: true }
        : {
            ok: false,
            reason: 'Target.ResponseCodeMismatch',
            description: `Health checks failed with these codes: [${code}]`
          })
    })
    req.setTimeout(timeout, () => {
      req.destroy()
      resolve({ ok: false, reason: 'Target.Timeout', description: 'Request timed out' })
    })
    req.on('error', () =>
      resolve({ ok: false, reason: 'Target.FailedHealthChecks', description: 'Health checks failed' }))
    req.end()
  })
}

/** NLB's TCP health check: the connection opens within the timeout. */
function connects (host: string, port: number, timeout: number): Promise<Probe> {
  return new Promise(resolve => {
    const socket = net.connect(port, host)
    socket.setTimeout(timeout, () => {
      socket.destroy()
      resolve({ ok: false, reason: 'Target.Timeout', description: 'Request timed out' })
    })
    socket.once('connect', () => { socket.destroy(); resolve({ ok: true }) })
    socket.once('error', () =>
      resolve({ ok: false, reason: 'Target.FailedHealthChecks', description: 'Health checks failed' }))
  })
}

/** ALB's matcher: `200`, `200-299`, `200,302`, and mixes of these. */
export function matches (matcher: string, code: number): boolean {
  return matcher.split(',').map(s => s.trim()).some(part => {
    const [low, high] = part.split('-').map(Number)
    return high === undefined ? code === low : code >= low && code <= high
  })
}
