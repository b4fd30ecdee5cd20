/**
 * ECS services as the control plane keeps them: the `Service` shape's terms, its deployments
 * (`ecs-svc/…`, one PRIMARY and the ACTIVE ones it replaces), its events in AWS's words, and
 * what the scheduler remembers between passes (the targets it registered, its back-off).
 * The API (api/ecs/services.ts) makes and changes them; the scheduler
 * (src/ecs/service-scheduler.ts) keeps their tasks.
 */
import { randomInt, randomUUID } from 'node:crypto'
import type { Scope } from './arns.js'
import type { CapacityProviderStrategyItem } from './cluster.js'
import type { PlacementConstraint, PlacementStrategy } from './placement.js'
import type { NetworkConfiguration } from './run-task.js'
import type { LaunchType, TaskRecord } from './task.js'
import type { ServiceDeploymentRecord } from './service-deployments.js'
import type { TaskStore } from '../../store/ecs/tasks.js'

export type ServiceStatus = 'ACTIVE' | 'DRAINING' | 'INACTIVE'
export type SchedulingStrategy = 'REPLICA' | 'DAEMON'
export type DeploymentStatus = 'PRIMARY' | 'ACTIVE' | 'INACTIVE'
export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED'

export interface ServiceLoadBalancer {
  targetGroupArn?: string
  loadBalancerName?: string
  containerName?: string
  containerPort?: number
}

export interface DeploymentCircuitBreaker { enable: boolean, rollback: boolean }

export interface DeploymentConfiguration {
  deploymentCircuitBreaker?: DeploymentCircuitBreaker
  maximumPercent?: number
  minimumHealthyPercent?: number
}

export interface ServiceEvent {
  id: string
  /** Epoch seconds. */
  createdAt: number
  message: string
  /** The denial that caused it (not on the wire: `GET /_emulator/services?arn=`). */
  decisionId?: string
}

export interface DeploymentRecord {
  /** `ecs-svc/` and 19 digits; the tasks it starts carry it as `startedBy`. */
  id: string
  status: DeploymentStatus
  taskDefinition: string
  desiredCount: number
  failedTasks: number
  createdAt: number
  updatedAt: number
  launchType?: LaunchType
  capacityProviderStrategy?: CapacityProviderStrategyItem[]
  platformVersion?: string
  platformFamily?: string
  networkConfiguration?: NetworkConfiguration
  rolloutState: RolloutState
  rolloutStateReason: string
}

/** A target the scheduler registered for a task, so that it deregisters exactly that. */
export interface RegisteredTarget {
  taskArn: string
  targetGroupArn: string
  id: string
  port: number
}

export interface ServiceRecord extends Scope {
  cluster: string
  serviceName: string
  serviceArn: string
  clusterArn: string
  status: ServiceStatus
  /** The PRIMARY deployment's task definition ARN. */
  taskDefinition: string
  desiredCount: number
  launchType?: LaunchType
  capacityProviderStrategy?: CapacityProviderStrategyItem[]
  platformVersion?: string
  platformFamily?: string
  /** The role the scheduler calls ELBv2 as: `role` given, else the service-linked role. */
  roleArn?: string
  /** True when the caller gave `role` (the classic ecsServiceRole). */
  roleGiven: boolean
  loadBalancers: ServiceLoadBalancer[]
  serviceRegistries: unknown[]
  deploymentConfiguration: DeploymentConfiguration
  deploymentController: { type: 'ECS' }
  networkConfiguration?: NetworkConfiguration
  placementConstraints: PlacementConstraint[]
  placementStrategy: PlacementStrategy[]
  schedulingStrategy: SchedulingStrategy
  healthCheckGracePeriodSeconds?: number
  enableECSManagedTags: boolean
  enableExecuteCommand: boolean
  propagateTags: 'NONE' | 'TASK_DEFINITION' | 'SERVICE'
  availabilityZoneRebalancing?: string
  /** Epoch seconds. */
  createdAt: number
  createdBy: string
  /** PRIMARY first, then the ACTIVE ones, newest first. */
  deployments: DeploymentRecord[]
  /** Newest first, at most 100. */
  events: ServiceEvent[]
  /** Whether the last pass found the service steady (the steady-state event says so once). */
  steady: boolean
  registered: RegisteredTarget[]
  /** Consecutive tasks that stopped before they ran; the next start waits until `retryAt` (ms). */
  backoff: { failures: number, retryAt: number }
  /** The service's tasks the last pass saw not yet STOPPED (the scheduler notices who stopped). */
  tracked?: string[]
  /** The last deployment that completed: where the circuit breaker rolls back to. */
  lastCompleted?: DeploymentRecord
  /** The service deployments, newest first (src/ecs/service-deployments.ts). */
  serviceDeployments?: ServiceDeploymentRecord[]
  version: number
}

/** The group every task of the service carries. */
export const serviceGroup = (serviceName: string): string => `service:${serviceName}`

/** The service's tasks that are not STOPPED: what its counts are made of. */
export const liveTasksOf = (tasks: TaskStore, s: ServiceRecord): TaskRecord[] =>
  tasks.list(s, s.cluster, { group: serviceGroup(s.serviceName) }).filter(t => t.lastStatus !== 'STOPPED')

/** `ecs-svc/` and 19 digits. */
export const newDeploymentId = (): string =>
  `ecs-svc/${randomInt(1, 9)}${Array.from({ length: 18 }, () => randomInt(0, 10)).join('')}`

/** The defaults ECS fills in: 100/200 for REPLICA, 0/100 for DAEMON; no circuit breaker. */
export function deploymentDefaults (given: DeploymentConfiguration | undefined,
  strategy: SchedulingStrategy): DeploymentConfiguration {
  const daemon = strategy === 'DAEMON'
  return {
    deploymentCircuitBreaker: given?.deploymentCircuitBreaker ?? { enable: false, rollback: false },
    maximumPercent: given?.maximumPercent ?? (daemon ? 100 : 200),
    minimumHealthyPercent: given?.minimumHealthyPercent ?? (daemon ? 0 : 100)
  }
}

export const MAX_EVENTS = 100
const SIX_HOURS = 6 * 3600

/**
 * The service with `message` as its newest event. A message already among the events of the
 * last six hours is not repeated (AWS suppresses a duplicate until its cause is resolved or six
 * hours have passed), unless `repeat` says the caller knows the cause came back. `prefix`
 * replaces `(service NAME)` (the draining event names the task set too).
 */
export function withEvent (s: ServiceRecord, message: string, now: Date,
  options: { decisionId?: string, repeat?: boolean, prefix?: string } = {}): ServiceRecord {
  const at = now.getTime() / 1000
  const text = `${options.prefix ?? `(service ${s.serviceName})`} ${message}`
  if (options.repeat !== true &&
    s.events.some(e => e.message === text && at - e.createdAt < SIX_HOURS)) return s
  const event: ServiceEvent = { id: randomUUID(), createdAt: at, message: text }
  if (options.decisionId !== undefined) event.decisionId = options.decisionId
  return { ...s, events: [event, ...s.events].slice(0, MAX_EVENTS) }
}

// --- counts ---------------------------------------------------------------------------------

export interface Counts { runningCount: number, pendingCount: number }

/**
 * RUNNING tasks, and those on their way there (PROVISIONING, PENDING, ACTIVATING: whether ECS
 * counts the first and the last as pending is unconfirmed; the console does). Tasks asked to
 * stop count for neither.
 */
export function countsOf (tasks: TaskRecord[]): Counts {
  let runningCount = 0
  let pendingCount = 0
  for (const t of tasks) {
    if (t.desiredStatus !== 'RUNNING') continue
    if (t.lastStatus === 'RUNNING') runningCount++
    else if (t.lastStatus !== 'STOPPED' && t.lastStatus !== 'STOPPING') pendingCount++
  }
  return { runningCount, pendingCount }
}

// --- the wire ---------------------------------------------------------------------------------

/** The JSON protocol carries timestamps as epoch seconds. */
const date = (seconds: number): number => seconds

/** The `Service` shape, with counts from the service's tasks that are not STOPPED. */
export function toWireService (s: ServiceRecord, tasks: TaskRecord[],
  tags?: { key?: string, value?: string }[]): Record<string, unknown> {
  const { runningCount, pendingCount } = countsOf(tasks)
  return {
    serviceArn: s.serviceArn,
    serviceName: s.serviceName,
    clusterArn: s.clusterArn,
    loadBalancers: s.loadBalancers,
    serviceRegistries: s.serviceRegistries,
    status: s.status,
    desiredCount: s.desiredCount,
    runningCount,
    pendingCount,
    launchType: s.launchType,
    capacityProviderStrategy: s.capacityProviderStrategy,
    platformVersion: s.platformVersion,
    platformFamily: s.platformFamily,
    taskDefinition: s.taskDefinition,
    deploymentConfiguration: s.deploymentConfiguration,
    deployments: s.deployments.map(d => toWireDeployment(d, tasks)),
    roleArn: s.roleArn,
    events: s.events.map(e => ({ id: e.id, createdAt: date(e.createdAt), message: e.message })),
    createdAt: date(s.createdAt),
    placementConstraints: s.placementConstraints,
    placementStrategy: s.placementStrategy,
    networkConfiguration: s.networkConfiguration,
    healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
    schedulingStrategy: s.schedulingStrategy,
    deploymentController: s.deploymentController,
    tags,
    createdBy: s.createdBy,
    enableECSManagedTags: s.enableECSManagedTags,
    propagateTags: s.propagateTags,
    enableExecuteCommand: s.enableExecuteCommand,
    availabilityZoneRebalancing: s.availabilityZoneRebalancing
  }
}

export function toWireDeployment (d: DeploymentRecord, tasks: TaskRecord[]): Record<string, unknown> {
  const { runningCount, pendingCount } = countsOf(tasks.filter(t => t.startedBy === d.id))
  return {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinition,
    desiredCount: d.desiredCount,
    pendingCount,
    runningCount,
    failedTasks: d.failedTasks,
    createdAt: date(d.createdAt),
    updatedAt: date(d.updatedAt),
    capacityProviderStrategy: d.capacityProviderStrategy,
    launchType: d.launchType,
    platformVersion: d.platformVersion,
    platformFamily: d.platformFamily,
    networkConfiguration: d.networkConfiguration,
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason
  }
}

export const ROLLOUT = {
  inProgress: (id: string) => `ECS deployment ${id} in progress.`,
  completed: (id: string) => `ECS deployment ${id} completed.`,
  circuitBreaker: 'ECS deployment circuit breaker: tasks failed to start.'
} as const

/** A new PRIMARY deployment of the service's current configuration. */
export function newDeployment (s: Pick<ServiceRecord, 'taskDefinition' | 'desiredCount' |
  'launchType' | 'capacityProviderStrategy' | 'platformVersion' | 'platformFamily' |
  'networkConfiguration'>, now: Date): DeploymentRecord {
  const at = now.getTime() / 1000
  const id = newDeploymentId()
  return {
    id,
    status: 'PRIMARY',
    taskDefinition: s.taskDefinition,
    desiredCount: s.desiredCount,
    failedTasks: 0,
    createdAt: at,
    updatedAt: at,
    launchType: s.launchType,
    capacityProviderStrategy: s.capacityProviderStrategy,
    platformVersion: s.platformVersion,
    platformFamily: s.platformFamily,
    networkConfiguration: s.networkConfiguration,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: ROLLOUT.inProgress(id)
  }
}
