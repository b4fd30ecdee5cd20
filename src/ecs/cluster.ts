/**
 * Clusters: what CreateCluster and the update calls accept, the INACTIVE state a deleted
 * cluster keeps, and the `Cluster` shape DescribeClusters shows for each `include` option.
 * Counts of instances, tasks and services come from elsewhere (cluster-usage.ts).
 */
import { createHash } from 'node:crypto'
import { arns, type Scope } from './arns.js'
import { ecsErrors } from './errors.js'
import type { WireTag } from '../../store/tags.js'

export type ClusterStatus = 'ACTIVE' | 'PROVISIONING' | 'DEPROVISIONING' | 'FAILED' | 'INACTIVE'

export interface ClusterSetting { name: 'containerInsights', value: string }

export interface CapacityProviderStrategyItem {
  capacityProvider: string
  weight?: number
  base?: number
}

export interface ExecuteCommandConfiguration {
  kmsKeyId?: string
  logging?: 'NONE' | 'DEFAULT' | 'OVERRIDE'
  logConfiguration?: {
    cloudWatchEncryptionEnabled?: boolean
    cloudWatchLogGroupName?: string
    s3BucketName?: string
    s3EncryptionEnabled?: boolean
    s3KeyPrefix?: string
  }
}

export interface ClusterConfiguration {
  executeCommandConfiguration?: ExecuteCommandConfiguration
  managedStorageConfiguration?: { kmsKeyId?: string, fargateEphemeralStorageKmsKeyId?: string }
}

export interface CreateClusterRequest {
  clusterName?: string
  tags?: WireTag[]
  settings?: ClusterSetting[]
  configuration?: ClusterConfiguration
  capacityProviders?: string[]
  defaultCapacityProviderStrategy?: CapacityProviderStrategyItem[]
  serviceConnectDefaults?: { namespace: string }
}

export interface UpdateClusterRequest {
  cluster: string
  settings?: ClusterSetting[]
  configuration?: ClusterConfiguration
  serviceConnectDefaults?: { namespace: string }
}

export interface ClusterRecord {
  account: string
  region: string
  clusterName: string
  clusterArn: string
  status: ClusterStatus
  settings: ClusterSetting[]
  configuration?: ClusterConfiguration
  capacityProviders: string[]
  defaultCapacityProviderStrategy: Required<CapacityProviderStrategyItem>[]
  serviceConnectDefaults?: { namespace: string }
  createdAt: number
}

/** What a cluster holds, counted by whoever owns each kind of resource. */
export interface ClusterUsage {
  registeredContainerInstancesCount: number
  runningTasksCount: number
  pendingTasksCount: number
  activeServicesCount: number
  /** DescribeClusters `STATISTICS`: counts by launch type, values as strings. */
  statistics: { name: string, value: string }[]
}

export type ClusterField = 'ATTACHMENTS' | 'CONFIGURATIONS' | 'SETTINGS' | 'STATISTICS' | 'TAGS'

/** What CreateCluster, UpdateCluster, DeleteCluster ... answer with. */
export const MUTATION_VIEW: ReadonlySet<ClusterField> =
  new Set<ClusterField>(['CONFIGURATIONS', 'SETTINGS', 'TAGS'])

const NAME = /^[a-zA-Z0-9_-]{1,255}$/
const INSIGHTS = ['enabled', 'disabled', 'enhanced']

export function checkClusterName (name: string): void {
  if (!NAME.test(name)) throw ecsErrors.badClusterName(name)
}

/** A new ACTIVE cluster; `containerInsights` is the caller's account setting when not given. */
export function newCluster (input: CreateClusterRequest, scope: Scope, containerInsights: string,
  knownProvider: KnownProvider, now: Date): ClusterRecord {
  const clusterName = input.clusterName === undefined || input.clusterName === ''
    ? 'default'
    : input.clusterName
  checkClusterName(clusterName)
  const capacityProviders = input.capacityProviders ?? []
  const strategy = input.defaultCapacityProviderStrategy ?? []
  const insights: ClusterSetting = { name: 'containerInsights', value: containerInsights }

  return {
    ...scope,
    clusterName,
    clusterArn: arns.cluster(scope, clusterName),
    status: 'ACTIVE',
    settings: mergeSettings([insights], input.settings),
    configuration: input.configuration,
    capacityProviders,
    defaultCapacityProviderStrategy: checkCapacityProviders(capacityProviders, strategy, knownProvider),
    serviceConnectDefaults: serviceConnect(scope, input.serviceConnectDefaults),
    createdAt: now.getTime() / 1000
  }
}

/** UpdateCluster: settings merge by name; configuration and Service Connect replace. */
export function updateCluster (cluster: ClusterRecord, input: UpdateClusterRequest): ClusterRecord {
  const scope = { account: cluster.account, region: cluster.region }
  return {
    ...cluster,
    settings: mergeSettings(cluster.settings, input.settings),
    configuration: input.configuration ?? cluster.configuration,
    serviceConnectDefaults: input.serviceConnectDefaults === undefined
      ? cluster.serviceConnectDefaults
      : serviceConnect(scope, input.serviceConnectDefaults)
  }
}

/** PutClusterCapacityProviders replaces both lists whole. */
export function putCapacityProviders (cluster: ClusterRecord, providers: string[],
  strategy: CapacityProviderStrategyItem[], knownProvider: KnownProvider): ClusterRecord {
  const checked = checkCapacityProviders(providers, strategy, knownProvider)
  return { ...cluster, capacityProviders: providers, defaultCapacityProviderStrategy: checked }
}

/**
 * DeleteCluster's refusals, then INACTIVE. Services and tasks count once those exist; the
 * order AWS checks them in is (unconfirmed).
 */
export function deleteCluster (cluster: ClusterRecord, usage: ClusterUsage): ClusterRecord {
  if (usage.activeServicesCount > 0) throw ecsErrors.clusterHasServices()
  if (usage.runningTasksCount + usage.pendingTasksCount > 0) throw ecsErrors.clusterHasTasks()
  if (usage.registeredContainerInstancesCount > 0) throw ecsErrors.clusterHasInstances()
  return { ...cluster, status: 'INACTIVE' }
}

function mergeSettings (current: ClusterSetting[], changes: ClusterSetting[] = []): ClusterSetting[] {
  const merged = new Map(current.map(s => [s.name, s.value]))
  for (const s of changes) {
    if (!INSIGHTS.includes(s.value)) throw ecsErrors.clusterSettingValue(s.name, s.value)
    merged.set(s.name, s.value)
  }
  return [...merged].map(([name, value]) => ({ name, value }))
}

type KnownProvider = (name: string) => boolean

/** The strategy as ECS reports it, `weight` and `base` 0 where not given. */
function checkCapacityProviders (providers: string[], strategy: CapacityProviderStrategyItem[],
  knownProvider: KnownProvider): Required<CapacityProviderStrategyItem>[] {
  for (const p of providers) if (!knownProvider(p)) throw ecsErrors.capacityProviderMissing(p)
  if (strategy.some(s => !providers.includes(s.capacityProvider))) throw ecsErrors.strategyNotAssociated()
  if (strategy.filter(s => (s.base ?? 0) > 0).length > 1) throw ecsErrors.strategyBase()
  return strategy.map(s =>
    ({ capacityProvider: s.capacityProvider, weight: s.weight ?? 0, base: s.base ?? 0 }))
}

/**
 * Service Connect defaults keep a Cloud Map namespace ARN. A name stands for an HTTP namespace
 * AWS would create; here it only gets a stable ARN (Cloud Map is not emulated). An empty
 * namespace removes the defaults, as on AWS.
 */
function serviceConnect (scope: Scope, input: Namespace | undefined): Namespace | undefined {
  if (input === undefined || input.namespace === '') return undefined
  if (input.namespace.startsWith('arn:')) return { namespace: input.namespace }
  const id = createHash('sha256').update(`${scope.account}/${scope.region}/${input.namespace}`)
    .digest('hex').slice(0, 16)
  return { namespace: `arn:aws:servicediscovery:${scope.region}:${scope.account}:namespace/ns-${id}` }
}

interface Namespace { namespace: string }

/**
 * The `Cluster` shape. Without an `include` option its list stays empty (statistics, tags,
 * settings) or its member stays away (configuration, attachments), as DescribeClusters does.
 */
export function toWireCluster (c: ClusterRecord, usage: ClusterUsage, tags: WireTag[],
  include: ReadonlySet<ClusterField>): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    clusterArn: c.clusterArn,
    clusterName: c.clusterName,
    status: c.status,
    registeredContainerInstancesCount: usage.registeredContainerInstancesCount,
    runningTasksCount: usage.runningTasksCount,
    pendingTasksCount: usage.pendingTasksCount,
    activeServicesCount: usage.activeServicesCount,
    statistics: include.has('STATISTICS') ? usage.statistics : [],
    tags: include.has('TAGS') ? tags : [],
    settings: include.has('SETTINGS') ? c.settings : [],
    capacityProviders: c.capacityProviders,
    defaultCapacityProviderStrategy: c.defaultCapacityProviderStrategy,
    serviceConnectDefaults: c.serviceConnectDefaults
  }
  if (include.has('CONFIGURATIONS')) wire.configuration = c.configuration
  if (include.has('ATTACHMENTS')) wire.attachments = []
  return wire
}
