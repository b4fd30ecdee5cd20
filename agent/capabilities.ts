/**
 * What the agent registers: the host's resources and the attributes the ECS agent sends from
 * a Linux EC2 instance (`agent/app/agent_capability.go`, `ecs_client.go`
 * `getAdditionalAttributes`), limited to what this agent and the Docker engine support.
 * ECS adds `ecs.availability-zone`, `ecs.instance-type`, `ecs.ami-id` and
 * `ecs.cpu-architecture` itself from the identity document, so they are not sent.
 */
import type { Attribute, Resource } from '@aws-sdk/client-ecs'

/** The Docker engine as `GET /info` and `GET /version` describe it. */
export interface DockerHost {
  ncpu: number
  /** Bytes. */
  memTotal: number
  serverVersion: string
  apiVersion: string
  minApiVersion: string
}

/** The ports the ECS agent reserves on every instance (SSH, Docker, its own two). */
export const RESERVED_PORTS = ['22', '2375', '2376', '51678', '51679']

/** Set on the built-in agent's instance: Fargate tasks are placed there. */
export const FARGATE_ATTRIBUTE = 'ecs-emulator.capability.fargate'

export function totalResources (host: DockerHost): Resource[] {
  return [
    { name: 'CPU', type: 'INTEGER', integerValue: host.ncpu * 1024 },
    { name: 'MEMORY', type: 'INTEGER', integerValue: Math.floor(host.memTotal / 1024 / 1024) },
    { name: 'PORTS', type: 'STRINGSET', stringSetValue: RESERVED_PORTS },
    { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [] }
  ]
}

const LEGACY = 'com.amazonaws.ecs.capability.'
const CAPABILITY = 'ecs.capability.'

/** Name-only capabilities every agent of this version has. */
const ALWAYS = [
  'private-registry-authentication.secretsmanager',
  'secrets.ssm.environment-variables',
  'secrets.ssm.bootstrap.log-driver',
  'ecr-endpoint',
  'secrets.asm.environment-variables',
  'secrets.asm.bootstrap.log-driver',
  'container-ordering',
  'full-sync',
  'env-files.s3',
  'network.container-port-range',
  'container-restart-policy'
].map(c => CAPABILITY + c)

/** The Docker remote API versions the ECS agent probes. */
const REMOTE_API_VERSIONS = Array.from({ length: 44 - 17 + 1 }, (_, i) => `1.${17 + i}`)

/** The logging drivers this agent runs (awslogs writes to the emulator's CloudWatch Logs). */
const LOGGING_DRIVERS = ['json-file', 'awslogs', 'none']

/** The attributes to register, in the order the ECS agent builds them. */
export function agentAttributes (host: DockerHost, options: { fargateCapacity: boolean }): Attribute[] {
  const apis = supportedApiVersions(host)
  const has = (v: string): boolean => apis.includes(v)
  const names = [
    ...ALWAYS,
    LEGACY + 'privileged-container',
    ...apis.map(v => `${LEGACY}docker-remote-api.${v}`),
    ...(has('1.18') ? LOGGING_DRIVERS.map(d => `${LEGACY}logging-driver.${d}`) : []),
    ...(has('1.19') ? [LEGACY + 'task-iam-role', LEGACY + 'task-iam-role-network-host'] : []),
    ...(has('1.22') ? [CAPABILITY + 'task-cpu-mem-limit', CAPABILITY + 'increased-task-cpu-limit'] : []),
    CAPABILITY + 'task-eni',
    ...(has('1.19') ? [LEGACY + 'ecr-auth', CAPABILITY + 'execution-role-ecr-pull'] : []),
    ...(has('1.24') ? [CAPABILITY + 'container-health-check'] : []),
    CAPABILITY + 'execution-role-awslogs',
    CAPABILITY + 'docker-plugin.local',
    CAPABILITY + 'pid-ipc-namespace-sharing',
    CAPABILITY + 'efs',
    CAPABILITY + 'efsAuth'
  ]
  return [
    ...names.map(name => ({ name })),
    ...(options.fargateCapacity ? [{ name: FARGATE_ATTRIBUTE }] : []),
    { name: 'ecs.os-type', value: 'linux' },
    { name: 'ecs.os-family', value: 'LINUX' }
  ]
}

/** The probed versions the engine serves: from its minimum (at least 1.17) to its own. */
export function supportedApiVersions (host: DockerHost): string[] {
  const max = versionNumber(host.apiVersion)
  const min = versionNumber(host.minApiVersion)
  return REMOTE_API_VERSIONS.filter(v => versionNumber(v) <= max && versionNumber(v) >= min)
}

const versionNumber = (v: string): number => {
  const [major, minor] = v.split('.').map(Number)
  return (major || 0) * 1000 + (minor || 0)
}

/**
 * The sent name/value pairs the reply does not echo (`validateRegisteredAttributes`: a
 * missing value reads as empty text there, so a name-only attribute matches one without a value).
 */
export function missingAttributes (sent: Attribute[], echoed: Attribute[] | undefined): string[] {
  const got = new Map((echoed ?? []).map(a => [a.name ?? '', a.value ?? '']))
  return sent.filter(a => got.get(a.name ?? '') !== (a.value ?? '')).map(a => a.name ?? '')
}
