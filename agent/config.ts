/**
 * The agent's configuration, read once: command-line flags first, then `ECS_EMULATOR_AGENT_*`
 * variables (and ECS_EMULATOR_PROC_SYS, ECS_EMULATOR_TIME_SCALE), then the defaults below. The
 * result is frozen; nothing else in agent/ reads process.env for these settings.
 */
import { isAbsolute } from 'node:path'

export interface AgentConfig {
  /** The control plane: the ECS API, `/_emulator/instances`, and the ACS/TCS websockets. */
  readonly endpoint: string
  /** The cluster to join, by name. `default` is created when missing, as the ECS agent does. */
  readonly cluster: string
  readonly instanceProfile: string
  /** Where `agent.json` (the instance id and container instance ARN) and task data live. */
  readonly dataDir: string
  /** Put on every container and network the agent makes. */
  readonly labels: Readonly<Record<string, string>>
  /** A Docker endpoint (`unix:///path` or `tcp://host:port`); else DOCKER_HOST, else the socket. */
  readonly dockerHost?: string
  /** The emulator's built-in agent: its instance also runs the cluster's Fargate tasks. */
  readonly fargateCapacity: boolean
  readonly logLevel: string
  /** The emulated EC2 instance this agent runs on (set by the launcher for RunInstances). */
  readonly instanceId?: string
  /**
   * Multiplies the agent's back-offs and retry waits (and the TCS publish interval): 1 behaves
   * as the ECS agent, tests use 0.01 or less. Heartbeat timeouts are not scaled: they answer
   * the control plane's clock.
   */
  readonly timeScale: number
  /**
   * A Docker network someone else made, for awsvpc tasks instead of the instance's own
   * (`ecs-emulator-<instanceId>`): docker-compose.yml's `ecs-emulator`, where the control plane
   * in a container of its own reaches them as `ip` targets. It must exist; it is never removed.
   */
  readonly agentNetwork?: string
  /**
   * Where the host's `/proc/sys` is, for the bridges' `route_localnet`: the emulator's own
   * container mounts the host's at /host/proc/sys (Docker mounts /proc/sys read-only there,
   * and nothing may be mounted over it).
   */
  readonly procSys: string
}

type Key = keyof AgentConfig

export const AGENT_DEFAULTS = Object.freeze({
  endpoint: 'http://127.0.0.1:4566',
  cluster: 'default',
  instanceProfile: 'ecs-emulator-instance-profile',
  fargateCapacity: false,
  logLevel: 'info',
  timeScale: 1,
  procSys: '/proc/sys'
})

const FLAGS: Record<string, Key> = {
  '--endpoint': 'endpoint',
  '--cluster': 'cluster',
  '--instance-profile': 'instanceProfile',
  '--data-dir': 'dataDir',
  '--label': 'labels',
  '--docker-host': 'dockerHost',
  '--log-level': 'logLevel',
  '--instance-id': 'instanceId',
  '--time-scale': 'timeScale',
  '--network': 'agentNetwork',
  '--proc-sys': 'procSys'
}

/** Flags that take no value. */
const SWITCHES: Record<string, Key> = { '--fargate-capacity': 'fargateCapacity' }

const ENV: Record<Key, string> = {
  endpoint: 'ECS_EMULATOR_AGENT_ENDPOINT',
  cluster: 'ECS_EMULATOR_AGENT_CLUSTER',
  instanceProfile: 'ECS_EMULATOR_AGENT_INSTANCE_PROFILE',
  dataDir: 'ECS_EMULATOR_AGENT_DATA_DIR',
  labels: 'ECS_EMULATOR_AGENT_LABELS',
  dockerHost: 'ECS_EMULATOR_AGENT_DOCKER_HOST',
  fargateCapacity: 'ECS_EMULATOR_AGENT_FARGATE_CAPACITY',
  logLevel: 'ECS_EMULATOR_AGENT_LOG_LEVEL',
  instanceId: 'ECS_EMULATOR_AGENT_INSTANCE_ID',
  timeScale: 'ECS_EMULATOR_AGENT_TIME_SCALE',
  agentNetwork: 'ECS_EMULATOR_AGENT_NETWORK',
  // Not ECS_EMULATOR_AGENT_*: docker-compose.yml and the testcontainers module set this name.
  procSys: 'ECS_EMULATOR_PROC_SYS'
}

export class AgentConfigError extends Error {
  readonly code = 'ECS_EMULATOR_AGENT_BAD_CONFIG'
}

interface Raw { values: Partial<Record<Key, string>>, labels: string[] }

/**
 * Reads flags (`--cluster prod` or `--cluster=prod`; `--label k=v` repeats) and the
 * environment (`ECS_EMULATOR_AGENT_LABELS=k=v,k2=v2`) into a frozen AgentConfig.
 */
export function loadAgentConfig (argv: readonly string[] = [], env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<AgentConfig> = {}): AgentConfig {
  const raw = fromEnv(env)
  readFlags(argv, raw)
  const parsed = parse(raw)
  const cluster = overrides.cluster ?? parsed.cluster ?? AGENT_DEFAULTS.cluster
  const dockerHost = overrides.dockerHost ?? parsed.dockerHost ?? nonEmpty(env.DOCKER_HOST)
  const config: AgentConfig = {
    ...AGENT_DEFAULTS,
    dataDir: `./data/agent-${cluster.split('/').pop()}`,
    ...parsed,
    ...overrides,
    cluster,
    dockerHost,
    labels: Object.freeze({ ...(parsed.labels ?? {}), ...(overrides.labels ?? {}) })
  }
  if (config.dockerHost === undefined) delete (config as { dockerHost?: string }).dockerHost
  return Object.freeze(config)
}

function fromEnv (env: NodeJS.ProcessEnv): Raw {
  const raw: Raw = { values: {}, labels: [] }
  // The emulator's own time scale, unless the agent's is set apart.
  const shared = nonEmpty(env.ECS_EMULATOR_TIME_SCALE)
  if (shared !== undefined) raw.values.timeScale = shared
  for (const key of Object.keys(ENV) as Key[]) {
    const value = nonEmpty(env[ENV[key]])
    if (value === undefined) continue
    if (key === 'labels') raw.labels.push(...value.split(',').filter(l => l !== ''))
    else raw.values[key] = value
  }
  return raw
}

function readFlags (argv: readonly string[], raw: Raw): void {
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2)
    const toggle = SWITCHES[flag]
    if (toggle !== undefined) {
      raw.values[toggle] = inline ?? 'true'
      continue
    }
    const key = FLAGS[flag]
    if (key === undefined) throw new AgentConfigError(`unknown option ${flag}`)
    const value = inline ?? argv[++i]
    if (value === undefined) throw new AgentConfigError(`option ${flag} needs a value`)
    if (key === 'labels') raw.labels.push(value)
    else raw.values[key] = value
  }
}

function parse (raw: Raw): Partial<AgentConfig> {
  const v = raw.values
  const out: Record<string, unknown> = { ...v }
  if (v.endpoint !== undefined) out.endpoint = endpoint(v.endpoint)
  const clusterArn = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[a-zA-Z0-9_-]{1,255}$/
  if (v.cluster !== undefined && !/^[a-zA-Z0-9_-]{1,255}$/.test(v.cluster) && !clusterArn.test(v.cluster)) {
    throw new AgentConfigError(`--cluster must be a cluster name (letters, digits, - and _) or ARN, not '${v.cluster}'`)
  }
  if (v.fargateCapacity !== undefined) out.fargateCapacity = bool('fargate-capacity', v.fargateCapacity)
  if (v.timeScale !== undefined) out.timeScale = positive('time-scale', v.timeScale)
  if (v.instanceId !== undefined && !/^i-[0-9a-f]{8,17}$/.test(v.instanceId)) {
    throw new AgentConfigError(`--instance-id must be an EC2 instance id (i-...), not '${v.instanceId}'`)
  }
  if (v.procSys !== undefined && !isAbsolute(v.procSys)) {
    throw new AgentConfigError(`--proc-sys must be an absolute path, not '${v.procSys}'`)
  }
  if (raw.labels.length > 0) out.labels = labels(raw.labels)
  return out as Partial<AgentConfig>
}

function endpoint (value: string): string {
  let url: URL
  try { url = new URL(value) } catch { throw new AgentConfigError(`--endpoint must be a URL, not '${value}'`) }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AgentConfigError(`--endpoint must be an http:// or https:// URL, not '${value}'`)
  }
  return value.replace(/\/+$/, '')
}

function labels (pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    if (at <= 0) throw new AgentConfigError(`--label must be key=value, not '${pair}'`)
    out[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return out
}

function bool (name: string, value: string): boolean {
  if (/^(true|1|yes)$/i.test(value)) return true
  if (/^(false|0|no)$/i.test(value)) return false
  throw new AgentConfigError(`--${name} must be true or false, not '${value}'`)
}

function positive (name: string, value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new AgentConfigError(`--${name} must be a positive number, not '${value}'`)
  return n
}

const nonEmpty = (v: string | undefined): string | undefined => v === undefined || v === '' ? undefined : v

export const AGENT_USAGE = `usage: ecs-emulator agent [options]

  --endpoint URL          the control plane (http://127.0.0.1:4566)     ECS_EMULATOR_AGENT_ENDPOINT
  --cluster NAME          the cluster to join (default)                  ECS_EMULATOR_AGENT_CLUSTER
  --instance-profile N    the instance's profile (ecs-emulator-instance-profile)
                                                                         ECS_EMULATOR_AGENT_INSTANCE_PROFILE
  --data-dir DIR          agent.json and task data (./data/agent-CLUSTER) ECS_EMULATOR_AGENT_DATA_DIR
  --label k=v             on every container and network (repeatable)    ECS_EMULATOR_AGENT_LABELS (k=v,k=v)
  --docker-host URL       the Docker engine (DOCKER_HOST, else the socket) ECS_EMULATOR_AGENT_DOCKER_HOST
  --fargate-capacity      the instance also runs Fargate tasks           ECS_EMULATOR_AGENT_FARGATE_CAPACITY
  --instance-id i-...     the emulated EC2 instance to run as            ECS_EMULATOR_AGENT_INSTANCE_ID
  --log-level L           pino level (info)                              ECS_EMULATOR_AGENT_LOG_LEVEL
  --time-scale X          multiply back-offs and retry waits by X (1)    ECS_EMULATOR_AGENT_TIME_SCALE
                          (else ECS_EMULATOR_TIME_SCALE, the emulator's)
  --network NAME          an existing network for awsvpc tasks           ECS_EMULATOR_AGENT_NETWORK
                          (else the instance's own, ecs-emulator-INSTANCE)
  --proc-sys DIR          where the host's /proc/sys is (/proc/sys)      ECS_EMULATOR_PROC_SYS
`
