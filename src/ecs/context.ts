/**
 * What ECS handlers share: the caller's scope (account and region), reading a cluster
 * reference (a name or an ARN), and the lookups that turn one into a cluster or an error.
 */
import type { OperationContext } from '../../api/registry.js'
import type { RequestContext } from '../iam/policy.js'
import { arns, clusterName, parseArn, type Scope } from './arns.js'
import { resourceTagContext } from './authz.js'
import type { ClusterRecord } from './cluster.js'
import { ecsErrors } from './errors.js'

export const scopeOf = (ctx: OperationContext): Scope =>
  ({ account: ctx.account, region: ctx.region })

export interface ClusterRef {
  name: string
  /** The ARN the caller gave, or the one its name makes in the caller's scope. */
  arn: string
  /** False for an ARN of another account or region: nothing there is visible. */
  local: boolean
}

export function clusterRef (ref: string | undefined, scope: Scope): ClusterRef {
  const name = clusterName(ref)
  const arn = ref === undefined ? undefined : parseArn(ref)
  if (arn === undefined || !arn.resource.startsWith('cluster/')) {
    return { name, arn: arns.cluster(scope, name), local: true }
  }
  const local = arn.account === scope.account && arn.region === scope.region
  return { name, arn: ref!, local }
}

/**
 * The ACTIVE cluster a call names (default `default`). A missing cluster and an INACTIVE one
 * both answer ClusterNotFoundException, which is what the agent waits for before it creates
 * `default` itself.
 */
export function activeCluster (ctx: OperationContext, ref: ClusterRef): ClusterRecord {
  const cluster = ref.local ? ctx.emulator.ecs.clusters.get(scopeOf(ctx), ref.name) : undefined
  if (cluster === undefined || cluster.status === 'INACTIVE') throw ecsErrors.clusterNotFound()
  return cluster
}

/** `aws:ResourceTag/...` keys of a resource, from its tags. */
export const resourceTags = (ctx: OperationContext, arn: string): RequestContext =>
  resourceTagContext(ctx.emulator.tags.list(arn))

/**
 * Authorizes `action` on the cluster a call names, with the cluster's tags as context, and
 * returns the ACTIVE cluster.
 */
export function authorizeOn (ctx: OperationContext, action: string, ref: string | undefined,
  context: RequestContext = {}): ClusterRecord {
  const cluster = clusterRef(ref, scopeOf(ctx))
  const keys = Object.assign({}, resourceTags(ctx, cluster.arn), context)
  ctx.authorize({ action, resource: cluster.arn, context: keys })
  return activeCluster(ctx, cluster)
}
