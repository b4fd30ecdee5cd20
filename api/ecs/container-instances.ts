/**
 * ECS container instances: the calls the agent makes (RegisterContainerInstance,
 * DeregisterContainerInstance, DiscoverPollEndpoint, UpdateContainerInstancesState), the
 * user's (DescribeContainerInstances, ListContainerInstances) and custom attributes
 * (PutAttributes, DeleteAttributes, ListAttributes).
 */
import { operation, type Check, type Operation, type OperationContext } from '../registry.js'
import { arns, parseArn } from '../../src/ecs/arns.js'
import { effectiveValue } from '../../src/ecs/account-settings.js'
import { requestTagContext, tagOnCreate } from '../../src/ecs/authz.js'
import type { ClusterRecord } from '../../src/ecs/cluster.js'
import { compileQuery } from '../../src/ecs/cluster-query.js'
import {
  containerInstanceId, deleteAttributes, instanceSubjects, newContainerInstance,
  parseIdentityDocument, putAttributes, reregister, setStatus, toWireContainerInstance,
  type Attribute, type ContainerInstanceRecord, type ContainerInstanceStatus,
  type IdentityDocument, type RegisterContainerInstanceRequest
} from '../../src/ecs/container-instance.js'
import {
  activeCluster, authorizeOn, clusterRef, resourceTags, scopeOf, type ClusterRef
} from '../../src/ecs/context.js'
import { ecsErrors } from '../../src/ecs/errors.js'
import { deregisterContainerInstance } from '../../src/ecs/task-state.js'
import { paginate } from '../../src/ecs/pagination.js'
import { F } from '../../src/log.js'

const TAGS_ONLY: ReadonlySet<string> = new Set(['TAGS'])
const NO_INCLUDE: ReadonlySet<string> = new Set()

const wire = (ctx: OperationContext, i: ContainerInstanceRecord, include = NO_INCLUDE) =>
  toWireContainerInstance(i, { tags: ctx.emulator.tags.list(i.containerInstanceArn), include })

/** The ARN a reference (an id or an ARN) names in the call's cluster. */
const instanceArn = (ctx: OperationContext, cluster: ClusterRef, ref: string): string =>
  arns.containerInstance(scopeOf(ctx), cluster.name, containerInstanceId(ref))

/** One check per container instance, with `ecs:cluster` set to the cluster's ARN. */
function instanceChecks (ctx: OperationContext, action: string, cluster: ClusterRef,
  refs: string[]): Check[] {
  const instances = new Set(refs.map(r => instanceArn(ctx, cluster, r)))
  return [...instances].map(arn => ({
    action, resource: arn, context: { ...resourceTags(ctx, arn), 'ecs:cluster': cluster.arn }
  }))
}

type Found = ContainerInstanceRecord | undefined

const lookup = (ctx: OperationContext, cluster: ClusterRecord, ref: string): Found =>
  ctx.emulator.ecs.containerInstances.get(scopeOf(ctx), cluster.clusterName, containerInstanceId(ref))

/** The failure for a reference ECS cannot find: the ARN as given, or the one it makes. */
const missing = (ctx: OperationContext, cluster: ClusterRef, ref: string, reason = 'MISSING') =>
  ({ arn: parseArn(ref) === undefined ? instanceArn(ctx, cluster, ref) : ref, reason })

// --- the agent's calls --------------------------------------------------------------------

/**
 * The registration this call renews: the one whose ARN the agent saved, else a live one of
 * the same EC2 instance (unconfirmed: AWS's answer to an instance registering twice). A saved
 * ARN this emulator does not know (its state was wiped) registers anew.
 */
function previousRegistration (ctx: OperationContext, cluster: ClusterRecord,
  input: RegisterContainerInstanceRequest, doc: IdentityDocument | undefined): Found {
  const arn = input.containerInstanceArn
  const saved = arn === undefined ? undefined : lookup(ctx, cluster, arn)
  if (saved !== undefined || doc?.instanceId === undefined) return saved
  const store = ctx.emulator.ecs.containerInstances
  return store.byEc2Instance(scopeOf(ctx), cluster.clusterName, doc.instanceId)
}

const RegisterContainerInstance = operation({
  authorize: 'handler',
  notes: 'The identity document is read, its signature is not verified. Re-registration keeps the ARN of the saved `containerInstanceArn`, or of a live registration of the same EC2 instance.',
  handle (input: RegisterContainerInstanceRequest, ctx) {
    const scope = scopeOf(ctx)
    const ref = clusterRef(input.cluster, scope)
    const tags = input.tags ?? []
    const context = { ...resourceTags(ctx, ref.arn), ...requestTagContext(tags) }
    ctx.authorize({ action: 'ecs:RegisterContainerInstance', resource: ref.arn, context })
    const cluster = activeCluster(ctx, ref)
    const doc = parseIdentityDocument(input.instanceIdentityDocument)

    const previous = previousRegistration(ctx, cluster, input, doc)
    const instance = previous === undefined
      ? newContainerInstance(input, scope, cluster.clusterName, doc, ctx.now)
      : reregister(previous, input, doc)
    const settings = ctx.emulator.ecs.accountSettings
    const tagAuthorization = effectiveValue(settings, scope, ctx.principal, 'tagResourceAuthorization')
    if (tags.length > 0 && tagAuthorization === 'on') {
      ctx.authorize(tagOnCreate(instance.containerInstanceArn, 'RegisterContainerInstance', tags))
    }

    const store = ctx.emulator.ecs.containerInstances
    ctx.emulator.db.transaction(() => {
      if (previous === undefined) store.create(instance)
      else store.save(instance)
      ctx.emulator.tags.tag(instance.containerInstanceArn, tags)
    })()
    ctx.log.info({ [F.cluster]: cluster.clusterArn, containerInstance: instance.containerInstanceArn,
      renewed: previous !== undefined }, 'container instance registered')
    return { containerInstance: wire(ctx, instance, TAGS_ONLY) }
  }
})

interface DeregisterContainerInstanceRequest {
  cluster?: string
  containerInstance: string
  force?: boolean
}

const DeregisterContainerInstance = operation({
  authorize: 'handler',
  notes: 'With `force`, the instance\'s tasks are STOPPED (reason "Container instance ' +
    'deregistration forced by user") and their interfaces deleted; their containers are not ' +
    'stopped (orphaned, as on AWS).',
  handle (input: DeregisterContainerInstanceRequest, ctx) {
    const cluster = authorizeOn(ctx, 'ecs:DeregisterContainerInstance', input.cluster)
    const instance = lookup(ctx, cluster, input.containerInstance)
    if (instance === undefined) throw ecsErrors.containerInstanceNotFound()
    if (instance.status === 'INACTIVE') return { containerInstance: wire(ctx, instance) }

    const gone = deregisterContainerInstance(ctx.emulator, instance, input.force === true, ctx.now)
    ctx.log.info({ containerInstance: gone.containerInstanceArn }, 'container instance deregistered')
    return { containerInstance: wire(ctx, gone) }
  }
})

const DiscoverPollEndpoint = operation({
  notes: 'Every endpoint is the emulator itself, where the agent opens its ACS and TCS websockets.',
  handle (_input: { cluster?: string, containerInstance?: string }, ctx) {
    // The agent adds `ws` to each (api/acs.ts serves both paths).
    return {
      endpoint: `${ctx.endpoint}/acs/`,
      telemetryEndpoint: `${ctx.endpoint}/tcs/`,
      serviceConnectEndpoint: `${ctx.endpoint}/`
    }
  }
})

interface UpdateContainerInstancesStateRequest {
  cluster?: string
  containerInstances: string[]
  status: ContainerInstanceStatus
}

const UpdateContainerInstancesState = operation({
  authorize: 'handler',
  notes: 'DRAINING keeps new tasks off the instance; its standalone tasks keep running, as on AWS. A replica service\'s tasks on it are not replaced elsewhere (ECS would); a daemon service\'s task there is stopped.',
  handle (input: UpdateContainerInstancesStateRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    if (input.containerInstances.length > 10) throw ecsErrors.tooMany('containerInstances', 10)
    const action = 'ecs:UpdateContainerInstancesState'
    ctx.authorize(instanceChecks(ctx, action, ref, input.containerInstances))
    const cluster = activeCluster(ctx, ref)
    if (input.status !== 'ACTIVE' && input.status !== 'DRAINING') throw ecsErrors.instanceStatus()

    const containerInstances = []
    const failures = []
    for (const r of input.containerInstances) {
      const instance = lookup(ctx, cluster, r)
      if (instance === undefined) { failures.push(missing(ctx, ref, r)); continue }
      if (instance.status === 'INACTIVE') {
        failures.push(missing(ctx, ref, r, 'INACTIVE')) // (unconfirmed) the reason AWS gives
        continue
      }
      const updated = setStatus(instance, input.status)
      ctx.emulator.ecs.containerInstances.save(updated)
      containerInstances.push(wire(ctx, updated))
    }
    return { containerInstances, failures }
  }
})

// --- describing and listing ---------------------------------------------------------------

interface DescribeContainerInstancesRequest {
  cluster?: string
  containerInstances: string[]
  include?: string[]
}

const DescribeContainerInstances = operation({
  authorize: 'handler',
  handle (input: DescribeContainerInstancesRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    if (input.containerInstances.length > 100) throw ecsErrors.tooMany('containerInstances', 100)
    const action = 'ecs:DescribeContainerInstances'
    ctx.authorize(instanceChecks(ctx, action, ref, input.containerInstances))
    const cluster = activeCluster(ctx, ref)

    const include = new Set(input.include ?? [])
    const containerInstances = []
    const failures = []
    for (const r of input.containerInstances) {
      const instance = lookup(ctx, cluster, r)
      if (instance === undefined) failures.push(missing(ctx, ref, r))
      else containerInstances.push(wire(ctx, instance, include))
    }
    return { containerInstances, failures }
  }
})

interface ListContainerInstancesRequest {
  cluster?: string
  filter?: string
  status?: ContainerInstanceStatus
  maxResults?: number
  nextToken?: string
}

const ListContainerInstances = operation({
  authorize: 'handler',
  handle (input: ListContainerInstancesRequest, ctx) {
    const cluster = authorizeOn(ctx, 'ecs:ListContainerInstances', input.cluster)
    const filter = input.filter?.trim() ?? ''
    const query = filter === '' ? undefined : compileQuery(filter)

    const found = live(ctx, cluster)
      .filter(i => input.status === undefined || i.status === input.status)
      .filter(i => query === undefined || query(instanceSubjects(i, taskGroups(ctx, i))))
      .map(i => i.containerInstanceArn)
    const page = paginate(found, input.maxResults, input.nextToken, { fallback: 100, max: 100 })
    return { containerInstanceArns: page.items, nextToken: page.nextToken }
  }
})

/** The groups of the instance's tasks that are not STOPPED, for `task:group`. */
const taskGroups = (ctx: OperationContext, i: ContainerInstanceRecord): string[] =>
  ctx.emulator.ecs.tasks.activeOn(i.containerInstanceArn).map(t => t.group)

/** Every registration but the deregistered ones. */
const live = (ctx: OperationContext, cluster: ClusterRecord): ContainerInstanceRecord[] =>
  ctx.emulator.ecs.containerInstances.list(scopeOf(ctx), cluster.clusterName)
    .filter(i => i.status !== 'INACTIVE')

// --- attributes ---------------------------------------------------------------------------

interface AttributesRequest { cluster?: string, attributes: Attribute[] }

type Change = (i: ContainerInstanceRecord, attributes: Attribute[]) => ContainerInstanceRecord

/**
 * PutAttributes and DeleteAttributes: authorize each target, find each (ACTIVE or DRAINING),
 * apply `change` to each, and answer with the attributes as given.
 */
function changeAttributes (input: AttributesRequest, ctx: OperationContext, action: string,
  change: Change) {
  const ref = clusterRef(input.cluster, scopeOf(ctx))
  if (input.attributes.length > 10) throw ecsErrors.tooMany('attributes', 10)
  const targets = input.attributes.map(a => {
    if (a.targetId === undefined || a.targetId === '') throw ecsErrors.attributeTarget()
    return a.targetId
  })
  ctx.authorize(instanceChecks(ctx, action, ref, targets))
  const cluster = activeCluster(ctx, ref)

  const changed = [...byTarget(ctx, cluster, input.attributes)].map(([i, given]) => change(i, given))
  for (const i of changed) ctx.emulator.ecs.containerInstances.save(i)
  return { attributes: input.attributes }
}

/** The attributes grouped by their target; every target must be a live instance of the cluster. */
function byTarget (ctx: OperationContext, cluster: ClusterRecord,
  attributes: Attribute[]): Map<ContainerInstanceRecord, Attribute[]> {
  const found = new Map<string, ContainerInstanceRecord>()
  const groups = new Map<ContainerInstanceRecord, Attribute[]>()
  for (const a of attributes) {
    const target = a.targetId!
    const instance = found.get(containerInstanceId(target)) ?? lookup(ctx, cluster, target)
    if (instance === undefined || instance.status === 'INACTIVE') {
      throw ecsErrors.targetNotFound(target)
    }
    found.set(instance.id, instance)
    groups.set(instance, [...(groups.get(instance) ?? []), a])
  }
  return groups
}

const PutAttributes = operation({
  authorize: 'handler',
  handle: (input: AttributesRequest, ctx) =>
    changeAttributes(input, ctx, 'ecs:PutAttributes', putAttributes)
})

const removeNamed: Change = (i, given) => deleteAttributes(i, given.map(a => a.name))

const DeleteAttributes = operation({
  authorize: 'handler',
  handle: (input: AttributesRequest, ctx) =>
    changeAttributes(input, ctx, 'ecs:DeleteAttributes', removeNamed)
})

interface ListAttributesRequest {
  cluster?: string
  targetType: 'container-instance'
  attributeName?: string
  attributeValue?: string
  maxResults?: number
  nextToken?: string
}

const ListAttributes = operation({
  authorize: 'handler',
  handle (input: ListAttributesRequest, ctx) {
    const cluster = authorizeOn(ctx, 'ecs:ListAttributes', input.cluster)

    const all = live(ctx, cluster)
      .flatMap(i => i.attributes.map(a => ({ ...a, targetId: i.containerInstanceArn })))
      .filter(a => input.attributeName === undefined || a.name === input.attributeName)
      .filter(a => input.attributeValue === undefined || a.value === input.attributeValue)
    const page = paginate(all, input.maxResults, input.nextToken, { fallback: 100, max: 100 })
    return { attributes: page.items, nextToken: page.nextToken }
  }
})

export const containerInstanceOperations: Record<string, Operation> = {
  RegisterContainerInstance, DeregisterContainerInstance, DiscoverPollEndpoint,
  UpdateContainerInstancesState, DescribeContainerInstances, ListContainerInstances,
  PutAttributes, DeleteAttributes, ListAttributes
}
