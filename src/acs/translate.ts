/**
 * A task as ACS hands it to the agent: the TaskRecord, its task definition and RunTask's
 * container overrides become the `Task` / `Container` JSON of a PayloadMessage
 * (`ecs-agent/acs/model/api/api-2.json`). The first-class members are the ones the agent reads
 * as such; everything else a container definition says goes, as Docker's own create-body
 * fields, into the `dockerConfig.config` and `dockerConfig.hostConfig` JSON strings, which the
 * agent merges into the container it creates. Pure functions: the hub looks up what they need.
 */
import { parseArn } from '../ecs/arns.js'
import { isoSeconds } from '../time.js'
import type {
  ContainerDefinition, KeyValuePair, PortMapping, Secret, TaskDefinition, Volume
} from '../ecs/task-definition.js'
import type { ContainerOverride, TaskRecord, TaskRoleSession } from '../ecs/task.js'
import type {
  AcsContainer, AcsElasticNetworkInterface, AcsPortMapping, AcsRegistryAuthentication,
  AcsSecret, AcsTask, AcsVolume, IamRoleCredentials
} from './protocol.js'

export interface TaskCredentials {
  task?: IamRoleCredentials
  execution?: IamRoleCredentials
}

export interface TranslateOptions {
  /**
   * The emulator's URL, sent as `ecrAuthData.endpointOverride` so that an agent asks the
   * emulator, not AWS, for ECR authorization (an emulator choice: AWS leaves it out).
   */
  ecrEndpoint?: string
  /**
   * The emulator's registry (`127.0.0.1:PORT`): an image there is an ECR image of the task's
   * own account and region, authorized like one on AWS's host.
   */
  registryHost?: string
}

/** The Docker Remote API version ECS writes in `dockerConfig.version`. */
export const DOCKER_CONFIG_VERSION = '1.17'

const NANOSECONDS = 1_000_000_000
const MIB = 1024 * 1024

export function toAcsTask (task: TaskRecord, td: TaskDefinition, credentials: TaskCredentials = {},
  options: TranslateOptions = {}): AcsTask {
  const overrides = task.overrides?.containerOverrides ?? []
  const executionRole = task.executionRoleArn !== undefined
  const containers = td.containerDefinitions.map(def => toAcsContainer(def, {
    override: overrides.find(o => o.name === def.name),
    containerArn: task.containers.find(c => c.name === def.name)?.containerArn,
    executionRole,
    account: task.account,
    region: task.region,
    ecrEndpoint: options.ecrEndpoint,
    registryHost: options.registryHost
  }))
  const cpu = task.overrides?.cpu ?? td.cpu
  const memory = task.overrides?.memory ?? td.memory
  const enis = elasticNetworkInterfaces(task)
  return compact({
    arn: task.taskArn,
    taskClusterArn: task.clusterArn,
    family: task.family,
    version: String(task.revision),
    desiredStatus: task.desiredStatus,
    taskDefinitionAccountId: task.account,
    launchType: task.launchType,
    networkMode: task.networkMode,
    cpu: cpu === undefined ? undefined : Number(cpu) / 1024,
    memory: memory === undefined ? undefined : Number(memory),
    pidMode: td.pidMode,
    ipcMode: td.ipcMode,
    serviceName: serviceOf(task.group),
    enableFaultInjection: td.enableFaultInjection,
    volumes: td.volumes.filter(v => v.name !== undefined).map(toAcsVolume),
    containers,
    roleCredentials: credentials.task,
    executionRoleCredentials: credentials.execution,
    elasticNetworkInterfaces: enis.length > 0 ? enis : undefined
  }) as AcsTask
}

interface ContainerContext {
  override?: ContainerOverride
  containerArn?: string
  executionRole: boolean
  account: string
  region: string
  ecrEndpoint?: string
  registryHost?: string
}

export function toAcsContainer (def: ContainerDefinition, c: ContainerContext): AcsContainer {
  const o = c.override
  const image = def.image ?? ''
  return compact({
    name: def.name ?? '',
    containerArn: c.containerArn,
    image,
    essential: def.essential ?? true,
    cpu: o?.cpu ?? def.cpu ?? 0,
    memory: o?.memory ?? def.memory,
    command: o?.command ?? def.command,
    entryPoint: def.entryPoint as string[] | undefined,
    environment: environment(def.environment, o?.environment),
    environmentFiles: o?.environmentFiles ?? def.environmentFiles,
    portMappings: (def.portMappings ?? []).map(portMapping),
    mountPoints: def.mountPoints ?? [],
    volumesFrom: def.volumesFrom ?? [],
    links: def.links,
    dependsOn: def.dependsOn,
    secrets: secrets(def, c.region),
    startTimeout: def.startTimeout,
    stopTimeout: def.stopTimeout,
    restartPolicy: def.restartPolicy,
    firelensConfiguration: def.firelensConfiguration,
    overrides: JSON.stringify(o === undefined ? {} : withoutName(o)),
    healthCheckType: def.healthCheck === undefined ? undefined : 'docker',
    logsAuthStrategy: c.executionRole ? 'ExecutionRole' : undefined,
    registryAuthentication: registryAuthentication(image, def, c),
    dockerConfig: {
      version: DOCKER_CONFIG_VERSION,
      config: JSON.stringify(dockerConfig(def)),
      hostConfig: JSON.stringify(hostConfig(def, o))
    }
  }) as AcsContainer
}

/** A service's tasks are in the group `service:NAME`. */
const serviceOf = (group: string): string | undefined =>
  group.startsWith('service:') ? group.slice('service:'.length) : undefined

// --- container members ----------------------------------------------------------------------

/** The definition's variables, then the override's (an override of the same name wins). */
function environment (given: KeyValuePair[] | undefined,
  override: KeyValuePair[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const kv of [...(given ?? []), ...(override ?? [])]) {
    if (kv.name !== undefined) out[kv.name] = kv.value ?? ''
  }
  return out
}

function portMapping (p: PortMapping): AcsPortMapping {
  return compact({
    containerPort: p.containerPort,
    hostPort: p.hostPort,
    protocol: p.protocol,
    containerPortRange: p.containerPortRange
  })
}

const withoutName = (o: ContainerOverride): Omit<ContainerOverride, 'name'> => {
  const { name: _name, ...rest } = o
  return rest
}

/** Container secrets, then the log driver's (`secretOptions`), as the agent fetches them. */
function secrets (def: ContainerDefinition, region: string): AcsSecret[] | undefined {
  const own = (def.secrets ?? []).map(s => secret(s, region))
  const forLogs = (def.logConfiguration?.secretOptions ?? [])
    .map(s => secret(s, region, 'LOG_DRIVER'))
  const all = [...own, ...forLogs]
  return all.length > 0 ? all : undefined
}

/** Secrets Manager for a `secretsmanager` ARN, else Parameter Store (a name or an ssm ARN). */
function secret (s: Secret, region: string, target?: 'LOG_DRIVER'): AcsSecret {
  const arn = parseArn(s.valueFrom)
  return compact({
    name: s.name,
    valueFrom: s.valueFrom,
    provider: arn?.service === 'secretsmanager' ? 'asm' as const : 'ssm' as const,
    type: 'ENVIRONMENT_VARIABLE' as const,
    region: arn !== undefined && arn.region !== '' ? arn.region : region,
    target
  })
}

/** `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO[:TAG|@DIGEST]`. */
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\//

function ecrRegistryOf (image: string, c: ContainerContext):
{ registryId: string, region: string } | undefined {
  if (c.registryHost !== undefined && image.startsWith(`${c.registryHost}/`)) {
    return { registryId: c.account, region: c.region }
  }
  const ecr = ECR_IMAGE.exec(image)
  return ecr === null ? undefined : { registryId: ecr[1], region: ecr[2] }
}

function registryAuthentication (image: string, def: ContainerDefinition,
  c: ContainerContext): AcsRegistryAuthentication | undefined {
  const parameter = def.repositoryCredentials?.credentialsParameter
  if (parameter !== undefined) {
    const arn = parseArn(parameter)
    const region = arn !== undefined && arn.region !== '' ? arn.region : c.region
    return { type: 'asm', asmAuthData: { credentialsParameter: parameter, region } }
  }
  const ecr = ecrRegistryOf(image, c)
  if (ecr === undefined) return undefined
  return {
    type: 'ecr',
    ecrAuthData: compact({
      registryId: ecr.registryId,
      region: ecr.region,
      useExecutionRole: c.executionRole,
      endpointOverride: c.ecrEndpoint
    })
  }
}

// --- dockerConfig -----------------------------------------------------------------------------

interface HealthCheck {
  command: string[]
  interval?: number
  timeout?: number
  retries?: number
  startPeriod?: number
}
interface Ulimit { name: string, softLimit: number, hardLimit: number }
interface SystemControl { namespace?: string, value?: string }
interface Device {
  hostPath: string
  containerPath?: string
  permissions?: ('read' | 'write' | 'mknod')[]
}
interface LinuxParameters {
  capabilities?: { add?: string[], drop?: string[] }
  devices?: Device[]
  initProcessEnabled?: boolean
  sharedMemorySize?: number
  tmpfs?: { containerPath: string, size: number, mountOptions?: string[] }[]
  maxSwap?: number
  swappiness?: number
}

/** The create-body fields (Docker's `Config`) the first-class members leave out. */
export function dockerConfig (def: ContainerDefinition): Record<string, unknown> {
  const labels = def.dockerLabels
  return compact({
    Labels: labels !== undefined && Object.keys(labels).length > 0 ? labels : undefined,
    User: def.user,
    WorkingDir: def.workingDirectory,
    Hostname: def.hostname,
    Healthcheck: healthcheck(def.healthCheck as HealthCheck | undefined),
    OpenStdin: def.interactive,
    Tty: def.pseudoTerminal,
    NetworkDisabled: def.disableNetworking
  })
}

/**
 * ECS's health-check defaults (interval 30 s, timeout 5 s, 3 retries), in the nanoseconds
 * Docker counts in; a start period only when one is set.
 */
function healthcheck (h: HealthCheck | undefined): Record<string, unknown> | undefined {
  if (h === undefined) return undefined
  return compact({
    Test: h.command,
    Interval: (h.interval ?? 30) * NANOSECONDS,
    Timeout: (h.timeout ?? 5) * NANOSECONDS,
    Retries: h.retries ?? 3,
    StartPeriod: h.startPeriod === undefined ? undefined : h.startPeriod * NANOSECONDS
  })
}

/** Docker's `HostConfig` fields the definition (and a memoryReservation override) asks for. */
export function hostConfig (def: ContainerDefinition,
  o?: ContainerOverride): Record<string, unknown> {
  const linux = (def.linuxParameters ?? {}) as LinuxParameters
  const reservation = o?.memoryReservation ?? def.memoryReservation
  const memory = o?.memory ?? def.memory
  return compact({
    LogConfig: def.logConfiguration === undefined
      ? undefined
      : { Type: def.logConfiguration.logDriver, Config: def.logConfiguration.options ?? {} },
    Ulimits: nonEmpty((def.ulimits as Ulimit[] | undefined)
      ?.map(u => ({ Name: u.name, Soft: u.softLimit, Hard: u.hardLimit }))),
    CapAdd: nonEmpty(linux.capabilities?.add),
    CapDrop: nonEmpty(linux.capabilities?.drop),
    Init: linux.initProcessEnabled,
    Devices: nonEmpty(linux.devices?.map(device)),
    Tmpfs: linux.tmpfs === undefined || linux.tmpfs.length === 0 ? undefined : tmpfs(linux.tmpfs),
    ShmSize: linux.sharedMemorySize === undefined ? undefined : linux.sharedMemorySize * MIB,
    MemorySwap: linux.maxSwap === undefined || memory === undefined
      ? undefined
      : (memory + linux.maxSwap) * MIB,
    MemorySwappiness: linux.swappiness,
    Privileged: def.privileged,
    ReadonlyRootfs: def.readonlyRootFilesystem as boolean | undefined,
    MemoryReservation: reservation === undefined ? undefined : reservation * MIB,
    Dns: nonEmpty(def.dnsServers as string[] | undefined),
    DnsSearch: nonEmpty(def.dnsSearchDomains as string[] | undefined),
    ExtraHosts: nonEmpty((def.extraHosts as { hostname: string, ipAddress: string }[] | undefined)
      ?.map(h => `${h.hostname}:${h.ipAddress}`)),
    SecurityOpt: nonEmpty(def.dockerSecurityOptions),
    Sysctls: sysctls(def.systemControls as SystemControl[] | undefined)
  })
}

const PERMISSION_LETTERS = { read: 'r', write: 'w', mknod: 'm' } as const

/** A device: the host path again inside the container unless given; every permission by default. */
function device (d: Device): Record<string, string> {
  const permissions = d.permissions ?? ['read', 'write', 'mknod']
  return {
    PathOnHost: d.hostPath,
    PathInContainer: d.containerPath ?? d.hostPath,
    CgroupPermissions: permissions.map(p => PERMISSION_LETTERS[p]).join('')
  }
}

/** Docker's tmpfs map: path → mount options, the size (MiB) last. (unconfirmed) option order */
function tmpfs (mounts: NonNullable<LinuxParameters['tmpfs']>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of mounts) {
    out[m.containerPath] = [...(m.mountOptions ?? []), `size=${m.size}m`].join(',')
  }
  return out
}

function sysctls (controls: SystemControl[] | undefined): Record<string, string> | undefined {
  if (controls === undefined || controls.length === 0) return undefined
  const out: Record<string, string> = {}
  for (const c of controls) if (c.namespace !== undefined) out[c.namespace] = c.value ?? ''
  return Object.keys(out).length > 0 ? out : undefined
}

// --- task members -----------------------------------------------------------------------------

/** host (a path, or none for a Docker-managed scratch volume), docker, efs or FSx. */
export function toAcsVolume (v: Volume): AcsVolume {
  const name = v.name!
  if (v.dockerVolumeConfiguration !== undefined) {
    const config = v.dockerVolumeConfiguration as Record<string, unknown>
    return { name, type: 'docker', dockerVolumeConfiguration: { scope: 'task', ...config } }
  }
  if (v.efsVolumeConfiguration !== undefined) {
    return { name, type: 'efs', efsVolumeConfiguration: v.efsVolumeConfiguration }
  }
  if (v.fsxWindowsFileServerVolumeConfiguration !== undefined) {
    const fsxWindowsFileServerVolumeConfiguration = v.fsxWindowsFileServerVolumeConfiguration
    return { name, type: 'fsxWindowsFileServer', fsxWindowsFileServerVolumeConfiguration }
  }
  return { name, type: 'host', host: compact({ sourcePath: v.host?.sourcePath }) }
}

/** The awsvpc task's ENI, from its attachment's details. */
function elasticNetworkInterfaces (task: TaskRecord): AcsElasticNetworkInterface[] {
  return (task.attachments ?? [])
    .filter(a => a.type === 'ElasticNetworkInterface')
    .map(a => {
      const detail = (name: string) => a.details.find(d => d.name === name)?.value
      const ip = detail('privateIPv4Address')
      return compact({
        attachmentArn: `arn:aws:ecs:${task.region}:${task.account}:attachment/${a.id}`,
        ec2Id: detail('networkInterfaceId'),
        macAddress: detail('macAddress'),
        ipv4Addresses: ip === undefined ? undefined : [{ primary: true, privateAddress: ip }],
        privateDnsName: detail('privateDnsName')
      })
    })
}

// --- credentials ------------------------------------------------------------------------------

/** What the hub needs of the STS session store. */
export interface SecretLookup {
  get (accessKeyId: string): { secretAccessKey: string, sessionToken: string } | undefined
}

/**
 * A role session of the task, with the secret half from the STS session store; undefined when
 * the session is gone (pruned long after it expired).
 */
export function roleCredentials (role: TaskRoleSession | undefined,
  sessions: SecretLookup): IamRoleCredentials | undefined {
  if (role === undefined) return undefined
  const secret = sessions.get(role.accessKeyId)
  if (secret === undefined) return undefined
  return {
    credentialsId: role.credentialsId,
    roleArn: role.roleArn,
    accessKeyId: role.accessKeyId,
    secretAccessKey: secret.secretAccessKey,
    sessionToken: secret.sessionToken,
    expiration: isoSeconds(new Date(role.expiration * 1000))
  }
}

export const taskCredentials = (task: TaskRecord, sessions: SecretLookup): TaskCredentials => ({
  task: roleCredentials(task.roles.task, sessions),
  execution: roleCredentials(task.roles.execution, sessions)
})


// --- helpers ----------------------------------------------------------------------------------

const nonEmpty = <T>(list: T[] | undefined): T[] | undefined =>
  list === undefined || list.length === 0 ? undefined : list

/** The object without its undefined members. */
function compact<T extends object> (o: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out as T
}
