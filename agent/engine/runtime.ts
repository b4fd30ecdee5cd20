/**
 * What the per-task lifecycle needs of the engine around it: Docker, the SDK clients, the
 * agent's network and endpoint, persistence and reporting. The engine (task-engine.ts) is the
 * one implementation.
 */
import type Docker from 'dockerode'
import type { Logger } from 'pino'
import type { AcsCredentials } from '../acs-task.js'
import type { AwsCredentials, TaskEngineOptions } from '../engine.js'
import type { ClientFactory, CredentialSource } from '../startup/clients.js'
import type { LabelContext } from './labels.js'
import type { ContainerState, ManagedTask, TaskSent } from './state.js'

export interface Runtime {
  readonly options: TaskEngineOptions
  readonly docker: Docker
  readonly clients: ClientFactory
  /** The emulator's ECR registry (`127.0.0.1:PORT`), asked of the control plane once. */
  readonly registry: () => Promise<string | undefined>
  readonly log: Logger
  readonly labels: LabelContext
  /** The agent's Docker network (awsvpc tasks' pause containers; bridge tasks use Docker's default). */
  readonly networkName: string
  /** The endpoint server's port on 127.0.0.1. */
  readonly endpointPort: number
  /** True once the engine is closing: lifecycles stop where they are (the agent adopts later). */
  readonly closed: boolean
  save (mt: ManagedTask): void
  /** Sends the task's state as `status` (once per distinct change). */
  report (mt: ManagedTask, status: TaskSent): void
  /** Makes the container findable by its Docker id (for events). */
  indexContainer (mt: ManagedTask, c: ContainerState): void
  scheduleCleanup (mt: ManagedTask): void
  /** A bridge container has started (or was adopted running): 169.254.170.2 from its address. */
  routeContainer (c: ContainerState): Promise<void>
  /** It exited: its address is free for another container. */
  unrouteContainer (c: ContainerState): Promise<void>
}

export const STOP_TIMEOUT_SECONDS = 30

export function awsCredentials (c: AcsCredentials): AwsCredentials {
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken,
    expiration: new Date(c.expiration)
  }
}

/** The execution role's credentials as they are now (refreshes replace them in the task). */
export function executionCredentials (mt: ManagedTask): CredentialSource | undefined {
  if (mt.state.task.executionRoleCredentials === undefined) return undefined
  return async () => awsCredentials(mt.state.task.executionRoleCredentials!)
}

/**
 * What ECR pulls and the awslogs driver sign with: the execution role when the task has one,
 * else the instance role (EC2).
 */
export function pullCredentials (rt: Runtime, mt: ManagedTask): CredentialSource {
  return executionCredentials(mt) ?? rt.options.instanceCredentials
}

export const taskRegion = (rt: Runtime, mt: ManagedTask): string =>
  mt.state.task.arn.split(':')[3] || rt.options.region

export const now = (): string => new Date().toISOString()

/** Waits for `p`, but no longer than `ms`. */
export async function within (p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([p, new Promise<void>(resolve => { timer = setTimeout(resolve, ms) })])
  clearTimeout(timer)
}
