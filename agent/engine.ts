/**
 * What the agent core hands the task engine, and what the engine reports back. The engine runs
 * each task's containers on the Docker engine, does the start-up calls as the execution role, and
 * serves the credentials and task metadata endpoints. (Implemented by the runtime work.)
 */
import type Docker from 'dockerode'
import type { Logger } from 'pino'
import type { AcsCredentials, AcsTask } from './acs-task.js'

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}

export interface NetworkBinding {
  bindIP: string
  containerPort: number
  hostPort: number
  protocol: 'tcp' | 'udp'
}

export interface ContainerStateChange {
  containerName: string
  runtimeId?: string
  status: 'PENDING' | 'RUNNING' | 'STOPPED'
  exitCode?: number
  reason?: string
  networkBindings?: NetworkBinding[]
  imageDigest?: string
}

export interface AttachmentStateChange {
  attachmentArn: string
  status: 'ATTACHED' | 'DETACHED'
  /**
   * The address the task got (awsvpc: its pause container's address on the agent's network);
   * not in ECS's wire shape: the control plane reports it as the ENI's private address.
   */
  privateIPv4Address?: string
}

/** One SubmitTaskStateChange's worth. */
export interface TaskStateChange {
  taskArn: string
  status: 'PENDING' | 'RUNNING' | 'STOPPED'
  reason?: string
  containers: ContainerStateChange[]
  attachments?: AttachmentStateChange[]
  pullStartedAt?: Date
  pullStoppedAt?: Date
  executionStoppedAt?: Date
}

export interface ContainerHealth {
  containerName: string
  healthStatus: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN'
  statusSince: Date
}

export interface TaskHealthChange {
  taskArn: string
  family: string
  version: string
  containers: ContainerHealth[]
}

export interface TaskEngineOptions {
  docker: Docker
  log: Logger
  /** The control plane's URL (the AWS API the start-up calls and the containers' calls go to). */
  endpoint: string
  region: string
  cluster: string
  containerInstanceArn: string
  instanceId: string
  /** The instance role's credentials, for tasks without an execution role (EC2 launch type). */
  instanceCredentials: () => Promise<AwsCredentials>
  /** Extra labels put on every container and network the engine makes. */
  labels: Record<string, string>
  dataDir: string
  /** The instance's Availability Zone, for task metadata (`AvailabilityZone`); omitted if unset. */
  availabilityZone?: string
  /**
   * How long a stopped task's containers are kept before they are removed (the real agent's
   * ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION, 3 h there); milliseconds, 5 minutes by default.
   */
  taskCleanupWaitMs?: number
  /** Scales the waits a task definition sets (restartPolicy's restartAttemptPeriod); 1 unless set. */
  timeScale?: number
  /** An existing network for awsvpc tasks instead of the instance's own (AgentConfig.agentNetwork). */
  agentNetwork?: string
  /** Where the host's `/proc/sys` is (AgentConfig.procSys); `/proc/sys` if unset. */
  procSys?: string
  report: (change: TaskStateChange) => void
  reportHealth: (change: TaskHealthChange) => void
}

export interface TaskEngine {
  /**
   * Finds the containers this instance already runs (by label) and takes them over; resolves
   * with the tasks it adopted. Also starts the endpoint server and the instance's network.
   */
  start (): Promise<string[]>
  /** A task from a PayloadMessage: start it, or stop it when `desiredStatus` is STOPPED. */
  apply (task: AcsTask): void
  /** New credentials from an IAMRoleCredentialsMessage. */
  updateCredentials (taskArn: string, credentials: AcsCredentials): void
  /** The ARNs of the tasks the engine knows and their last reported status (for TaskManifest). */
  tasks (): { taskArn: string, status: TaskStateChange['status'] }[]
  /** Stops serving; leaves the containers running (a restarted agent adopts them). */
  close (): Promise<void>
}

export type CreateTaskEngine = (options: TaskEngineOptions) => TaskEngine
