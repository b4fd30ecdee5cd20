/**
 * Task definitions: what RegisterTaskDefinition stores and DescribeTaskDefinition returns,
 * with the values ECS fills in, the launch types a definition is valid for, the revisions'
 * lifecycle (ACTIVE → INACTIVE → DELETE_IN_PROGRESS) and how a reference (`family`,
 * `family:revision` or ARN) names one. Pure functions; store/ecs/task-definitions.ts keeps
 * the results. The registration rules are in task-definition-validation.ts.
 */
import type { RequestContext } from '../iam/policy.js'
import type { WireTag } from '../../store/tags.js'
import { arns, parseArn, type Scope } from './arns.js'
import { requestTagContext } from './authz.js'
import { parseTaskCpu, parseTaskMemory } from './fargate.js'
import { expandRoleArn, isFargate, validateTaskDefinition } from './task-definition-validation.js'
import { requiresAttributes } from './requires-attributes.js'

export type NetworkMode = 'bridge' | 'host' | 'awsvpc' | 'none'
export type Compatibility = 'EC2' | 'FARGATE' | 'EXTERNAL' | 'MANAGED_INSTANCES'
export type TaskDefinitionStatus = 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS'

export interface KeyValuePair { name?: string, value?: string }
export interface Secret { name: string, valueFrom: string }

export interface PortMapping {
  containerPort?: number
  hostPort?: number
  protocol?: 'tcp' | 'udp'
  containerPortRange?: string
  [member: string]: unknown
}

export interface MountPoint { sourceVolume?: string, containerPath?: string, readOnly?: boolean }

export interface LogConfiguration {
  logDriver: string
  options?: Record<string, string>
  secretOptions?: Secret[]
}

export interface ContainerDefinition {
  name?: string
  image?: string
  repositoryCredentials?: { credentialsParameter: string }
  cpu?: number
  memory?: number
  memoryReservation?: number
  links?: string[]
  portMappings?: PortMapping[]
  essential?: boolean
  command?: string[]
  environment?: KeyValuePair[]
  environmentFiles?: { value: string, type: string }[]
  mountPoints?: MountPoint[]
  volumesFrom?: { sourceContainer?: string, readOnly?: boolean }[]
  linuxParameters?: {
    capabilities?: { add?: string[], drop?: string[] }
    devices?: unknown[]
    [member: string]: unknown
  }
  secrets?: Secret[]
  dependsOn?: unknown[]
  privileged?: boolean
  dockerSecurityOptions?: string[]
  dockerLabels?: Record<string, string>
  ulimits?: unknown[]
  logConfiguration?: LogConfiguration
  healthCheck?: unknown
  systemControls?: unknown[]
  resourceRequirements?: { type: string, value: string }[]
  firelensConfiguration?: { type: string, options?: Record<string, string> }
  restartPolicy?: { enabled?: boolean, ignoredExitCodes?: number[], restartAttemptPeriod?: number }
  [member: string]: unknown
}

export interface Volume {
  name?: string
  host?: { sourcePath?: string }
  dockerVolumeConfiguration?: unknown
  efsVolumeConfiguration?: { fileSystemId: string, [member: string]: unknown }
  fsxWindowsFileServerVolumeConfiguration?: unknown
  [member: string]: unknown
}

export interface RegisterTaskDefinitionRequest {
  family: string
  containerDefinitions: ContainerDefinition[]
  taskRoleArn?: string
  executionRoleArn?: string
  networkMode?: NetworkMode
  volumes?: Volume[]
  placementConstraints?: unknown[]
  requiresCompatibilities?: Compatibility[]
  cpu?: string
  memory?: string
  tags?: WireTag[]
  pidMode?: string
  ipcMode?: string
  proxyConfiguration?: unknown
  inferenceAccelerators?: unknown[]
  ephemeralStorage?: { sizeInGiB: number }
  runtimePlatform?: unknown
  enableFaultInjection?: boolean
}

export interface Attribute { name: string, value?: string }

export interface TaskDefinition {
  taskDefinitionArn: string
  containerDefinitions: ContainerDefinition[]
  family: string
  taskRoleArn?: string
  executionRoleArn?: string
  networkMode?: NetworkMode
  revision: number
  volumes: Volume[]
  status: TaskDefinitionStatus
  requiresAttributes: Attribute[]
  placementConstraints: unknown[]
  compatibilities: Compatibility[]
  runtimePlatform?: unknown
  requiresCompatibilities?: Compatibility[]
  cpu?: string
  memory?: string
  inferenceAccelerators?: unknown[]
  pidMode?: string
  ipcMode?: string
  proxyConfiguration?: unknown
  ephemeralStorage?: { sizeInGiB: number }
  enableFaultInjection?: boolean
  /** Epoch seconds with milliseconds, as every ECS timestamp. */
  registeredAt: number
  deregisteredAt?: number
  deleteRequestedAt?: number
  /** The caller's ARN as AWS shows it (`...:assumed-role/ROLE/SESSION` for role sessions). */
  registeredBy: string
}

export interface Registration {
  scope: Scope
  revision: number
  registeredBy: string
  now: Date
}

/**
 * The stored definition for a request that passed validation: role names expanded to ARNs,
 * cpu/memory as strings of integers, ECS's container defaults filled in.
 */
export function buildTaskDefinition (r: RegisterTaskDefinitionRequest,
  at: Registration): TaskDefinition {
  const account = at.scope.account
  const draft: TaskDefinition = compact({
    taskDefinitionArn: arns.taskDefinition(at.scope, r.family, at.revision),
    containerDefinitions: r.containerDefinitions.map(c => withContainerDefaults(c, r.networkMode)),
    family: r.family,
    taskRoleArn: optionalRole(r.taskRoleArn, account),
    executionRoleArn: optionalRole(r.executionRoleArn, account),
    networkMode: r.networkMode,
    revision: at.revision,
    volumes: (r.volumes ?? []).map(withVolumeDefaults),
    status: 'ACTIVE' as const,
    requiresAttributes: [],
    placementConstraints: r.placementConstraints ?? [],
    compatibilities: compatibilities(r),
    runtimePlatform: r.runtimePlatform,
    requiresCompatibilities: r.requiresCompatibilities,
    cpu: normalized(r.cpu, parseTaskCpu),
    memory: normalized(r.memory, parseTaskMemory),
    inferenceAccelerators: r.inferenceAccelerators,
    pidMode: r.pidMode,
    ipcMode: r.ipcMode,
    proxyConfiguration: r.proxyConfiguration,
    ephemeralStorage: r.ephemeralStorage,
    enableFaultInjection: r.enableFaultInjection,
    registeredAt: epochSeconds(at.now),
    registeredBy: at.registeredBy
  })
  return { ...draft, requiresAttributes: requiresAttributes(draft) }
}

/**
 * Every launch type the definition is valid for, in the order ECS lists them: EXTERNAL
 * (anything but awsvpc and the network file systems), EC2 (always), FARGATE (when the
 * Fargate rules hold for it, whether or not it asked for FARGATE).
 */
export function compatibilities (r: RegisterTaskDefinitionRequest): Compatibility[] {
  const out: Compatibility[] = []
  // (unconfirmed) that EFS and FSx volumes rule out EXTERNAL: ECS Anywhere does not support them
  const networkFiles = (r.volumes ?? []).some(v => v.efsVolumeConfiguration !== undefined ||
    v.fsxWindowsFileServerVolumeConfiguration !== undefined)
  if (r.networkMode !== 'awsvpc' && !networkFiles) out.push('EXTERNAL')
  out.push('EC2')
  if (validateTaskDefinition(asFargate(r)) === undefined) out.push('FARGATE')
  return out
}

const asFargate = (r: RegisterTaskDefinitionRequest): RegisterTaskDefinitionRequest => isFargate(r)
  ? r
  : { ...r, requiresCompatibilities: [...(r.requiresCompatibilities ?? []), 'FARGATE'] }

/**
 * The fields ECS adds to every container: cpu 0, no port mappings, essential, empty
 * environment, mount points, volumesFrom and systemControls; port mappings get protocol
 * tcp, and under awsvpc or host networking a host port equal to the container port.
 */
export function withContainerDefaults (c: ContainerDefinition,
  networkMode?: NetworkMode): ContainerDefinition {
  return {
    name: c.name,
    image: c.image,
    cpu: c.cpu ?? 0,
    ...c,
    portMappings: (c.portMappings ?? []).map(p => withPortDefaults(p, networkMode)),
    essential: c.essential ?? true,
    environment: c.environment ?? [],
    mountPoints: c.mountPoints ?? [],
    volumesFrom: c.volumesFrom ?? [],
    // (unconfirmed) for definitions registered through the API: outputs since 2024 list it
    // empty, and terraform-provider-aws #46132 strips it as noise
    systemControls: c.systemControls ?? []
  }
}

function withPortDefaults (p: PortMapping, networkMode?: NetworkMode): PortMapping {
  const sameAsContainer = networkMode === 'awsvpc' || networkMode === 'host'
  // (unconfirmed) bridge mode without a hostPort: ECS may store 0 (dynamic); we leave it out
  const hostPort = p.hostPort ?? (sameAsContainer ? p.containerPort : undefined)
  return compact({ ...p, hostPort, protocol: p.protocol ?? 'tcp' })
}

// (unconfirmed) a volume given only a name comes back with an empty `host`, as it does for
// definitions made through CloudFormation
function withVolumeDefaults (v: Volume): Volume {
  const typed = VOLUME_KINDS.some(kind => v[kind] !== undefined) || v.configuredAtLaunch === true
  return typed ? v : { ...v, host: {} }
}

const VOLUME_KINDS = ['host', 'dockerVolumeConfiguration', 'efsVolumeConfiguration',
  'fsxWindowsFileServerVolumeConfiguration', 's3filesVolumeConfiguration'] as const

const optionalRole = (value: string | undefined, account: string): string | undefined =>
  value === undefined || value === '' ? undefined : expandRoleArn(value, account)

function normalized (text: string | undefined,
  parse: (t: string) => number | undefined): string | undefined {
  if (text === undefined) return undefined
  const n = parse(text)
  return n === undefined ? text : String(n)
}

export const epochSeconds = (d: Date): number => d.getTime() / 1000

// --- lifecycle ---------------------------------------------------------------------------

/** INACTIVE from now on; a second deregistration changes nothing. */
export function deregister (td: TaskDefinition, now: Date): TaskDefinition {
  if (td.status !== 'ACTIVE') return td
  return { ...td, status: 'INACTIVE', deregisteredAt: epochSeconds(now) }
}

/** DELETE_IN_PROGRESS, for an INACTIVE revision (callers refuse ACTIVE ones first). */
export function requestDeletion (td: TaskDefinition, now: Date): TaskDefinition {
  if (td.status === 'DELETE_IN_PROGRESS') return td
  return { ...td, status: 'DELETE_IN_PROGRESS', deleteRequestedAt: epochSeconds(now) }
}

// --- references --------------------------------------------------------------------------

export interface TaskDefinitionRef { family: string, revision?: number }

const REF = /^([A-Za-z0-9_-]{1,255})(?::(\d+))?$/

/**
 * `family`, `family:revision`, or the ARN `arn:aws:ecs:REGION:ACCOUNT:task-definition/...`;
 * undefined when it is none of these or an ARN of another account or region.
 */
export function parseTaskDefinitionRef (ref: string, scope: Scope): TaskDefinitionRef | undefined {
  let name = ref
  if (ref.startsWith('arn:')) {
    const arn = parseArn(ref)
    const prefix = 'task-definition/'
    if (arn?.service !== 'ecs' || !arn.resource.startsWith(prefix)) return undefined
    if (arn.account !== scope.account || arn.region !== scope.region) return undefined
    name = arn.resource.slice(prefix.length)
  }
  const m = REF.exec(name)
  if (m === null) return undefined
  const revision = m[2] === undefined ? undefined : Number(m[2])
  if (revision !== undefined && (revision < 1 || !Number.isSafeInteger(revision))) return undefined
  return { family: m[1], revision }
}

export interface TaskDefinitionLookup {
  get (scope: Scope, family: string, revision: number): TaskDefinition | undefined
  latestActive (scope: Scope, family: string): TaskDefinition | undefined
}

/**
 * The definition a reference names: a revision whatever its status, or for a bare family
 * the latest ACTIVE revision. RunTask, CreateService and DescribeTaskDefinition use this.
 */
export function resolveTaskDefinition (store: TaskDefinitionLookup, scope: Scope,
  ref: string): TaskDefinition | undefined {
  const parsed = parseTaskDefinitionRef(ref, scope)
  if (parsed === undefined) return undefined
  return parsed.revision === undefined
    ? store.latestActive(scope, parsed.family)
    : store.get(scope, parsed.family, parsed.revision)
}

// --- authorization -----------------------------------------------------------------------

/**
 * The condition keys RegisterTaskDefinition sets (Service Authorization Reference): the tags,
 * `ecs:compute-compatibility` (requiresCompatibilities), `ecs:privileged`, and the task's
 * cpu and memory as numbers when ECS can read them.
 */
export function registerContext (r: RegisterTaskDefinitionRequest): RequestContext {
  // (unconfirmed) that ecs:privileged is 'false' rather than absent when no container asks
  const privileged = r.containerDefinitions.some(c => c.privileged === true)
  const context: RequestContext = {
    ...requestTagContext(r.tags),
    'ecs:privileged': String(privileged)
  }
  if (r.requiresCompatibilities !== undefined && r.requiresCompatibilities.length > 0) {
    context['ecs:compute-compatibility'] = [...r.requiresCompatibilities]
  }
  const cpu = r.cpu === undefined ? undefined : parseTaskCpu(r.cpu)
  const memory = r.memory === undefined ? undefined : parseTaskMemory(r.memory)
  if (cpu !== undefined) context['ecs:task-cpu'] = cpu
  if (memory !== undefined) context['ecs:task-memory'] = memory
  return context
}

// --- helpers -----------------------------------------------------------------------------

/** Drops JSON nulls everywhere: AWS reads a null member as an absent one. */
export function withoutNulls<T> (value: T): T {
  if (Array.isArray(value)) return value.filter(v => v !== null).map(withoutNulls) as T
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && v !== undefined) out[k] = withoutNulls(v)
  }
  return out as T
}

function compact<T extends object> (value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}
