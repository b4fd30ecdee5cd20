/**
 * Service deployments and service revisions, the history ECS keeps of a service's rollouts
 * (DescribeServiceDeployments, ListServiceDeployments, DescribeServiceRevisions). Each new
 * PRIMARY deployment (`ecs-svc/…`) starts a service deployment whose target is a revision: the
 * task definition, launch and network configuration and load balancers it rolls out. The
 * scheduler ends it: SUCCESSFUL when the deployment completes, ROLLBACK_IN_PROGRESS then
 * ROLLBACK_SUCCESSFUL when the circuit breaker rolls it back; a newer one, or the service's
 * deletion, STOPS one still in progress.
 */
import { randomBytes } from 'node:crypto'
import type { CapacityProviderStrategyItem } from './cluster.js'
import type { NetworkConfiguration } from './run-task.js'
import { countsOf, type DeploymentConfiguration, type DeploymentRecord, type ServiceLoadBalancer,
  type ServiceRecord } from './service.js'
import { circuitBreakerThreshold } from './service-rollout.js'
import type { LaunchType, TaskRecord } from './task.js'

export type ServiceDeploymentStatus = 'PENDING' | 'SUCCESSFUL' | 'STOPPED' | 'STOP_REQUESTED' |
  'IN_PROGRESS' | 'ROLLBACK_REQUESTED' | 'ROLLBACK_IN_PROGRESS' | 'ROLLBACK_SUCCESSFUL' |
  'ROLLBACK_FAILED'

export interface ServiceRevisionRecord {
  /** 19 digits: the number of the deployment that first rolled it out. */
  id: string
  taskDefinition: string
  launchType?: LaunchType
  capacityProviderStrategy?: CapacityProviderStrategyItem[]
  platformVersion?: string
  platformFamily?: string
  networkConfiguration?: NetworkConfiguration
  loadBalancers: ServiceLoadBalancer[]
  createdAt: number
}

export interface ServiceDeploymentRecord {
  id: string
  /** The `ecs-svc/…` deployments it ran: its own, then its rollback's. */
  deploymentIds: string[]
  status: ServiceDeploymentStatus
  statusReason?: string
  createdAt: number
  startedAt: number
  finishedAt?: number
  stoppedAt?: number
  updatedAt: number
  target: ServiceRevisionRecord
  sources: ServiceRevisionRecord[]
  deploymentConfiguration: DeploymentConfiguration
  rollback?: { reason: string, startedAt: number, revisionId: string }
  /** The circuit breaker tripped on it. */
  tripped?: boolean
}

/** Kept per service, newest first (AWS keeps 90 days of them). */
const KEPT = 50

/** `NCWGC2ZR-taawPAYrIaU5`-like: 21 URL-safe characters. */
const newServiceDeploymentId = (): string => {
  const text = randomBytes(16).toString('base64url')
  return `${text.slice(0, 8)}-${text.slice(8, 20)}`
}

export const revisionOf = (d: DeploymentRecord, s: ServiceRecord): ServiceRevisionRecord => ({
  id: d.id.replace(/^ecs-svc\//, ''),
  taskDefinition: d.taskDefinition,
  launchType: d.launchType,
  capacityProviderStrategy: d.capacityProviderStrategy,
  platformVersion: d.platformVersion,
  platformFamily: d.platformFamily,
  networkConfiguration: d.networkConfiguration,
  loadBalancers: s.loadBalancers,
  createdAt: d.createdAt
})

/** The history entry that ran the deployment, if any. */
export const serviceDeploymentOf = (s: ServiceRecord, deploymentId: string): ServiceDeploymentRecord | undefined =>
  (s.serviceDeployments ?? []).find(h => h.deploymentIds.includes(deploymentId))

/**
 * The service with a service deployment for its PRIMARY deployment when it has none yet; the
 * ones still in progress before it STOPPED. A DRAINING service stops the one in progress.
 */
export function withServiceDeployments (s: ServiceRecord, now: Date): ServiceRecord {
  const at = now.getTime() / 1000
  const primary = s.deployments[0]
  const history = s.serviceDeployments ?? []
  const open = (h: ServiceDeploymentRecord) => h.status === 'IN_PROGRESS' || h.status === 'PENDING' ||
    h.status === 'ROLLBACK_IN_PROGRESS'
  const stop = (h: ServiceDeploymentRecord, reason: string): ServiceDeploymentRecord =>
    open(h) ? { ...h, status: 'STOPPED', statusReason: reason, stoppedAt: at, updatedAt: at } : h
  if (s.status !== 'ACTIVE') {
    if (!history.some(open)) return s
    // (unconfirmed) the reason ECS gives
    return { ...s, serviceDeployments: history.map(h => stop(h, 'Service deleted')) }
  }
  if (primary === undefined || serviceDeploymentOf(s, primary.id) !== undefined) return s
  const target = revisionOf(primary, s)
  const sources = s.deployments.slice(1).map(d =>
    serviceDeploymentOf(s, d.id)?.target ?? revisionOf(d, s))
  const made: ServiceDeploymentRecord = {
    id: newServiceDeploymentId(),
    deploymentIds: [primary.id],
    status: 'IN_PROGRESS',
    createdAt: at,
    startedAt: at,
    updatedAt: at,
    target,
    sources,
    deploymentConfiguration: s.deploymentConfiguration
  }
  // (unconfirmed) the reason ECS gives a deployment a newer one replaced
  const older = history.map(h => stop(h, 'A new service deployment started.'))
  return { ...s, serviceDeployments: [made, ...older].slice(0, KEPT) }
}

/** The service with the entry that ran `deploymentId` changed. */
export function updateServiceDeployment (s: ServiceRecord, deploymentId: string, now: Date,
  change: (h: ServiceDeploymentRecord) => ServiceDeploymentRecord): ServiceRecord {
  const at = now.getTime() / 1000
  const history = s.serviceDeployments ?? []
  if (!history.some(h => h.deploymentIds.includes(deploymentId))) return s
  return {
    ...s,
    serviceDeployments: history.map(h => h.deploymentIds.includes(deploymentId) ? { ...change(h), updatedAt: at } : h)
  }
}

// --- ARNs and the wire ------------------------------------------------------------------------

const base = (s: ServiceRecord): string => `arn:aws:ecs:${s.region}:${s.account}`
export const serviceDeploymentArn = (s: ServiceRecord, id: string): string =>
  `${base(s)}:service-deployment/${s.cluster}/${s.serviceName}/${id}`
export const serviceRevisionArn = (s: ServiceRecord, id: string): string =>
  `${base(s)}:service-revision/${s.cluster}/${s.serviceName}/${id}`

/** `service-deployment/CLUSTER/SERVICE/ID` or `service-revision/…` of an ARN. */
export function parseHistoryArn (arn: string, kind: 'service-deployment' | 'service-revision'):
  { account: string, region: string, cluster: string, service: string, id: string } | undefined {
  const m = new RegExp(`^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\\d{12}):${kind}/([^/]+)/([^/]+)/([^/]+)$`).exec(arn)
  return m === null ? undefined : { region: m[1], account: m[2], cluster: m[3], service: m[4], id: m[5] }
}

const date = (seconds: number | undefined): number | undefined => seconds

/**
 * The revision a live deployment runs: its service deployment's target, or for the deployment
 * of a rollback, the revision rolled back to.
 */
function revisionIdOf (s: ServiceRecord, d: DeploymentRecord): string {
  const h = serviceDeploymentOf(s, d.id)
  if (h === undefined) return d.id.replace(/^ecs-svc\//, '')
  return h.deploymentIds[0] !== d.id && h.rollback !== undefined ? h.rollback.revisionId : h.target.id
}

/** Every revision the service's history names, by id. */
export function revisionsOf (s: ServiceRecord): Map<string, ServiceRevisionRecord> {
  const all = new Map<string, ServiceRevisionRecord>()
  for (const h of [...(s.serviceDeployments ?? [])].reverse()) {
    for (const r of [...h.sources, h.target]) if (!all.has(r.id)) all.set(r.id, r)
  }
  return all
}

/** Requested, running and pending tasks of a revision: of the deployments that roll it out. */
function revisionSummary (s: ServiceRecord, r: ServiceRevisionRecord, tasks: TaskRecord[]) {
  const deployments = s.deployments.filter(d => revisionIdOf(s, d) === r.id)
  const ids = new Set(deployments.map(d => d.id))
  const { runningCount, pendingCount } = countsOf(tasks.filter(t => t.startedBy !== undefined && ids.has(t.startedBy)))
  return {
    arn: serviceRevisionArn(s, r.id),
    requestedTaskCount: deployments.reduce((n, d) => n + d.desiredCount, 0),
    runningTaskCount: runningCount,
    pendingTaskCount: pendingCount
  }
}

export function toWireServiceDeployment (s: ServiceRecord, h: ServiceDeploymentRecord,
  tasks: TaskRecord[]): Record<string, unknown> {
  const breaker = h.deploymentConfiguration.deploymentCircuitBreaker
  const deployment = s.deployments.find(d => h.deploymentIds.includes(d.id))
  const open = h.status === 'IN_PROGRESS' || h.status === 'ROLLBACK_IN_PROGRESS'
  return {
    serviceDeploymentArn: serviceDeploymentArn(s, h.id),
    serviceArn: s.serviceArn,
    clusterArn: s.clusterArn,
    createdAt: date(h.createdAt),
    startedAt: date(h.startedAt),
    finishedAt: date(h.finishedAt),
    stoppedAt: date(h.stoppedAt),
    updatedAt: date(h.updatedAt),
    sourceServiceRevisions: h.sources.map(r => revisionSummary(s, r, tasks)),
    targetServiceRevision: revisionSummary(s, h.target, tasks),
    status: h.status,
    statusReason: h.statusReason,
    deploymentConfiguration: h.deploymentConfiguration,
    rollback: h.rollback === undefined
      ? undefined
      : { reason: h.rollback.reason, startedAt: h.rollback.startedAt, serviceRevisionArn: serviceRevisionArn(s, h.rollback.revisionId) },
    deploymentCircuitBreaker: {
      status: breaker?.enable !== true ? 'DISABLED' : h.tripped === true ? 'TRIGGERED' : open ? 'MONITORING' : 'MONITORING_COMPLETE',
      failureCount: deployment?.failedTasks ?? 0,
      threshold: circuitBreakerThreshold(deployment?.desiredCount ?? s.desiredCount)
    },
    alarms: { status: 'DISABLED' }
  }
}

export const toWireServiceDeploymentBrief = (s: ServiceRecord, h: ServiceDeploymentRecord): Record<string, unknown> => ({
  serviceDeploymentArn: serviceDeploymentArn(s, h.id),
  serviceArn: s.serviceArn,
  clusterArn: s.clusterArn,
  startedAt: date(h.startedAt),
  createdAt: date(h.createdAt),
  finishedAt: date(h.finishedAt),
  targetServiceRevisionArn: serviceRevisionArn(s, h.target.id),
  status: h.status,
  statusReason: h.statusReason
})

export function toWireServiceRevision (s: ServiceRecord, r: ServiceRevisionRecord,
  images: { containerName: string, image: string }[]): Record<string, unknown> {
  return {
    serviceRevisionArn: serviceRevisionArn(s, r.id),
    serviceArn: s.serviceArn,
    clusterArn: s.clusterArn,
    taskDefinition: r.taskDefinition,
    capacityProviderStrategy: r.capacityProviderStrategy,
    launchType: r.launchType,
    platformVersion: r.platformVersion,
    platformFamily: r.platformFamily,
    loadBalancers: r.loadBalancers,
    serviceRegistries: [],
    networkConfiguration: r.networkConfiguration,
    containerImages: images,
    guardDutyEnabled: false,
    createdAt: date(r.createdAt)
  }
}

/** `currentServiceDeployment` and `currentServiceRevisions` of the Service shape. */
export function currentOf (s: ServiceRecord, tasks: TaskRecord[]): Record<string, unknown> {
  const latest = (s.serviceDeployments ?? [])[0]
  const known = revisionsOf(s)
  const revisions = s.deployments.map(d => known.get(revisionIdOf(s, d)) ?? revisionOf(d, s))
  const unique = [...new Map(revisions.map(r => [r.id, r])).values()]
  return {
    currentServiceDeployment: latest === undefined ? undefined : serviceDeploymentArn(s, latest.id),
    currentServiceRevisions: unique.map(r => revisionSummary(s, r, tasks))
  }
}
