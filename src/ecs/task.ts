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
  /** Goes up by one with every change. */
  version: number
  /** Epoch milliseconds. */
  createdAt: number
}
