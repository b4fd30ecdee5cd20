/**
 * The agent's reading of the ACS `Task` and `Container` JSON a PayloadMessage carries
 * (aws/amazon-ecs-agent `ecs-agent/acs/model/api/api-2.json`). Only what the agent uses is typed.
 */

export interface AcsCredentials {
  credentialsId: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  /** ISO 8601 text. */
  expiration: string
  roleArn: string
  roleType?: 'TaskApplication' | 'TaskExecution'
}

export interface AcsPortMapping {
  containerPort?: number
  hostPort?: number
  protocol?: 'tcp' | 'udp'
}

export interface AcsMountPoint { sourceVolume?: string, containerPath?: string, readOnly?: boolean }
export interface AcsVolumeFrom { sourceContainer?: string, readOnly?: boolean }
export interface AcsDependency { containerName: string, condition: 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY' }

export interface AcsSecret {
  name: string
  valueFrom: string
  /** `ENVIRONMENT_VARIABLE` on the wire (ACS `SecretType`); `MOUNT_POINT`/`BOOTSTRAP` otherwise. */
  type?: string
  /** ACS spells Secrets Manager `asm` (`SecretProvider`); `secrets-manager` is never sent. */
  provider: 'secrets-manager' | 'asm' | 'ssm'
  /** `LOG_DRIVER` for a log configuration's secretOptions; absent for the container's own. */
  target?: 'CONTAINER' | 'LOG_DRIVER'
  region?: string
  containerPath?: string
}

/** The definition's `restartPolicy`, as the task definition gives it. */
export interface ContainerRestartPolicy {
  enabled?: boolean
  ignoredExitCodes?: number[]
  /** Seconds a container must have run, since its start or its last restart, to be restarted. */
  restartAttemptPeriod?: number
}

export interface AcsContainer {
  name: string
  image: string
  essential: boolean
  cpu?: number
  memory?: number
  command?: string[]
  entryPoint?: string[]
  environment?: Record<string, string>
  portMappings?: AcsPortMapping[]
  mountPoints?: AcsMountPoint[]
  volumesFrom?: AcsVolumeFrom[]
  links?: string[]
  dependsOn?: AcsDependency[]
  secrets?: AcsSecret[]
  startTimeout?: number
  stopTimeout?: number
  restartPolicy?: ContainerRestartPolicy
  /** A JSON string: the container's overrides as RunTask gave them. */
  overrides?: string
  healthCheckType?: 'docker'
  logsAuthStrategy?: 'ExecutionRole'
  registryAuthentication?: {
    type?: 'ecr' | 'asm'
    ecrAuthData?: { registryId?: string, region?: string, endpointOverride?: string, useExecutionRole?: boolean }
    /** `repositoryCredentials`: the secret holding the registry's username and password. */
    asmAuthData?: { credentialsParameter: string, region?: string }
  }
  /** JSON strings of Docker create-body fields the first-class ones do not cover. */
  dockerConfig?: { version?: string, config?: string, hostConfig?: string }
}

export interface AcsVolume {
  name: string
  type?: 'host' | 'docker' | 'efs'
  host?: { sourcePath?: string }
  dockerVolumeConfiguration?: {
    scope?: 'task' | 'shared', autoprovision?: boolean, driver?: string,
    driverOpts?: Record<string, string>, labels?: Record<string, string>
  }
  efsVolumeConfiguration?: {
    fileSystemId?: string, rootDirectory?: string,
    authorizationConfig?: { accessPointId?: string, iam?: 'ENABLED' | 'DISABLED' }
    transitEncryption?: 'ENABLED' | 'DISABLED', transitEncryptionPort?: number
  }
}

export interface AcsElasticNetworkInterface {
  attachmentArn?: string
  ec2Id?: string
  macAddress?: string
  /** ACS names the address `privateAddress` (`IPv4AddressAssignment`). */
  ipv4Addresses?: { primary?: boolean, address?: string, privateAddress?: string }[]
  subnetGatewayIpv4Address?: string
}

export interface AcsTask {
  arn: string
  taskClusterArn?: string
  family: string
  /** The task definition revision, as text. */
  version: string
  desiredStatus: 'RUNNING' | 'STOPPED'
  taskDefinitionAccountId?: string
  networkMode?: 'bridge' | 'host' | 'awsvpc' | 'none'
  launchType?: 'EC2' | 'FARGATE' | 'EXTERNAL'
  cpu?: number
  memory?: number
  containers: AcsContainer[]
  volumes?: AcsVolume[]
  roleCredentials?: AcsCredentials
  executionRoleCredentials?: AcsCredentials
  elasticNetworkInterfaces?: AcsElasticNetworkInterface[]
  pidMode?: string
  ipcMode?: string
}
