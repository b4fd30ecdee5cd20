/**
 * The Docker create body of a task's container, as the agent builds it: the first-class ACS
 * members (image, command, entry point, environment, cpu, memory, ports, mounts, links),
 * merged over the `dockerConfig.config` / `hostConfig` JSON the control plane sends for
 * everything else, plus the variables ECS injects. Pure: the engine supplies names and ids.
 */
import type Docker from 'dockerode'
import type { AcsContainer, AcsTask } from '../acs-task.js'
import type { LogConfig } from '../startup/awslogs.js'

const MIB = 1024 * 1024
/** The agent's floor for CpuShares (Docker's minimum): a container with cpu 0 gets 2. */
const MIN_CPU_SHARES = 2

export type NetworkMode = 'bridge' | 'host' | 'none' | 'awsvpc'

export const networkModeOf = (task: AcsTask): NetworkMode => task.networkMode ?? 'bridge'

/** The JSON members of dockerConfig, read leniently (a malformed one counts as empty). */
export function dockerJson (text: string | undefined): Record<string, unknown> {
  if (text === undefined || text === '') return {}
  try {
    const v = JSON.parse(text) as unknown
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {}
  } catch {
    return {}
  }
}

export const logConfigOf = (c: AcsContainer): LogConfig | undefined =>
  dockerJson(c.dockerConfig?.hostConfig).LogConfig as LogConfig | undefined

export interface EnvironmentInputs {
  /** The base URL of the endpoint server as the container reaches it. */
  endpointBase: string
  /** True when the container reaches it on loopback (host mode): the full-URI variable then. */
  loopback: boolean
  metadataId: string
  region: string
  /** The image's own variables (`NAME=value`): AWS_REGION is set only if neither sets it. */
  imageEnv: string[]
  secrets: Record<string, string>
}

/**
 * The container's environment: its own variables, its secrets, then what ECS injects. Never
 * AWS_ACCESS_KEY_ID: the SDK inside finds the task role through the credentials URI.
 */
export function containerEnvironment (task: AcsTask, c: AcsContainer,
  e: EnvironmentInputs): Record<string, string> {
  const env: Record<string, string> = { ...(c.environment ?? {}), ...e.secrets }
  const own = new Set([...Object.keys(env), ...e.imageEnv.map(v => v.split('=')[0])])
  const credentialsId = task.roleCredentials?.credentialsId
  if (credentialsId !== undefined) {
    // (emulator) A host-mode container has no route to 169.254.170.2 here: it gets the full
    // URI on loopback, which the SDKs accept for http.
    if (e.loopback) env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${e.endpointBase}/v2/credentials/${credentialsId}`
    else env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI = `/v2/credentials/${credentialsId}`
  }
  env.ECS_CONTAINER_METADATA_URI_V4 = `${e.endpointBase}/v4/${e.metadataId}`
  env.ECS_CONTAINER_METADATA_URI = `${e.endpointBase}/v3/${e.metadataId}`
  env.AWS_EXECUTION_ENV = task.launchType === 'FARGATE' ? 'AWS_ECS_FARGATE' : 'AWS_ECS_EC2'
  if (!own.has('AWS_REGION') && !own.has('AWS_DEFAULT_REGION')) {
    env.AWS_REGION = e.region
    env.AWS_DEFAULT_REGION = e.region
  }
  // (emulator) Every SDK call from the task goes to the control plane through the agent.
  if (!own.has('AWS_ENDPOINT_URL')) env.AWS_ENDPOINT_URL = e.endpointBase
  return env
}

export interface BodyInputs {
  name: string
  labels: Record<string, string>
  env: Record<string, string>
  mode: NetworkMode
  /** The agent's network (bridge mode). */
  networkName: string
  /** The pause container's id (awsvpc). */
  pauseId?: string
  binds: string[]
  volumesFrom: string[]
  /** `dockerName:alias` for each link. */
  links: string[]
  /** What Docker is given as the log driver (awslogs is shipped by the agent instead). */
  logConfig?: LogConfig
}

export function createBody (task: AcsTask, c: AcsContainer,
  b: BodyInputs): Docker.ContainerCreateOptions {
  const config = dockerJson(c.dockerConfig?.config)
  const host = dockerJson(c.dockerConfig?.hostConfig)
  const ports = portConfig(c, b.mode)
  const hostConfig: Record<string, unknown> = {
    ...host,
    CpuShares: Math.max(c.cpu ?? 0, MIN_CPU_SHARES),
    NetworkMode: b.mode === 'awsvpc' ? `container:${b.pauseId}` : b.mode,
    Binds: [...(host.Binds as string[] | undefined ?? []), ...b.binds],
    VolumesFrom: b.volumesFrom,
    LogConfig: b.logConfig ?? { Type: 'json-file', Config: {} },
    ...namespaces(task, b.mode === 'awsvpc' ? b.pauseId : undefined)
  }
  if (c.memory !== undefined && c.memory > 0) hostConfig.Memory = c.memory * MIB
  if (b.mode === 'bridge') {
    hostConfig.PortBindings = ports.bindings
    hostConfig.Links = b.links // legacy links: Docker's default bridge, as on ECS
  }
  if (b.mode === 'awsvpc') {
    // Docker refuses these with a container network mode; the pause container owns them.
    for (const k of ['Dns', 'DnsSearch', 'DnsOptions', 'ExtraHosts', 'PortBindings']) delete hostConfig[k]
    delete config.Hostname
  }
  const body: Docker.ContainerCreateOptions = {
    ...config,
    name: b.name,
    Image: c.image,
    Env: Object.entries(b.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...(config.Labels as Record<string, string> | undefined ?? {}), ...b.labels },
    // A container sharing the pause container's namespace cannot expose ports of its own.
    ExposedPorts: b.mode === 'awsvpc' ? undefined : ports.exposed,
    HostConfig: hostConfig as Docker.HostConfig
  }
  if (c.command !== undefined) body.Cmd = c.command
  if (c.entryPoint !== undefined) body.Entrypoint = c.entryPoint
  return body
}

interface Ports {
  exposed: Record<string, object>
  bindings: Record<string, { HostPort: string }[]>
}

/** Bridge mode publishes each port; hostPort 0 or absent lets Docker choose one. */
function portConfig (c: AcsContainer, mode: NetworkMode): Ports {
  const out: Ports = { exposed: {}, bindings: {} }
  for (const p of c.portMappings ?? []) {
    if (p.containerPort === undefined) continue
    const key = `${p.containerPort}/${p.protocol ?? 'tcp'}`
    out.exposed[key] = {}
    if (mode !== 'bridge') continue
    const hostPort = p.hostPort === undefined || p.hostPort === 0 ? '' : String(p.hostPort)
    out.bindings[key] = [...(out.bindings[key] ?? []), { HostPort: hostPort }]
  }
  return out
}

/** The pause container of an awsvpc task: on the agent's network, doing nothing. */
export function pauseBody (name: string, labels: Record<string, string>, networkName: string,
  image: string, task: AcsTask): Docker.ContainerCreateOptions {
  const hostConfig: Docker.HostConfig = { NetworkMode: networkName, LogConfig: { Type: 'json-file', Config: {} } }
  // Its IPC namespace is the task's (ipcMode task): it must let the others join.
  if (task.ipcMode === 'task') hostConfig.IpcMode = 'shareable'
  return { name, Image: image, Labels: labels, HostConfig: hostConfig }
}

/**
 * pidMode / ipcMode: `host` shares the instance's namespace; `task` shares one among the
 * task's containers, which is the pause container's (awsvpc only: a bridge task's `task`
 * mode is not emulated); ipcMode `none` gives none.
 */
function namespaces (task: AcsTask, pauseId: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  const shared = pauseId === undefined ? undefined : `container:${pauseId}`
  if (task.pidMode === 'host') out.PidMode = 'host'
  else if (task.pidMode === 'task' && shared !== undefined) out.PidMode = shared
  if (task.ipcMode === 'host' || task.ipcMode === 'none') out.IpcMode = task.ipcMode
  else if (task.ipcMode === 'task' && shared !== undefined) out.IpcMode = shared
  return out
}
