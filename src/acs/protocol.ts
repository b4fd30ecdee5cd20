/**
 * The ACS and TCS wire shapes (aws/amazon-ecs-agent `ecs-agent/acs/model/api/api-2.json` and
 * `ecs-agent/tcs/model/api/api-2.json`): every frame is `{"type": NAME, "message": {...}}`, and
 * a refused handshake answers `{"EXCEPTION": "message"}`. Only what the control plane sends or
 * reads is typed.
 */

// --- the task JSON a PayloadMessage carries -----------------------------------------------

export interface IamRoleCredentials {
  credentialsId: string
  roleArn: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  /** ISO 8601 text: the agent keeps it as an opaque string. */
  expiration: string
}

export interface AcsPortMapping {
  containerPort?: number
  hostPort?: number
  protocol?: 'tcp' | 'udp'
  containerPortRange?: string
}

export interface AcsSecret {
  name: string
  valueFrom: string
  /** `asm` (Secrets Manager) or `ssm` (Parameter Store), as the agent spells them. */
  provider: 'asm' | 'ssm'
  type: 'ENVIRONMENT_VARIABLE'
  region: string
  /** Absent for the container's own secrets; `LOG_DRIVER` for logConfiguration.secretOptions. */
  target?: 'LOG_DRIVER'
}

export interface AcsRegistryAuthentication {
  type: 'ecr' | 'asm'
  ecrAuthData?: {
    registryId: string
    region: string
    useExecutionRole: boolean
    endpointOverride?: string
  }
  asmAuthData?: { credentialsParameter: string, region: string }
}

export interface AcsContainer {
  name: string
  containerArn?: string
  image: string
  essential: boolean
  cpu: number
  memory?: number
  command?: string[]
  entryPoint?: string[]
  environment: Record<string, string>
  environmentFiles?: { value: string, type: string }[]
  portMappings: AcsPortMapping[]
  mountPoints: unknown[]
  volumesFrom: unknown[]
  links?: string[]
  dependsOn?: unknown[]
  secrets?: AcsSecret[]
  startTimeout?: number
  stopTimeout?: number
  restartPolicy?: unknown
  firelensConfiguration?: unknown
  /** The container's RunTask override as a JSON string (`{}` without one). */
  overrides: string
  healthCheckType?: 'docker'
  logsAuthStrategy?: 'ExecutionRole'
  registryAuthentication?: AcsRegistryAuthentication
  /** Docker create-body fields the members above do not cover, as JSON strings. */
  dockerConfig: { version: string, config: string, hostConfig: string }
}

export interface AcsVolume {
  name: string
  type: 'host' | 'docker' | 'efs' | 'fsxWindowsFileServer'
  host?: { sourcePath?: string }
  dockerVolumeConfiguration?: unknown
  efsVolumeConfiguration?: unknown
  fsxWindowsFileServerVolumeConfiguration?: unknown
}

export interface AcsElasticNetworkInterface {
  attachmentArn: string
  ec2Id?: string
  macAddress?: string
  ipv4Addresses?: { primary: boolean, privateAddress: string }[]
  privateDnsName?: string
}

export interface AcsTask {
  arn: string
  taskClusterArn: string
  family: string
  /** The task definition revision, as text. */
  version: string
  desiredStatus: 'RUNNING' | 'STOPPED'
  taskDefinitionAccountId: string
  launchType: string
  networkMode: string
  /** Task-level vCPUs (1 = one vCPU), as the agent reads `cpu`. */
  cpu?: number
  /** Task-level MiB. */
  memory?: number
  pidMode?: string
  ipcMode?: string
  serviceName?: string
  enableFaultInjection?: boolean
  volumes: AcsVolume[]
  containers: AcsContainer[]
  roleCredentials?: IamRoleCredentials
  executionRoleCredentials?: IamRoleCredentials
  elasticNetworkInterfaces?: AcsElasticNetworkInterface[]
}

// --- ACS messages ---------------------------------------------------------------------------

export type RoleType = 'TaskApplication' | 'TaskExecution'

export interface TaskIdentifier {
  taskArn?: string
  taskClusterArn?: string
  desiredStatus?: string
}

export interface PayloadMessage {
  messageId: string
  clusterArn: string
  containerInstanceArn: string
  generatedAt: number
  seqNum: number
  tasks: AcsTask[]
}

export interface IAMRoleCredentialsMessage {
  messageId: string
  taskArn: string
  taskClusterArn: string
  roleType: RoleType
  roleCredentials: IamRoleCredentials
}

export interface TaskManifestMessage {
  messageId: string
  clusterArn: string
  containerInstanceArn: string
  generatedAt: number
  timeline: number
  tasks: TaskIdentifier[]
}

export interface TaskStopVerificationAck {
  messageId: string
  generatedAt: number
  stopTasks: TaskIdentifier[]
}

/** What the agent sends on ACS. */
export interface AckRequest { cluster?: string, containerInstance?: string, messageId?: string }
export interface HeartbeatAckRequest { messageId?: string }
export interface IAMRoleCredentialsAckRequest {
  messageId?: string
  credentialsId?: string
  expiration?: string
}
export interface TaskStopVerificationMessage {
  messageId?: string
  stopCandidates?: TaskIdentifier[]
}

// --- TCS messages ---------------------------------------------------------------------------

export interface ContainerHealthReport {
  containerName?: string
  healthStatus?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN'
  statusSince?: number | string
}

export interface PublishHealthRequest {
  metadata?: { cluster?: string, containerInstance?: string, messageId?: string, fin?: boolean }
  timestamp?: number | string
  tasks?: {
    taskArn?: string
    taskDefinitionFamily?: string
    taskDefinitionVersion?: string
    containers?: ContainerHealthReport[]
  }[]
}

// --- framing --------------------------------------------------------------------------------

export interface Frame { type: string, message: Record<string, unknown> }

export const frame = (type: string, message: object): string => JSON.stringify({ type, message })

/** A frame the agent sent, or undefined for anything that is not `{type, message}` JSON. */
export function parseFrame (text: string): Frame | undefined {
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch { return undefined }
  if (parsed === null || typeof parsed !== 'object') return undefined
  const { type, message } = parsed as { type?: unknown, message?: unknown }
  if (typeof type !== 'string' || type === '') return undefined
  const isObject = message !== null && typeof message === 'object'
  return { type, message: isObject ? message as Record<string, unknown> : {} }
}

/**
 * TCS frames are a signed HTTP header block, a blank line, then the JSON
 * (`ecs-agent/tcs/client/client.go`, signRequestFunc); a bare JSON frame is taken as it is.
 */
export function stripSignedHeaders (text: string): string {
  if (text.trimStart().startsWith('{')) return text
  const crlf = text.indexOf('\r\n\r\n')
  if (crlf >= 0) return text.slice(crlf + 4)
  const lf = text.indexOf('\n\n')
  return lf >= 0 ? text.slice(lf + 2) : text
}

/** A refused handshake's body: `{"InactiveInstanceException":"..."}` (`DecodeConnectionError`). */
export const connectionError = (type: string, message: string): string =>
  JSON.stringify({ [type]: message })
