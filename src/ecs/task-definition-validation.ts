/**
 * What RegisterTaskDefinition refuses, with ECS's words (reference §4.1, §3.4). ECS answers
 * only the first problem it finds; it does not document its order, so this is ours, one
 * group at a time, each group in the order of the containers, port mappings and volumes:
 *
 *   1. family                  6. Fargate network mode
 *   2. taskRoleArn, then       7. port mappings
 *      executionRoleArn        8. container memory against the task's
 *   3. the container list      9. volumes (host.sourcePath), then mount points
 *   4. container name, image   10. parameters Fargate does not support
 *   5. task cpu/memory, then   11. features that need executionRoleArn: secrets, private
 *      the Fargate size table       registry credentials, awslogs and ECR images on Fargate
 *                              12. restart policies: the period and the ignored exit codes
 *
 * Every problem is a ClientException. Whether the roles exist is not checked here: ECS looks
 * them up when a task starts. (The operation checks iam:PassRole on them once these rules
 * pass.) Log-driver options and images are taken as they are.
 */
import { EC2_TASK_CPU, isFargateSize, parseTaskCpu, parseTaskMemory } from './fargate.js'
import type { ContainerDefinition, RegisterTaskDefinitionRequest } from './task-definition.js'

export const MAX_CONTAINERS = 10

export const MESSAGES = {
  familyBlank: 'Family can not be blank.',
  familyInvalid: 'Family contains invalid characters.',
  roleInvalid: 'Role is not valid',
  noContainers: 'Container list cannot be empty.',
  // (unconfirmed) wording; the limit of 10 containers per task definition is documented
  tooManyContainers: 'Too many containers',
  nameBlank: 'Container.name should not be null or empty.',
  nameInvalid: 'Container.name contains invalid characters.',
  imageBlank: 'Container.image should not be null or empty.',
  // (unconfirmed)
  duplicateName: (name: string) => `Duplicate container name '${name}' found.`,
  taskCpu: "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
  // (unconfirmed) by analogy with the cpu text
  taskMemory: "Invalid 'memory' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
  fargateCpu: "Fargate requires that 'cpu' be defined at the task level.",
  // (unconfirmed) by analogy with the cpu text
  fargateMemory: "Fargate requires that 'memory' be defined at the task level.",
  fargateSize: (cpu: number, memory: number) =>
    `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`,
  fargateNetwork: 'Fargate only supports network mode ‘awsvpc’.',
  containerPort: (name: string) => `Invalid 'containerPort' setting for container '${name}'.`,
  awsvpcPorts: 'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
  // (unconfirmed) by analogy with the awsvpc text
  hostPorts: 'When networkMode=host, the host ports and container ports in port mappings must match.',
  // (unconfirmed) wording
  hostPortTwice: (protocol: string, port: number) =>
    `${protocol.toUpperCase()} host port '${port}' is mapped multiple times in task.`,
  containerMemory: (name: string) =>
    `The 'memory' setting for container '${name}' is greater than for the task.`,
  memoryMissing: (name: string) =>
    `Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
  sourcePathBlank: 'host.sourcePath should not be blank.',
  // (no final period, as ECS writes it)
  fargateSourcePath: 'Fargate compatible task definitions do not support sourcePath',
  unknownVolume: (name: string) => `Unknown volume '${name}'.`,
  fargateIpcMode: 'Tasks using the Fargate launch type do not support ipcMode.',
  // (unconfirmed) the texts below follow the confirmed ipcMode one
  fargatePidMode: (mode: string) =>
    `Tasks using the Fargate launch type do not support pidMode '${mode}'. The supported value for pidMode is 'task'.`,
  fargateUnsupported: (what: string) => `Tasks using the Fargate launch type do not support ${what}.`,
  fargateCapability: "Tasks using the Fargate launch type only support adding the 'SYS_PTRACE' kernel capability.",
  // (unconfirmed) by analogy with the sourcePath text
  fargateDockerVolume: 'Fargate compatible task definitions do not support dockerVolumeConfiguration',
  secretsNeedRole: "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
  privateRegistryNeedsRole: 'Private repository authentication requires that the task definition specify a value for executionRoleArn.',
  awslogsNeedsRole: 'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
  ecrNeedsRole: 'Fargate requires task definition to have execution role ARN to support ECR images.',
  // (unconfirmed) wording, by analogy with the containerPort text; the ranges are documented
  // (ContainerRestartPolicy: 60 to 1800 seconds, at most 50 exit codes)
  restartAttemptPeriod: (name: string) =>
    `Invalid 'restartPolicy.restartAttemptPeriod' setting for container '${name}'. The value must be between 60 and 1800 seconds.`,
  ignoredExitCodes: (name: string) =>
    `Invalid 'restartPolicy.ignoredExitCodes' setting for container '${name}'. You can specify a maximum of 50 exit codes.`
} as const

type Rule = (r: RegisterTaskDefinitionRequest) => string | undefined

/** The first problem ECS would report, as the ClientException message; undefined if none. */
export function validateTaskDefinition (r: RegisterTaskDefinitionRequest): string | undefined {
  for (const rule of RULES) {
    const problem = rule(r)
    if (problem !== undefined) return problem
  }
  return undefined
}

export const isFargate = (r: RegisterTaskDefinitionRequest): boolean =>
  r.requiresCompatibilities?.includes('FARGATE') ?? false

// --- 1. family -------------------------------------------------------------------------

const NAME = /^[A-Za-z0-9_-]{1,255}$/

export function checkFamily (family: string): string | undefined {
  if (family.trim() === '') return MESSAGES.familyBlank
  // (unconfirmed) that a family over 255 characters gets the same text
  return NAME.test(family) ? undefined : MESSAGES.familyInvalid
}

// --- 2. roles --------------------------------------------------------------------------

const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/(?:[\u0021-\u007e]+\/)?[\w+=,.@-]{1,64}$/
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/

/**
 * The role's ARN: an IAM role ARN as given, or a bare role name completed with the caller's
 * account (ECS does that server-side); undefined when it is neither (`Role is not valid`).
 * (unconfirmed) that an account that is not 12 digits, such as a `your-account-id` left in a
 * copied example, is refused at registration rather than when a task starts.
 */
export function expandRoleArn (value: string, account: string): string | undefined {
  if (!isRoleReference(value)) return undefined
  return value.startsWith('arn:') ? value : `arn:aws:iam::${account}:role/${value}`
}

const isRoleReference = (value: string): boolean =>
  value.startsWith('arn:') ? ROLE_ARN.test(value) : ROLE_NAME.test(value)

function roles (r: RegisterTaskDefinitionRequest): string | undefined {
  for (const role of [r.taskRoleArn, r.executionRoleArn]) {
    // (unconfirmed) an empty string is read as no role, as terraform sends it
    if (role !== undefined && role !== '' && !isRoleReference(role)) {
      return MESSAGES.roleInvalid
    }
  }
  return undefined
}

// --- 3, 4. containers ------------------------------------------------------------------

function containerList (r: RegisterTaskDefinitionRequest): string | undefined {
  if (r.containerDefinitions.length === 0) return MESSAGES.noContainers
  return r.containerDefinitions.length > MAX_CONTAINERS ? MESSAGES.tooManyContainers : undefined
}

function containerIdentities (r: RegisterTaskDefinitionRequest): string | undefined {
  const seen = new Set<string>()
  for (const c of r.containerDefinitions) {
    if (c.name === undefined || c.name.trim() === '') return MESSAGES.nameBlank
    if (!NAME.test(c.name)) return MESSAGES.nameInvalid
    if (c.image === undefined || c.image.trim() === '') return MESSAGES.imageBlank
    if (seen.has(c.name)) return MESSAGES.duplicateName(c.name)
    seen.add(c.name)
  }
  return undefined
}

// --- 5, 6. task size and Fargate -------------------------------------------------------

function taskSize (r: RegisterTaskDefinitionRequest): string | undefined {
  if (r.cpu !== undefined) {
    const cpu = parseTaskCpu(r.cpu)
    if (cpu === undefined) return MESSAGES.taskCpu
    // On Fargate the size table decides (it names the values in its message).
    if (!isFargate(r) && (cpu < EC2_TASK_CPU.min || cpu > EC2_TASK_CPU.max)) return MESSAGES.taskCpu
  }
  if (r.memory !== undefined && parseTaskMemory(r.memory) === undefined) return MESSAGES.taskMemory
  return undefined
}

function fargateSize (r: RegisterTaskDefinitionRequest): string | undefined {
  if (!isFargate(r)) return undefined
  if (r.cpu === undefined) return MESSAGES.fargateCpu
  if (r.memory === undefined) return MESSAGES.fargateMemory
  const cpu = parseTaskCpu(r.cpu)!
  const memory = parseTaskMemory(r.memory)!
  return isFargateSize(cpu, memory) ? undefined : MESSAGES.fargateSize(cpu, memory)
}

const fargateNetwork: Rule = r =>
  isFargate(r) && r.networkMode !== 'awsvpc' ? MESSAGES.fargateNetwork : undefined

// --- 7, 8. ports and memory ------------------------------------------------------------

function portMappings (r: RegisterTaskDefinitionRequest): string | undefined {
  const taken = new Set<string>()
  const pinned = r.networkMode === 'awsvpc' || r.networkMode === 'host'
  for (const c of r.containerDefinitions) {
    for (const p of c.portMappings ?? []) {
      const port = p.containerPort
      if (p.containerPortRange === undefined && (port === undefined || port < 1 || port > 65535)) {
        return MESSAGES.containerPort(c.name!)
      }
      if (pinned && p.hostPort !== undefined && p.hostPort !== port) {
        return r.networkMode === 'awsvpc' ? MESSAGES.awsvpcPorts : MESSAGES.hostPorts
      }
      const hostPort = p.hostPort ?? (pinned ? port : undefined)
      if (hostPort === undefined || hostPort === 0) continue
      const key = `${p.protocol ?? 'tcp'}/${hostPort}`
      if (taken.has(key)) return MESSAGES.hostPortTwice(p.protocol ?? 'tcp', hostPort)
      taken.add(key)
    }
  }
  return undefined
}

function containerMemory (r: RegisterTaskDefinitionRequest): string | undefined {
  const task = r.memory === undefined ? undefined : parseTaskMemory(r.memory)
  for (const c of r.containerDefinitions) {
    const over = task !== undefined && c.memory !== undefined && c.memory > task
    if (over) return MESSAGES.containerMemory(c.name!)
    if (task === undefined && c.memory === undefined && c.memoryReservation === undefined) {
      return MESSAGES.memoryMissing(c.name!)
    }
  }
  return undefined
}

// --- 9. volumes ------------------------------------------------------------------------

function volumes (r: RegisterTaskDefinitionRequest): string | undefined {
  for (const v of r.volumes ?? []) {
    const sourcePath = v.host?.sourcePath
    if (sourcePath !== undefined && sourcePath.trim() === '') return MESSAGES.sourcePathBlank
    if (isFargate(r) && sourcePath !== undefined) return MESSAGES.fargateSourcePath
    if (isFargate(r) && v.dockerVolumeConfiguration !== undefined) {
      return MESSAGES.fargateDockerVolume
    }
  }
  return undefined
}

function mountPoints (r: RegisterTaskDefinitionRequest): string | undefined {
  const declared = new Set((r.volumes ?? []).map(v => v.name))
  for (const c of r.containerDefinitions) {
    for (const m of c.mountPoints ?? []) {
      if (m.sourceVolume !== undefined && !declared.has(m.sourceVolume)) {
        return MESSAGES.unknownVolume(m.sourceVolume)
      }
    }
  }
  return undefined
}

// --- 10. what Fargate does not run -----------------------------------------------------

function fargateParameters (r: RegisterTaskDefinitionRequest): string | undefined {
  if (!isFargate(r)) return undefined
  if (r.ipcMode !== undefined) return MESSAGES.fargateIpcMode
  if (r.pidMode !== undefined && r.pidMode !== 'task') return MESSAGES.fargatePidMode(r.pidMode)
  for (const c of r.containerDefinitions) {
    const problem = fargateContainer(c)
    if (problem !== undefined) return problem
  }
  return undefined
}

function fargateContainer (c: ContainerDefinition): string | undefined {
  if (c.privileged === true) return MESSAGES.fargateUnsupported('privileged containers')
  if (nonEmpty(c.links)) return MESSAGES.fargateUnsupported('links')
  if (nonEmpty(c.dockerSecurityOptions)) return MESSAGES.fargateUnsupported('dockerSecurityOptions')
  if (nonEmpty(c.linuxParameters?.devices)) return MESSAGES.fargateUnsupported('devices')
  const added = c.linuxParameters?.capabilities?.add ?? []
  if (added.some(cap => cap !== 'SYS_PTRACE')) return MESSAGES.fargateCapability
  if ((c.resourceRequirements ?? []).some(q => q.type === 'GPU')) {
    return MESSAGES.fargateUnsupported('GPU resource requirements')
  }
  return undefined
}

// --- 11. the execution role ------------------------------------------------------------

const PRIVATE_ECR = /^\d{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\//

export const isEcrImage = (image: string | undefined): boolean => PRIVATE_ECR.test(image ?? '')

function executionRole (r: RegisterTaskDefinitionRequest): string | undefined {
  if (r.executionRoleArn !== undefined && r.executionRoleArn !== '') return undefined
  const cs = r.containerDefinitions
  const secrets = (c: ContainerDefinition): boolean =>
    nonEmpty(c.secrets) || nonEmpty(c.logConfiguration?.secretOptions)
  if (cs.some(secrets)) return MESSAGES.secretsNeedRole
  if (cs.some(c => c.repositoryCredentials !== undefined)) return MESSAGES.privateRegistryNeedsRole
  if (!isFargate(r)) return undefined
  if (cs.some(c => c.logConfiguration?.logDriver === 'awslogs')) return MESSAGES.awslogsNeedsRole
  if (cs.some(c => isEcrImage(c.image))) return MESSAGES.ecrNeedsRole
  return undefined
}

// --- 12. restart policies ----------------------------------------------------------------

const RESTART_ATTEMPT_PERIOD = { min: 60, max: 1800 } as const

function restartPolicies (r: RegisterTaskDefinitionRequest): string | undefined {
  for (const c of r.containerDefinitions) {
    const period = c.restartPolicy?.restartAttemptPeriod
    if (period !== undefined && (period < RESTART_ATTEMPT_PERIOD.min || period > RESTART_ATTEMPT_PERIOD.max)) {
      return MESSAGES.restartAttemptPeriod(c.name!)
    }
    if ((c.restartPolicy?.ignoredExitCodes?.length ?? 0) > 50) return MESSAGES.ignoredExitCodes(c.name!)
  }
  return undefined
}

const nonEmpty = (list: readonly unknown[] | undefined): boolean =>
  list !== undefined && list.length > 0

const RULES: Rule[] = [
  r => checkFamily(r.family), roles, containerList, containerIdentities, taskSize, fargateSize,
  fargateNetwork, portMappings, containerMemory, volumes, mountPoints, fargateParameters,
  executionRole, restartPolicies
]
