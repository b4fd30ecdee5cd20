/**
 * ECS tasks as the control plane keeps them: what RunTask placed, what the agent reported, and
 * the `Task` shape DescribeTasks answers. (Filled in by the tasks work; the fields below are the
 * contract the ACS hub and the state-change handlers share.)
 */
import type { Scope } from './arns.js'

export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'ACTIVATING' | 'RUNNING' | 'DEACTIVATING' |
  'STOPPING' | 'DEPROVISIONING' | 'STOPPED'
export type DesiredStatus = 'RUNNING' | 'STOPPED'
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN'
export type LaunchType = 'EC2' | 'FARGATE' | 'EXTERNAL'
export type TaskStopCode = 'TaskFailedToStart' | 'EssentialContainerExited' | 'UserInitiated' |
  'ServiceSchedulerInitiated' | 'SpotInterruption' | 'TerminationNotice'

/**
 * How long a STOPPED task stays listed and describable once its agent has been told: DescribeTasks
 * says "stopped tasks appear in the returned results for at least one hour". Not scaled by the
 * time scale: no test waits an hour, and a scaled one would take a failed task away before it
 * is read.
 */
export const STOPPED_TASK_RETENTION_MS = 3_600_000

export interface NetworkBinding {
  bindIP?: string
  containerPort?: number
  hostPort?: number
  protocol?: 'tcp' | 'udp'
}

export interface ContainerRecord {
  containerArn: string
  name: string
  image: string
  imageDigest?: string
  runtimeId?: string
  lastStatus: string
  exitCode?: number
  reason?: string
  networkBindings: NetworkBinding[]
  networkInterfaces: { attachmentId?: string, privateIpv4Address?: string }[]
  healthStatus?: HealthStatus
  /** Whether the container definition has a `healthCheck` (only those count for the task). */
  healthCheck?: boolean
  cpu?: string
  memory?: string
  memoryReservation?: string
  essential: boolean
}

/** A role session ECS obtained for the task; the secret lives in the STS session store. */
export interface TaskRoleSession {
  roleArn: string
  /** The id the agent serves the credentials under (`/v2/credentials/ID`). */
  credentialsId: string
  accessKeyId: string
  /** Epoch seconds. */
  expiration: number
}

export interface KeyValuePair { name?: string, value?: string }

export interface ContainerOverride {
  name?: string
  command?: string[]
  environment?: KeyValuePair[]
  environmentFiles?: { value: string, type: 's3' }[]
  cpu?: number
  memory?: number
  memoryReservation?: number
  resourceRequirements?: { value: string, type: 'GPU' | 'InferenceAccelerator' }[]
}

/** RunTask's `overrides`, as DescribeTasks shows them back. */
export interface TaskOverride {
  containerOverrides?: ContainerOverride[]
  cpu?: string
  memory?: string
  taskRoleArn?: string
  executionRoleArn?: string
  ephemeralStorage?: { sizeInGiB: number }
  inferenceAcceleratorOverrides?: { deviceName?: string, deviceType?: string }[]
}

export interface AttachmentDetail { name: string, value: string }

/**
 * An ENI attachment (awsvpc): its details are `subnetId`, `networkInterfaceId`, `macAddress`,
 * `privateDnsName` and `privateIPv4Address`, of the interface in the emulated EC2.
 */
export interface AttachmentRecord {
  id: string
  type: 'ElasticNetworkInterface'
  /** PRECREATED → ATTACHING → ATTACHED → DETACHING → DELETED. */
  status: string
  details: AttachmentDetail[]
}

/** An attachment's detail, when it has it. */
export const detailOf = (a: AttachmentRecord, name: string): string | undefined =>
  a.details.find(d => d.name === name)?.value

export interface AwsVpcConfiguration {
  subnets: string[]
  securityGroups?: string[]
  assignPublicIp?: 'ENABLED' | 'DISABLED'
}

/** UpdateTaskProtection's state; `expirationDate` in epoch seconds. */
export interface TaskProtection {
  protectionEnabled: boolean
  expirationDate?: number
}

/** Whether the task's scale-in protection holds at `nowSeconds` (it lapses at its expiration). */
export const isProtected = (t: { protection?: TaskProtection }, nowSeconds: number): boolean =>
  t.protection?.protectionEnabled === true &&
  (t.protection.expirationDate === undefined || t.protection.expirationDate > nowSeconds)

/** What placement booked on the container instance, returned when the task stops. */
export interface TaskReservation {
  cpu: number
  memory: number
  ports: number[]
  portsUdp: number[]
}

export interface TaskRecord extends Scope {
  /** The cluster's name. */
  cluster: string
  id: string
  taskArn: string
  clusterArn: string
  taskDefinitionArn: string
  containerInstanceArn?: string
  launchType: LaunchType
  lastStatus: TaskStatus
  desiredStatus: DesiredStatus
  healthStatus: HealthStatus
  containers: ContainerRecord[]
  roles: { task?: TaskRoleSession, execution?: TaskRoleSession }
  reservation?: TaskReservation
  stopCode?: TaskStopCode
  stoppedReason?: string
  /** The decision-log entry whose denial stopped the task, when one did. */
  stoppedDecisionId?: string
  /**
   * A service's task stays DEACTIVATING until then (epoch ms) while its targets drain; the
   * agent is told to stop it only after (src/ecs/task-lifecycle.ts).
   */
  deactivateUntil?: number
  /** Goes up by one with every change. */
  version: number
  /** Epoch seconds with milliseconds, as every ECS timestamp here. */
  createdAt: number

  family: string
  revision: number
  /** The task's cpu and memory as DescribeTasks shows them (task-level, else the sum). */
  cpu?: string
  memory?: string
  /** `family:NAME` unless RunTask named one; `service:NAME` for a service's tasks. */
  group: string
  startedBy?: string
  overrides: TaskOverride
  /** The roles in effect (task definition's, or the overrides'). */
  taskRoleArn?: string
  executionRoleArn?: string
  networkMode: 'bridge' | 'host' | 'awsvpc' | 'none'
  networkConfiguration?: { awsvpcConfiguration: AwsVpcConfiguration }
  attachments: AttachmentRecord[]
  availabilityZone?: string
  capacityProviderName?: string
  platformVersion?: string
  platformFamily?: string
  ephemeralStorage?: { sizeInGiB: number }
  enableExecuteCommand: boolean
  /** `ecs.cpu-architecture`, as DescribeTasks lists it. (Tags live in the tag store.) */
  attributes: { name: string, value?: string }[]
  protection?: TaskProtection
  connectivity?: 'CONNECTED' | 'DISCONNECTED'
  connectivityAt?: number
  pullStartedAt?: number
  pullStoppedAt?: number
  startedAt?: number
  stoppingAt?: number
  stoppedAt?: number
  executionStoppedAt?: number
  /**
   * The desired status the instance's agent last acknowledged (the ACS hub sets it on the
   * payload's ack; an agent reporting STOPPED acknowledges STOPPED). A task leaves
   * `TaskStore.byContainerInstance` once it is STOPPED and its STOPPED was acknowledged.
   */
  acknowledgedStatus?: DesiredStatus
}

// --- the Task shape -----------------------------------------------------------------------

/** A container as DescribeTasks shows it. */
function toWireContainer (task: TaskRecord, c: ContainerRecord): Record<string, unknown> {
  return withoutUndefined({
    containerArn: c.containerArn,
    taskArn: task.taskArn,
    name: c.name,
    image: c.image,
    imageDigest: c.imageDigest,
    runtimeId: c.runtimeId,
    lastStatus: c.lastStatus,
    exitCode: c.exitCode,
    reason: c.reason,
    networkBindings: c.networkBindings,
    networkInterfaces: c.networkInterfaces,
    healthStatus: c.healthStatus ?? 'UNKNOWN',
    cpu: c.cpu,
    memory: c.memory,
    memoryReservation: c.memoryReservation
  })
}

/**
 * An attachment as ECS shows it: while PRECREATED an ENI attachment names only its subnet
 * (the interface it already has in EC2 shows once it is attached).
 */
function toWireAttachment (a: AttachmentRecord): AttachmentRecord {
  if (a.status !== 'PRECREATED') return a
  return { ...a, details: a.details.filter(d => d.name === 'subnetId') }
}

/**
 * The `Task` shape (reference §5.5). `tags` is empty unless DescribeTasks was asked for TAGS
 * (RunTask and StartTask answer with the tags given).
 */
export function toWireTask (t: TaskRecord, tags: { key?: string, value?: string }[] = []):
  Record<string, unknown> {
  return withoutUndefined({
    attachments: t.attachments.map(toWireAttachment),
    attributes: t.attributes,
    availabilityZone: t.availabilityZone,
    capacityProviderName: t.capacityProviderName,
    clusterArn: t.clusterArn,
    connectivity: t.connectivity,
    connectivityAt: t.connectivityAt,
    containerInstanceArn: t.containerInstanceArn,
    containers: t.containers.map(c => toWireContainer(t, c)),
    cpu: t.cpu,
    createdAt: t.createdAt,
    desiredStatus: t.desiredStatus,
    enableExecuteCommand: t.enableExecuteCommand,
    ephemeralStorage: t.ephemeralStorage,
    executionStoppedAt: t.executionStoppedAt,
    group: t.group,
    healthStatus: t.healthStatus,
    lastStatus: t.lastStatus,
    launchType: t.launchType,
    memory: t.memory,
    overrides: t.overrides,
    platformVersion: t.platformVersion,
    platformFamily: t.platformFamily,
    pullStartedAt: t.pullStartedAt,
    pullStoppedAt: t.pullStoppedAt,
    startedAt: t.startedAt,
    startedBy: t.startedBy,
    stopCode: t.stopCode,
    stoppedAt: t.stoppedAt,
    stoppedReason: t.stoppedReason,
    stoppingAt: t.stoppingAt,
    tags,
    taskArn: t.taskArn,
    taskDefinitionArn: t.taskDefinitionArn,
    version: t.version
  })
}

const withoutUndefined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
