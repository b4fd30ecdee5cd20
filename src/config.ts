/**
 * Configuration, read once: command-line flags first, then `ECS_EMULATOR_*` variables, then the
 * defaults below. The result is frozen; nothing else reads process.env for these settings.
 */

import { isIP } from 'node:net'

export type AuthMode = 'strict' | 'open'
export type IamMode = 'enforce' | 'soft'

export interface Config {
  readonly host: string
  readonly port: number
  /** A directory for `state.db`, or `:memory:`. */
  readonly dataDir: string
  readonly region: string
  readonly accountId: string
  readonly auth: AuthMode
  readonly iam: IamMode
  readonly logLevel: string
  /** Oldest decisions beyond this many are pruned (count of rows). */
  readonly decisionLogLimit: number
  /**
   * `up` starts the built-in agent (one container instance on the local Docker engine), and
   * RunInstances starts an agent per instance; off with `--no-agent`.
   */
  readonly agent: boolean
  /** `up` starts its built-in agent; off with `--no-built-in-agent` (RunInstances' still start). */
  readonly builtInAgent: boolean
  /**
   * The agents `up` starts run as containers of this image, on the host's network, instead of
   * as child processes: for a control plane that runs in a container itself (docker-compose.yml).
   */
  readonly agentImage?: string
  /** The control plane as the agents `up` starts call it, when not where it listens. */
  readonly agentEndpoint?: string
  /**
   * Multiplies AWS's delays: health check intervals and timeouts (a probe gets 1 s at least),
   * the deregistration delay, the health check grace period, the scheduler's back-off and
   * retries (0.05: a 300 s deregistration delay lasts 15 s). 1 is AWS's own timing.
   */
  readonly timeScale: number
  /**
   * The port of the ECR registry (Docker Registry HTTP API v2) on 127.0.0.1, which every
   * `repositoryUri` names; 0 takes a free one (`GET /_emulator/health` says which). Unless set,
   * the port after `port` (4567), or a free one when `port` is 0.
   */
  readonly registryPort: number
  /**
   * Where the control plane reaches the emulated instances: the host ports of their `instance`
   * targets, and (when not this host's loopback) the address their metadata services face.
   * 127.0.0.1 when the instances are this host; `host.docker.internal` when the control plane
   * runs in a container of its own (docker-compose.yml).
   */
  readonly instanceHost: string
}

export const DEFAULTS: Config = Object.freeze({
  host: '127.0.0.1',
  port: 4566,
  dataDir: './data',
  region: 'us-east-1',
  accountId: '000000000000',
  auth: 'strict',
  iam: 'enforce',
  logLevel: 'info',
  decisionLogLimit: 200_000, // rows
  agent: true,
  builtInAgent: true,
  timeScale: 1,
  registryPort: 4567,
  instanceHost: '127.0.0.1'
})

const FLAGS: Record<string, keyof Config> = {
  '--host': 'host',
  '--port': 'port',
  '--data-dir': 'dataDir',
  '--region': 'region',
  '--account-id': 'accountId',
  '--auth': 'auth',
  '--iam': 'iam',
  '--log-level': 'logLevel',
  '--decision-log-limit': 'decisionLogLimit',
  '--time-scale': 'timeScale',
  '--registry-port': 'registryPort',
  '--instance-host': 'instanceHost',
  '--agent-image': 'agentImage',
  '--agent-endpoint': 'agentEndpoint'
}

/** Flags that take no value, and the value they stand for. */
const SWITCHES: Record<string, [keyof Config, string]> = {
  '--no-agent': ['agent', 'false'],
  '--no-built-in-agent': ['builtInAgent', 'false']
}

const ENV: Record<keyof Config, string> = {
  host: 'ECS_EMULATOR_HOST',
  port: 'ECS_EMULATOR_PORT',
  dataDir: 'ECS_EMULATOR_DATA_DIR',
  region: 'ECS_EMULATOR_REGION',
  accountId: 'ECS_EMULATOR_ACCOUNT_ID',
  auth: 'ECS_EMULATOR_AUTH',
  iam: 'ECS_EMULATOR_IAM',
  logLevel: 'ECS_EMULATOR_LOG_LEVEL',
  decisionLogLimit: 'ECS_EMULATOR_DECISION_LOG_LIMIT',
  agent: 'ECS_EMULATOR_AGENT',
  builtInAgent: 'ECS_EMULATOR_BUILT_IN_AGENT',
  agentImage: 'ECS_EMULATOR_AGENT_IMAGE',
  // The agent's own variable for the same thing (agent/config.ts).
  agentEndpoint: 'ECS_EMULATOR_AGENT_ENDPOINT',
  timeScale: 'ECS_EMULATOR_TIME_SCALE',
  registryPort: 'ECS_EMULATOR_REGISTRY_PORT',
  instanceHost: 'ECS_EMULATOR_INSTANCE_HOST'
}

export class ConfigError extends Error {
  readonly code = 'ECS_EMULATOR_BAD_CONFIG'
}

/** Reads flags (`--port 4600` or `--port=4600`) and the environment into a frozen Config. */
export function loadConfig (
  argv: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {}
): Config {
  const raw: Partial<Record<keyof Config, string>> = {}
  for (const key of Object.keys(ENV) as (keyof Config)[]) {
    const value = env[ENV[key]]
    if (value !== undefined && value !== '') raw[key] = value
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2)
    const toggle = SWITCHES[flag]
    if (toggle !== undefined && inline === undefined) {
      raw[toggle[0]] = toggle[1]
      continue
    }
    const key = FLAGS[flag]
    if (key === undefined) throw new ConfigError(`unknown option ${flag}`)
    const value = inline ?? argv[++i]
    if (value === undefined) throw new ConfigError(`option ${flag} needs a value`)
    raw[key] = value
  }
  const config = { ...DEFAULTS, ...parse(raw), ...overrides }
  if (raw.registryPort === undefined && overrides.registryPort === undefined) {
    config.registryPort = config.port === 0 ? 0 : Math.min(config.port + 1, 65535)
  }
  return Object.freeze(config)
}

function parse (raw: Partial<Record<keyof Config, string>>): Partial<Config> {
  const out: Record<string, unknown> = { ...raw }
  if (raw.port !== undefined) out.port = integer('port', raw.port, 0, 65535)
  if (raw.registryPort !== undefined) {
    out.registryPort = integer('registry-port', raw.registryPort, 0, 65535)
  }
  if (raw.decisionLogLimit !== undefined) {
    out.decisionLogLimit = integer('decision-log-limit', raw.decisionLogLimit, 1000, 1e9)
  }
  if (raw.agent !== undefined) out.agent = bool('ECS_EMULATOR_AGENT', raw.agent)
  if (raw.builtInAgent !== undefined) out.builtInAgent = bool('ECS_EMULATOR_BUILT_IN_AGENT', raw.builtInAgent)
  if (raw.agentEndpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(raw.agentEndpoint)) {
    throw new ConfigError(`--agent-endpoint must be a URL such as http://127.0.0.1:4566, not '${raw.agentEndpoint}'`)
  }
  if (raw.timeScale !== undefined) {
    const scale = Number(raw.timeScale)
    if (!Number.isFinite(scale) || scale <= 0 || scale > 1000) {
      throw new ConfigError(`--time-scale must be a number above 0 (1 is AWS's timing), not '${raw.timeScale}'`)
    }
    out.timeScale = scale
  }
  if (raw.auth !== undefined) oneOf('auth', raw.auth, ['strict', 'open'])
  if (raw.iam !== undefined) oneOf('iam', raw.iam, ['enforce', 'soft'])
  if (raw.accountId !== undefined && !/^\d{12}$/.test(raw.accountId)) {
    throw new ConfigError(`--account-id must be 12 digits, not '${raw.accountId}'`)
  }
  if (raw.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(raw.region)) {
    throw new ConfigError(`--region must be an AWS region name such as us-east-1, not '${raw.region}'`)
  }
  const instanceHost = raw.instanceHost
  if (instanceHost !== undefined && isIP(instanceHost) === 0 && !HOST_NAME.test(instanceHost)) {
    throw new ConfigError(
      `--instance-host must be a host name or IP address (no scheme or port), not '${instanceHost}'`)
  }
  return out as Partial<Config>
}

/** Dot-separated labels of letters, digits, - and _ (Docker's DNS answers service names with _). */
const HOST_NAME = /^[\w-]+(\.[\w-]+)*$/

/**
 * Whether the instances are somewhere other than this host's loopback: the control plane then
 * runs in a container apart from them, and faces them on its own non-loopback addresses.
 */
export function instancesApart (config: Pick<Config, 'instanceHost'>): boolean {
  const host = config.instanceHost
  return !(host.startsWith('127.') || host === '::1' || host === 'localhost')
}

function integer (name: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`--${name} must be an integer from ${min} to ${max}, not '${value}'`)
  }
  return n
}

function bool (name: string, value: string): boolean {
  if (/^(true|1|yes|on)$/i.test(value)) return true
  if (/^(false|0|no|off)$/i.test(value)) return false
  throw new ConfigError(`${name} must be true or false, not '${value}'`)
}

function oneOf (name: string, value: string, allowed: string[]): void {
  if (!allowed.includes(value)) {
    throw new ConfigError(`--${name} must be one of ${allowed.join(', ')}, not '${value}'`)
  }
}
