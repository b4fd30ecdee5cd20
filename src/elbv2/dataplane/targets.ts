/** Where the data plane reaches a target, and which target takes the next request. */
import { networkInterfaces } from 'node:os'
import type { Elbv2Store } from '../../../store/elbv2.js'
import { cidrContains, failOpen } from '../rules.js'
import type { TargetDescription, TargetGroup, TargetGroupRecord } from '../types.js'

/**
 * Round robin over a group's routable targets: the healthy ones, else (failing open) the
 * unhealthy ones; targets still `initial` take nothing while others are routable. A group with
 * health checks off routes to every target.
 */
export class RoundRobin {
  readonly #turns = new Map<string, number>()

  constructor (readonly store: Elbv2Store) {}

  next (tg: TargetGroupRecord): TargetDescription | undefined {
    const arn = tg.targetGroup.TargetGroupArn
    const state = (t: TargetDescription) => tg.targetGroup.HealthCheckEnabled
      ? (this.store.cachedHealth(arn, t)?.State ?? 'initial')
      : 'healthy'
    const routable = failOpen(tg.targets, state)
    if (routable.length === 0) return undefined
    const turn = this.#turns.get(arn) ?? 0
    this.#turns.set(arn, turn + 1)
    return routable[turn % routable.length]
  }
}

/**
 * `ip` targets at their address; `instance` targets on 127.0.0.1 (emulated instances are this
 * host: a bridge task's host port listens there) at the target's port.
 */
export function targetAddress (tg: TargetGroup, t: TargetDescription): { host: string, port: number } {
  const port = t.Port ?? tg.Port ?? 80
  return { host: tg.TargetType === 'ip' ? t.Id : '127.0.0.1', port }
}

/**
 * Whether the data plane may contact the address: loopback, or a subnet of one of this host's
 * Docker bridges (`docker0`, `br-*`). Other addresses (a VPC's 172.31.x.x that exists only in
 * the emulator) are never probed nor sent requests.
 */
export function reachable (host: string): boolean {
  if (host.startsWith('127.') || host === '::1') return true
  return bridges().some(cidr => cidrContains(cidr, host))
}

let cached: { at: number, cidrs: string[] } | undefined

/** The IPv4 subnets of this host's Docker bridges, read again every 5 s. */
function bridges (now = Date.now()): string[] {
  if (cached !== undefined && now - cached.at < 5000) return cached.cidrs
  const cidrs = Object.entries(networkInterfaces())
    .filter(([name]) => name.startsWith('docker') || name.startsWith('br-'))
    .flatMap(([, addrs]) => (addrs ?? []).filter(a => a.family === 'IPv4' && a.cidr !== null))
    .map(a => a.cidr as string)
  cached = { at: now, cidrs }
  return cidrs
}
