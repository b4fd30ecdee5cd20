/**
 * The routes that make 169.254.170.2 (the task metadata and credentials address) reach the
 * agent's endpoint server, with `route_localnet` so that the rewritten packets may go to
 * 127.0.0.1. `bridge` tasks run on Docker's default bridge, as ECS runs them (their legacy
 * links work there, and a container starts about 100 ms sooner than on a network of its own):
 * each container's address gets a DNAT rule of its own once it has started, so several agents
 * and test runs on one engine never share a rule. awsvpc tasks' pause containers run on the
 * agent's own network `ecs-emulator-<instanceId>`, routed by one rule for its bridge. Without
 * iptables the agent still runs; its containers then cannot reach 169.254.170.2.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import type Docker from 'dockerode'
import type { Logger } from 'pino'
import { AGENT_DEFAULTS } from './config.js'

const run = promisify(execFile)

export const METADATA_ADDRESS = '169.254.170.2'
export const INSTANCE_LABEL = 'ecs-emulator.instance-id'

export interface AgentNetwork {
  name: string
  id: string
  /** The Linux bridge interface behind it (`br-<id prefix>`). */
  bridge: string
}

export const networkName = (instanceId: string): string => `ecs-emulator-${instanceId}`

/**
 * Creates the instance's network, or takes the one an earlier run of the agent made, or the
 * one `given` names (`AgentConfig.agentNetwork`, which must exist). A given network was made
 * by someone else (docker-compose.yml's `ecs-emulator`, where the control plane in a container
 * of its own reaches awsvpc tasks as `ip` targets): it is used as it is and never removed.
 */
export async function ensureAgentNetwork (docker: Docker, instanceId: string,
  labels: Record<string, string>, given?: string): Promise<AgentNetwork> {
  if (given !== undefined) {
    const found = await findNetwork(docker, given)
    if (found === undefined) {
      throw new Error(`the agent network ${given} (--network, ECS_EMULATOR_AGENT_NETWORK) does not exist`)
    }
    return found
  }
  const name = networkName(instanceId)
  const existing = await findNetwork(docker, name)
  if (existing !== undefined) return existing
  try {
    await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { ...labels, [INSTANCE_LABEL]: instanceId }
    })
  } catch (e) {
    // Made meanwhile by another start of this agent: use it.
    if ((e as { statusCode?: number }).statusCode !== 409) throw e
  }
  const made = await findNetwork(docker, name)
  if (made === undefined) throw new Error(`network ${name} was created but cannot be found`)
  return made
}

async function findNetwork (docker: Docker, name: string): Promise<AgentNetwork | undefined> {
  const found = await docker.listNetworks({ filters: { name: [name] } })
  const match = found.find(n => n.Name === name)
  if (match === undefined) return undefined
  const info = await docker.getNetwork(match.Id).inspect() as {
    Id: string, Options?: Record<string, string>
  }
  const bridge = info.Options?.['com.docker.network.bridge.name'] ?? `br-${info.Id.slice(0, 12)}`
  return { name, id: info.Id, bridge }
}

export interface MetadataRoute {
  /** False when iptables could not be used. */
  readonly active: boolean
  close (): Promise<void>
}

/**
 * `iptables -t nat -I PREROUTING -i BRIDGE -d 169.254.170.2 -p tcp --dport 80 -j DNAT
 * --to-destination 127.0.0.1:PORT`, after removing any rule for this bridge an earlier run
 * left with another port. Idempotent; the rule goes in close().
 */
export async function routeMetadataAddress (bridge: string, port: number,
  log: Logger, procSys?: string): Promise<MetadataRoute> {
  const rule = metadataRule(bridge, port)
  try {
    await removeStale(bridge, port)
    if (!await exists(rule)) await iptables(['-t', 'nat', '-I', 'PREROUTING', ...rule])
    await allowLocalnet(bridge, procSys)
  } catch (e) {
    log.warn({ err: { message: (e as Error).message }, bridge },
      'iptables is unavailable: containers on the agent network cannot reach 169.254.170.2 (task credentials and metadata)')
    return { active: false, close: async () => {} }
  }
  log.info({ bridge, port }, 'routing 169.254.170.2 to the endpoint server')
  return {
    active: true,
    close: async () => {
      try {
        while (await exists(rule)) await iptables(['-t', 'nat', '-D', 'PREROUTING', ...rule])
      } catch (e) {
        log.warn({ err: { message: (e as Error).message }, bridge }, 'cannot remove the 169.254.170.2 rule')
      }
    }
  }
}

async function iptables (args: string[]): Promise<string> {
  const { stdout } = await run('iptables', ['-w', '5', ...args], { timeout: 10_000 })
  return stdout
}

async function exists (rule: string[]): Promise<boolean> {
  try {
    await iptables(['-t', 'nat', '-C', 'PREROUTING', ...rule])
    return true
  } catch (e) {
    // `-C` exits 1 when the rule is absent; anything else (no iptables at all) is a failure.
    if ((e as { code?: unknown }).code === 1) return false
    throw e
  }
}

/**
 * 169.254.170.2 rules an earlier run left: for this bridge with another port, and for bridges
 * that no longer exist (an agent that ended without closing; a rule is only ever added once
 * its bridge exists, so such a rule belongs to nobody).
 */
async function removeStale (bridge: string, port: number): Promise<void> {
  await deleteRules(line => {
    const iface = /-i (\S+) /.exec(line)?.[1]
    if (!line.includes('-j DNAT') || iface === undefined) return false
    return iface === bridge
      ? !line.includes(`127.0.0.1:${port}`)
      : !existsSync(`/sys/class/net/${iface}`)
  })
}

/** The DNAT of 169.254.170.2:80 arriving on `bridge` (from `source` only, when given) to 127.0.0.1:PORT. */
function metadataRule (bridge: string, port: number, source?: string): string[] {
  return ['-i', bridge, ...(source === undefined ? [] : ['-s', `${source}/32`]),
    '-d', `${METADATA_ADDRESS}/32`, '-p', 'tcp', '-m', 'tcp', '--dport', '80',
    '-j', 'DNAT', '--to-destination', `127.0.0.1:${port}`]
}

/** Deletes the nat PREROUTING rules for 169.254.170.2 that `stale` picks (as `iptables -S` prints them). */
async function deleteRules (stale: (line: string) => boolean): Promise<void> {
  const listing = await iptables(['-t', 'nat', '-S', 'PREROUTING'])
  for (const line of listing.split('\n')) {
    const ours = line.startsWith('-A PREROUTING ') && line.includes(`${METADATA_ADDRESS}/32`)
    if (ours && stale(line)) await iptables(['-t', 'nat', '-D', ...line.slice(3).trim().split(/\s+/)])
  }
}

/** Docker's default network, where `bridge` tasks run. */
export const DEFAULT_NETWORK = 'bridge'

/** The Linux interface behind Docker's default network (`docker0` unless configured otherwise). */
export async function defaultBridge (docker: Docker): Promise<string> {
  const info = await docker.getNetwork(DEFAULT_NETWORK).inspect() as { Options?: Record<string, string> }
  return info.Options?.['com.docker.network.bridge.name'] ?? 'docker0'
}

/**
 * One DNAT rule per container address on the default bridge, added once the container has
 * started (its address is Docker's to choose) and removed when it exits, since another
 * container may get the address next.
 */
export class ContainerRoutes {
  readonly #routed = new Set<string>()
  #active = false
  /** iptables changes in the order asked: a quick exit's removal must follow its addition. */
  #queue: Promise<void> = Promise.resolve()

  constructor (readonly bridge: string, readonly port: number, readonly log: Logger,
    readonly procSys?: string) {}

  /** route_localnet for the bridge, and this port's rules an earlier run of the agent left. */
  async start (): Promise<void> {
    try {
      await deleteRules(line => line.includes(`-i ${this.bridge} `) && line.includes(' -s ') &&
        line.endsWith(`127.0.0.1:${this.port}`))
      await allowLocalnet(this.bridge, this.procSys)
      this.#active = true
    } catch (e) {
      this.log.warn({ err: { message: (e as Error).message }, bridge: this.bridge },
        'iptables is unavailable: bridge containers cannot reach 169.254.170.2 (task credentials and metadata)')
    }
  }

  async add (ip: string): Promise<void> {
    if (!this.#active || this.#routed.has(ip)) return
    this.#routed.add(ip)
    await this.#change('-I', ip)
  }

  async remove (ip: string): Promise<void> {
    if (!this.#routed.delete(ip)) return
    await this.#change('-D', ip)
  }

  async close (): Promise<void> {
    for (const ip of [...this.#routed]) await this.remove(ip)
  }

  #change (op: '-I' | '-D', ip: string): Promise<void> {
    this.#queue = this.#queue.then(async () => await this.#run(op, ip))
    return this.#queue
  }

  async #run (op: '-I' | '-D', ip: string): Promise<void> {
    try {
      await iptables(['-t', 'nat', op, 'PREROUTING', ...metadataRule(this.bridge, this.port, ip)])
    } catch (e) {
      this.log.warn({ err: { message: (e as Error).message }, ip }, 'cannot change the 169.254.170.2 route of a container')
    }
  }
}

/**
 * Writes the bridge's `net.ipv4` sysctl under `procSys` (`AgentConfig.procSys`: `/proc/sys`, or
 * the host's copy mounted into the emulator's own container), else asks sysctl.
 */
async function allowLocalnet (bridge: string,
  procSys: string = AGENT_DEFAULTS.procSys): Promise<void> {
  try {
    await writeFile(`${procSys}/net/ipv4/conf/${bridge}/route_localnet`, '1')
  } catch {
    await run('sysctl', ['-w', `net.ipv4.conf.${bridge}.route_localnet=1`], { timeout: 10_000 })
  }
}
