/**
 * ECS cluster operations: CreateCluster, DescribeClusters, ListClusters, DeleteCluster,
 * UpdateCluster, UpdateClusterSettings, PutClusterCapacityProviders.
 */
import { operation, type Check, type Operation, type OperationContext } from '../registry.js'
import { arns, type Scope } from '../../src/ecs/arns.js'
import { effectiveValue } from '../../src/ecs/account-settings.js'
import { requestTagContext, tagOnCreate } from '../../src/ecs/authz.js'
import { isKnownProvider } from '../../src/ecs/capacity-provider.js'
import {
  MUTATION_VIEW, deleteCluster, newCluster, putCapacityProviders, toWireCluster, updateCluster,
  type CapacityProviderStrategyItem, type ClusterConfiguration, type ClusterField,
  type ClusterRecord, type ClusterSetting, type CreateClusterRequest, type UpdateClusterRequest
} from '../../src/ecs/cluster.js'
import { clusterUsage } from '../../src/ecs/cluster-usage.js'
import { authorizeOn, clusterRef, resourceTags, scopeOf } from '../../src/ecs/context.js'
import { ecsErrors } from '../../src/ecs/errors.js'
import { paginate } from '../../src/ecs/pagination.js'
import type { RequestContext } from '../../src/iam/policy.js'
import { F } from '../../src/log.js'

const wire = (ctx: OperationContext, c: ClusterRecord, include: ReadonlySet<ClusterField>) =>
  toWireCluster(c, clusterUsage(ctx.emulator.ecs, scopeOf(ctx), c.clusterName),
    ctx.emulator.tags.list(c.clusterArn), include)

/** `ecs:capacity-provider` (the providers' ARNs) and the Fargate ephemeral-storage key. */
function capacityContext (scope: Scope, providers: string[] | undefined,
  configuration: ClusterConfiguration | undefined): RequestContext {
  const context: RequestContext = {}
  if (providers !== undefined && providers.length > 0) {
    context['ecs:capacity-provider'] = providers.map(p => arns.capacityProvider(scope, p))
  }
  const key = configuration?.managedStorageConfiguration?.fargateEphemeralStorageKmsKeyId
  if (key !== undefined) context['ecs:fargate-ephemeral-storage-kms-key'] = key
  return context
}

/** ecs:CreateCluster on the new ARN, and ecs:TagResource for its tags (tagResourceAuthorization). */
function createChecks (ctx: OperationContext, cluster: ClusterRecord, input: CreateClusterRequest): Check[] {
  const scope = scopeOf(ctx)
  const tags = input.tags ?? []
  const context = {
    ...requestTagContext(tags),
    ...capacityContext(scope, input.capacityProviders, input.configuration)
  }
  const checks: Check[] = [{ action: 'ecs:CreateCluster', resource: cluster.clusterArn, context }]
  const settings = ctx.emulator.ecs.accountSettings
  if (tags.length > 0 && effectiveValue(settings, scope, ctx.principal, 'tagResourceAuthorization') === 'on') {
    checks.push(tagOnCreate(cluster.clusterArn, 'CreateCluster', tags))
  }
  return checks
}

const CreateCluster = operation({
  authorize: 'handler',
  notes: 'Idempotent for an existing ACTIVE cluster, which is returned unchanged. `serviceConnectDefaults` is accepted and echoed as a namespace ARN; Cloud Map is not emulated.',
  handle (input: CreateClusterRequest, ctx) {
    const scope = scopeOf(ctx)
    const insights = effectiveValue(ctx.emulator.ecs.accountSettings, scope, ctx.principal, 'containerInsights')
    const cluster = newCluster(input, scope, insights, isKnownProvider, ctx.now)
    ctx.authorize(createChecks(ctx, cluster, input))

    const existing = ctx.emulator.ecs.clusters.get(scope, cluster.clusterName)
    if (existing?.status === 'ACTIVE') return { cluster: wire(ctx, existing, MUTATION_VIEW) }
    ctx.emulator.db.transaction(() => {
      ctx.emulator.tags.drop(cluster.clusterArn)
      ctx.emulator.ecs.clusters.create(cluster)
      ctx.emulator.tags.tag(cluster.clusterArn, input.tags ?? [])
    })()
    ctx.log.info({ [F.cluster]: cluster.clusterArn }, 'cluster created')
    return { cluster: wire(ctx, cluster, MUTATION_VIEW) }
  }
})

interface DescribeClustersRequest { clusters?: string[], include?: ClusterField[] }

const DescribeClusters = operation({
  authorize: 'handler',
  handle (input: DescribeClustersRequest, ctx) {
    const scope = scopeOf(ctx)
    const named = input.clusters ?? []
    const refs = (named.length === 0 ? ['default'] : named).map(r => clusterRef(r, scope))
    if (refs.length > 100) throw ecsErrors.tooMany('clusters', 100)
    ctx.authorize(refs.map(r => ({
      action: 'ecs:DescribeClusters', resource: r.arn, context: resourceTags(ctx, r.arn)
    })))

    const include = new Set(input.include ?? [])
    const clusters = []
    const failures = []
    for (const ref of refs) {
      const found = ref.local ? ctx.emulator.ecs.clusters.get(scope, ref.name) : undefined
      if (found === undefined) failures.push({ arn: ref.arn, reason: 'MISSING' })
      else clusters.push(wire(ctx, found, include))
    }
    return { clusters, failures }
  }
})

const ListClusters = operation({
  handle (input: { maxResults?: number, nextToken?: string }, ctx) {
    const all = ctx.emulator.ecs.clusters.list(scopeOf(ctx)).map(c => c.clusterArn)
    const page = paginate(all, input.maxResults, input.nextToken, { fallback: 100, max: 100 })
    return { clusterArns: page.items, nextToken: page.nextToken }
  }
})

const DeleteCluster = operation({
  authorize: 'handler',
  notes: 'Refuses while container instances are ACTIVE or DRAINING, while tasks are not STOPPED, and while services are ACTIVE.',
  handle (input: { cluster: string }, ctx) {
    const cluster = authorizeOn(ctx, 'ecs:DeleteCluster', input.cluster)

    const usage = clusterUsage(ctx.emulator.ecs, scopeOf(ctx), cluster.clusterName)
    const deleted = deleteCluster(cluster, usage)
    ctx.emulator.ecs.clusters.save(deleted)
    ctx.log.info({ [F.cluster]: deleted.clusterArn }, 'cluster deleted')
    return { cluster: wire(ctx, deleted, MUTATION_VIEW) }
  }
})

const UpdateCluster = operation({
  authorize: 'handler',
  handle (input: UpdateClusterRequest, ctx) {
    const context = capacityContext(scopeOf(ctx), undefined, input.configuration)
    const cluster = authorizeOn(ctx, 'ecs:UpdateCluster', input.cluster, context)

    const updated = updateCluster(cluster, input)
    ctx.emulator.ecs.clusters.save(updated)
    return { cluster: wire(ctx, updated, MUTATION_VIEW) }
  }
})

const UpdateClusterSettings = operation({
  authorize: 'handler',
  handle (input: { cluster: string, settings: ClusterSetting[] }, ctx) {
    const cluster = authorizeOn(ctx, 'ecs:UpdateClusterSettings', input.cluster)

    const updated = updateCluster(cluster, { cluster: input.cluster, settings: input.settings })
    ctx.emulator.ecs.clusters.save(updated)
    return { cluster: wire(ctx, updated, MUTATION_VIEW) }
  }
})

interface PutClusterCapacityProvidersRequest {
  cluster: string
  capacityProviders: string[]
  defaultCapacityProviderStrategy: CapacityProviderStrategyItem[]
}

const PutClusterCapacityProviders = operation({
  authorize: 'handler',
  notes: 'Only FARGATE and FARGATE_SPOT exist; the Auto Scaling attachments of EC2 providers are not modelled.',
  handle (input: PutClusterCapacityProvidersRequest, ctx) {
    const context = capacityContext(scopeOf(ctx), input.capacityProviders, undefined)
    const cluster = authorizeOn(ctx, 'ecs:PutClusterCapacityProviders', input.cluster, context)

    const updated = putCapacityProviders(cluster, input.capacityProviders,
      input.defaultCapacityProviderStrategy, isKnownProvider)
    ctx.emulator.ecs.clusters.save(updated)
    return { cluster: wire(ctx, updated, MUTATION_VIEW) }
  }
})

export const clusterOperations: Record<string, Operation> = {
  CreateCluster, DescribeClusters, ListClusters, DeleteCluster, UpdateCluster,
  UpdateClusterSettings, PutClusterCapacityProviders
}
