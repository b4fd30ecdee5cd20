/** Where the data plane reaches a target, and which target takes the next request. */
import { networkInterfaces } from 'node:os'
import type { Elbv2Store } from '../../../store/elbv2.js'
import { DEFAULTS, instancesApart } from '../../config.js'
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
 * Where the data plane reaches targets and which addresses it may contact. `instance` targets'
 * host ports are on the instance host: 127.0.0.1 (emulated instances are this host), or
 * `Config.instanceHost` when the control plane runs in a container of its own
 * (docker-compose.yml: `host.docker.internal`, the Docker host's gateway address).
 */
export class TargetDialer {
  #bridges: { at: number, cidrs: string[] } | undefined

  constructor (readonly instanceHost = DEFAULTS.instanceHost) {}

  /**
   * `ip` targets at their address; `instance` targets on the instance host (a bridge task's
   * host port listens there) at the target's port.
   */
  address (tg: TargetGroup, t: TargetDescription): { host: string, port: number } {
    const port = t.Port ?? tg.Port ?? 80
    return { host: tg.TargetType === 'ip' ? t.Id : this.instanceHost, port }
  }

  /**
   * Whether the data plane may contact the address: loopback, the instance host, or a subnet
   * of one of this host's Docker bridges (`docker0`, `br-*`). Other addresses (a VPC's
   * 172.31.x.x that exists only in the emulator) are never probed nor sent requests.
   */
  reachable (host: string): boolean {
    if (host.startsWith('127.') || host === '::1' || host === this.instanceHost) return true
    return this.#bridgeSubnets().some(cidr => cidrContains(cidr, host))
  }

  /** The IPv4 subnets of this host's Docker bridges, read again every 5 s. */
  #bridgeSubnets (now = Date.now()): string[] {
    if (this.#bridges !== undefined && now - this.#bridges.at < 5000) return this.#bridges.cidrs
    // In a container of its own (the instances apart), the control plane's interfaces are its
    // Docker networks, where awsvpc tasks join it.
    const inContainer = instancesApart(this)
    const cidrs = Object.entries(networkInterfaces())
      .filter(([name]) => name.startsWith('docker') || name.startsWith('br-') || (inContainer && name !== 'lo'))
      .flatMap(([, addrs]) => (addrs ?? []).filter(a => a.family === 'IPv4' && a.cidr !== null))
      .map(a => a.cidr as string)
    this.#bridges = { at: now, cidrs }
    return cidrs
  }
}
