/**
 * ECS services: CreateService, UpdateService, DeleteService, DescribeServices, ListServices.
 * The checks are in src/ecs/service-validation.ts (ECS's texts) and service-role.ts (the
 * service role and the service-linked role); the record and its wire shape in
 * src/ecs/service.ts; the services in store/ecs/services.ts. The tasks are the scheduler's
 * (src/ecs/service-scheduler.ts): every write wakes it.
 */
import { AwsError } from '../errors.js'
import { operation, type Check, type Operation, type OperationContext } from '../registry.js'
import { F } from '../../src/log.js'
import { arns, parseArn, type Scope } from '../../src/ecs/arns.js'
import { effectiveValue } from '../../src/ecs/account-settings.js'
import { requestTagContext, tagOnCreate } from '../../src/ecs/authz.js'
import type { CapacityProviderStrategyItem, ClusterRecord } from '../../src/ecs/cluster.js'
import {
  activeCluster, clusterRef, resourceTags, scopeOf, type ClusterRef
} from '../../src/ecs/context.js'
import { ecsErrors } from '../../src/ecs/errors.js'
import { paginate } from '../../src/ecs/pagination.js'
import type { PlacementConstraint, PlacementStrategy } from '../../src/ecs/placement.js'
import {
  RUN_TASK_MESSAGES, chooseLaunch, launchPlan, resolveNetwork, runContext, strategyProviders,
  type LaunchPlan, type NetworkConfiguration, type RunTaskRequest
} from '../../src/ecs/run-task.js'
import {
  deploymentDefaults, liveTasksOf, newDeployment, toWireService,
  type DeploymentConfiguration, type DeploymentRecord, type SchedulingStrategy,
  type ServiceLoadBalancer, type ServiceRecord
} from '../../src/ecs/service.js'
import { currentOf, withServiceDeployments } from '../../src/ecs/service-deployments.js'
import {
  ECS_SERVICE_PRINCIPAL, ensureServiceLinkedRole, givenRoleArn, serviceRole
} from '../../src/ecs/service-role.js'
import {
  SERVICE_MESSAGES, checkController, checkDeploymentConfiguration, checkGracePeriod,
  checkLoadBalancers, checkSettings, wireLoadBalancers
} from '../../src/ecs/service-validation.js'
import type { LaunchType, TaskRecord } from '../../src/ecs/task.js'
import { resolveTaskDefinition, type TaskDefinition } from '../../src/ecs/task-definition.js'
import { TASKS_SERVICE } from '../../src/ecs/task-roles.js'
import { passRole } from '../../src/iam/pass-role.js'
import type { WireTag } from '../../store/tags.js'

const invalid = (message: string): AwsError => new AwsError('InvalidParameterException', message)
export const serviceNotFound = (): AwsError =>
  new AwsError('ServiceNotFoundException', SERVICE_MESSAGES.serviceNotFound)
const serviceNotActive = (): AwsError =>
  new AwsError('ServiceNotActiveException', SERVICE_MESSAGES.serviceNotActive)

const services = (ctx: OperationContext) => ctx.emulator.ecs.services

type PropagateTags = 'NONE' | 'TASK_DEFINITION' | 'SERVICE'

// --- references ---------------------------------------------------------------------------

/** A service reference (a name or an ARN) as its name; undefined for an ARN of another cluster. */
function serviceNameOf (ref: string, cluster: ClusterRef): string | undefined {
  const arn = parseArn(ref)
  if (arn === undefined) return ref
  const path = arn.resource.split('/')
  if (path[0] !== 'service') return undefined
  if (path.length === 3 && path[1] !== cluster.name) return undefined
  return path[path.length - 1]
}

/** The ARN a reference names in the call's cluster (an ARN given is kept as given). */
export const serviceArnOf = (ctx: OperationContext, cluster: ClusterRef, ref: string): string =>
  parseArn(ref) === undefined ? arns.service(scopeOf(ctx), cluster.name, ref) : ref

/** `ecs:ACTION` on the service, with its tags and `ecs:cluster`. */
export const serviceCheck = (ctx: OperationContext, action: string, cluster: ClusterRef, arn: string,
  context: Record<string, unknown> = {}): Check => ({
  action,
  resource: arn,
  context: { ...resourceTags(ctx, arn), 'ecs:cluster': cluster.arn, ...context } as Check['context']
})

export function lookup (ctx: OperationContext, cluster: ClusterRecord, ref: ClusterRef,
  service: string): ServiceRecord | undefined {
  const name = serviceNameOf(service, ref)
  return name === undefined ? undefined : services(ctx).get(scopeOf(ctx), cluster.clusterName, name)
}

const liveTasks = (ctx: OperationContext, s: ServiceRecord): TaskRecord[] => liveTasksOf(ctx.emulator.ecs.tasks, s)

function wire (ctx: OperationContext, s: ServiceRecord, withTags = false): Record<string, unknown> {
  const tasks = liveTasks(ctx, s)
  return {
    ...toWireService(s, tasks, withTags ? ctx.emulator.tags.list(s.serviceArn) : undefined),
    ...currentOf(s, tasks)
  }
}

/** Saves the service (its version bumped, its service deployments brought along) and wakes the scheduler. */
function commit (ctx: OperationContext, s: ServiceRecord, create = false): ServiceRecord {
  const next = { ...withServiceDeployments(s, ctx.now), version: create ? 1 : s.version + 1 }
  if (create) services(ctx).create(next)
  else services(ctx).save(next)
  ctx.emulator.serviceScheduler.wake()
  return next
}

// --- what CreateService and UpdateService share -------------------------------------------

function taskDefinitionOf (ctx: OperationContext, ref: string | undefined): TaskDefinition {
  if (ref === undefined || ref === '') throw invalid(SERVICE_MESSAGES.taskDefinitionBlank)
  const td = resolveTaskDefinition(ctx.emulator.ecs.taskDefinitions, scopeOf(ctx), ref)
  // (unconfirmed) that an INACTIVE revision is refused as RunTask refuses it
  if (td === undefined || td.status !== 'ACTIVE') {
    throw new AwsError('ClientException', RUN_TASK_MESSAGES.taskDefinitionNotFound)
  }
  return td
}

/** The condition keys CreateService and UpdateService set from the task definition and flags. */
function serviceContext (td: TaskDefinition | undefined, input: ServiceFlags,
  scope: Scope): Record<string, unknown> {
  const flags = { enableExecuteCommand: input.enableExecuteCommand }
  const context: Record<string, unknown> = td === undefined
    ? {}
    : {
        ...runContext(td, { taskDefinition: td.taskDefinitionArn, ...flags }),
        'ecs:task-definition': td.taskDefinitionArn
      }
  if (td === undefined && input.enableExecuteCommand !== undefined) {
    context['ecs:enable-execute-command'] = String(input.enableExecuteCommand)
  }
  const providers = strategyProviders(
    { taskDefinition: '', capacityProviderStrategy: input.capacityProviderStrategy }, scope)
  if (providers.length > 0) context['ecs:capacity-provider'] = providers
  if (input.propagateTags !== undefined) context['ecs:propagate-tags'] = input.propagateTags
  if (input.enableECSManagedTags !== undefined) {
    context['ecs:enable-ecs-managed-tags'] = String(input.enableECSManagedTags)
  }
  const awsvpc = input.networkConfiguration?.awsvpcConfiguration
  if (awsvpc !== undefined) {
    // (unconfirmed) that ecs:subnet holds the subnet ids as given
    context['ecs:subnet'] = awsvpc.subnets
    const publicIp = awsvpc.assignPublicIp
    if (publicIp !== undefined) context['ecs:auto-assign-public-ip'] = publicIp
  }
  return context
}

/** iam:PassRole on the task definition's roles (to ecs-tasks.amazonaws.com). */
const taskRoleChecks = (td: TaskDefinition): Check[] =>
  [...new Set([td.taskRoleArn, td.executionRoleArn].filter((r): r is string => r !== undefined))]
    .map(r => passRole(r, TASKS_SERVICE))

/** The plan RunTask would make for one task: launch type, platform and network checked. */
function planFor (ctx: OperationContext, td: TaskDefinition, s: LaunchSettings,
  cluster: ClusterRecord): LaunchPlan {
  const request: RunTaskRequest = {
    taskDefinition: td.taskDefinitionArn, count: 1, launchType: s.launchType,
    capacityProviderStrategy: s.capacityProviderStrategy, platformVersion: s.platformVersion,
    networkConfiguration: s.networkConfiguration, tags: s.tags
  }
  const plan = launchPlan(td, request, chooseLaunch(request, cluster), ctx.account)
  return resolveNetwork(ctx.emulator.ec2.store, scopeOf(ctx), plan)
}

/** The network configuration as ECS shows it: `assignPublicIp` filled in. */
function shownNetwork (n: NetworkConfiguration | undefined): NetworkConfiguration | undefined {
  const a = n?.awsvpcConfiguration
  if (a === undefined) return undefined
  return {
    awsvpcConfiguration: {
      subnets: a.subnets,
      securityGroups: a.securityGroups,
      assignPublicIp: a.assignPublicIp ?? 'DISABLED'
    }
  }
}

/** The deployment as the plan makes it: the platform resolved (LATEST is 1.4.0). */
const deploymentOf = (s: ServiceRecord, plan: LaunchPlan, now: Date): DeploymentRecord =>
  ({ ...newDeployment(s, now), platformVersion: plan.platformVersion })

// --- CreateService ------------------------------------------------------------------------

interface ServiceFlags {
  enableExecuteCommand?: boolean
  enableECSManagedTags?: boolean
  propagateTags?: PropagateTags
  capacityProviderStrategy?: CapacityProviderStrategyItem[]
  networkConfiguration?: NetworkConfiguration
}

interface LaunchSettings {
  launchType?: LaunchType
  capacityProviderStrategy?: CapacityProviderStrategyItem[]
  platformVersion?: string
  networkConfiguration?: NetworkConfiguration
  tags?: WireTag[]
}

interface CreateServiceRequest extends ServiceFlags, LaunchSettings {
  cluster?: string
  serviceName: string
  taskDefinition?: string
  loadBalancers?: ServiceLoadBalancer[]
  serviceRegistries?: unknown[]
  desiredCount?: number
  clientToken?: string
  role?: string
  deploymentConfiguration?: DeploymentConfiguration
  placementConstraints?: PlacementConstraint[]
  placementStrategy?: PlacementStrategy[]
  healthCheckGracePeriodSeconds?: number
  schedulingStrategy?: SchedulingStrategy
  deploymentController?: { type?: string }
  availabilityZoneRebalancing?: string
}

/** ecs:TagResource on the new service, when tags are given and tag authorization is on. */
function tagChecks (ctx: OperationContext, arn: string, tags: WireTag[]): Check[] {
  const setting = effectiveValue(ctx.emulator.ecs.accountSettings, scopeOf(ctx), ctx.principal,
    'tagResourceAuthorization')
  return tags.length === 0 || setting !== 'on' ? [] : [tagOnCreate(arn, 'CreateService', tags)]
}

/** Who AWS shows as `createdBy`: the role, for a role session (reference §5.7). */
const createdBy = (ctx: OperationContext): string =>
  ctx.principal.type === 'assumed-role' && ctx.principal.roleArn !== undefined
    ? ctx.principal.roleArn
    : ctx.principal.arn

/** Whether the strategy (given, or the cluster's default) decides the launch, not launchType. */
function strategyOf (input: CreateServiceRequest,
  cluster: ClusterRecord): CapacityProviderStrategyItem[] | undefined {
  if (input.launchType !== undefined) return undefined
  const given = input.capacityProviderStrategy ?? []
  const strategy = given.length > 0 ? given : cluster.defaultCapacityProviderStrategy
  return strategy.length > 0 ? strategy : undefined
}

function newService (ctx: OperationContext, input: CreateServiceRequest, cluster: ClusterRecord,
  td: TaskDefinition, plan: LaunchPlan, role: { roleArn?: string, roleGiven: boolean },
  lbs: ServiceLoadBalancer[]): ServiceRecord {
  const strategy = input.schedulingStrategy ?? 'REPLICA'
  const capacityProviderStrategy = strategyOf(input, cluster)
  const fargate = plan.launchType === 'FARGATE'
  const service: ServiceRecord = {
    account: ctx.account,
    region: ctx.region,
    cluster: cluster.clusterName,
    serviceName: input.serviceName,
    serviceArn: arns.service(scopeOf(ctx), cluster.clusterName, input.serviceName),
    clusterArn: cluster.clusterArn,
    status: 'ACTIVE',
    taskDefinition: td.taskDefinitionArn,
    desiredCount: strategy === 'DAEMON' ? 0 : input.desiredCount ?? 0,
    launchType: capacityProviderStrategy === undefined ? plan.launchType : undefined,
    capacityProviderStrategy,
    platformVersion: fargate ? input.platformVersion ?? 'LATEST' : undefined,
    platformFamily: fargate ? 'Linux' : undefined,
    roleArn: role.roleArn,
    roleGiven: role.roleGiven,
    loadBalancers: lbs,
    serviceRegistries: [],
    deploymentConfiguration: deploymentDefaults(input.deploymentConfiguration, strategy),
    deploymentController: { type: 'ECS' },
    networkConfiguration: shownNetwork(input.networkConfiguration),
    placementConstraints: input.placementConstraints ?? [],
    placementStrategy: input.placementStrategy ?? [],
    schedulingStrategy: strategy,
    // (unconfirmed) ECS shows 0 when none is given (reported for services without load
    // balancers too)
    healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds ?? 0,
    enableECSManagedTags: input.enableECSManagedTags === true,
    enableExecuteCommand: input.enableExecuteCommand === true,
    propagateTags: input.propagateTags ?? 'NONE',
    availabilityZoneRebalancing: input.availabilityZoneRebalancing,
    createdAt: ctx.now.getTime() / 1000,
    createdBy: createdBy(ctx),
    deployments: [],
    events: [],
    steady: false,
    registered: [],
    backoff: { failures: 0, retryAt: 0 },
    version: 0
  }
  return { ...service, deployments: [deploymentOf(service, plan, ctx.now)] }
}

const CreateService = operation({
  authorize: 'handler',
  notes: 'Only the ECS (rolling update) deployment controller; `loadBalancers` need ' +
    '`targetGroupArn` (no Classic Load Balancers). `serviceRegistries`, ' +
    '`serviceConnectConfiguration`, `volumeConfigurations` and `vpcLatticeConfigurations` are ' +
    'ignored; `clientToken` is not used for idempotency: a second CreateService of an ACTIVE or ' +
    'DRAINING name is refused. `desiredCount` defaults to 0. A given `role` is assumed at once ' +
    'as ecs.amazonaws.com and each target group described as it; without `role`, a service with ' +
    'load balancers or awsvpc tasks gets the service-linked role AWSServiceRoleForECS, created ' +
    'when missing if the caller may iam:CreateServiceLinkedRole.',
  handle (input: CreateServiceRequest, ctx) {
    const scope = scopeOf(ctx)
    const ref = clusterRef(input.cluster, scope)
    if (input.serviceName === '') throw invalid(SERVICE_MESSAGES.serviceNameBlank)
    const td = taskDefinitionOf(ctx, input.taskDefinition)
    const serviceArn = arns.service(scope, ref.name, input.serviceName)
    const tags = input.tags ?? []
    ctx.authorize([
      {
        action: 'ecs:CreateService',
        resource: serviceArn,
        context: {
          ...requestTagContext(tags), 'ecs:cluster': ref.arn, ...serviceContext(td, input, scope)
        } as Check['context']
      },
      ...tagChecks(ctx, serviceArn, tags)
    ])
    const cluster = activeCluster(ctx, ref)

    const lbs = wireLoadBalancers(input.loadBalancers ?? [])
    const strategy = input.schedulingStrategy ?? 'REPLICA'
    checkSettings({ ...input, schedulingStrategy: strategy, loadBalancers: lbs })
    const existing = services(ctx).get(scope, cluster.clusterName, input.serviceName)
    if (existing !== undefined && existing.status !== 'INACTIVE') {
      throw invalid(SERVICE_MESSAGES.notIdempotent)
    }
    const plan = planFor(ctx, td, input, cluster)
    const roleArn = givenRoleArn(input.role, ctx.account)
    checkLoadBalancers(lbs, td, ctx.emulator.elbv2, scope, arn => invalid(roleArn === undefined
      ? SERVICE_MESSAGES.targetGroupNotFound(arn)
      : SERVICE_MESSAGES.unableToAssumeRole))
    ctx.authorize([
      ...(roleArn === undefined ? [] : [passRole(roleArn, ECS_SERVICE_PRINCIPAL)]),
      ...taskRoleChecks(td)
    ])
    const role = serviceRole(ctx, { role: input.role, loadBalancers: lbs, td, serviceArn })

    const created = commit(ctx, newService(ctx, input, cluster, td, plan, role, lbs), true)
    if (tags.length > 0) ctx.emulator.tags.tag(serviceArn, tags)
    ctx.log.info({ [F.cluster]: cluster.clusterArn, service: serviceArn }, 'service created')
    // On AWS the first answer has no events and no tasks counted yet.
    return { service: { ...toWireService(created, [], tags.length > 0 ? tags : undefined), ...currentOf(created, []) } }
  }
})

// --- UpdateService ------------------------------------------------------------------------

interface UpdateServiceRequest extends ServiceFlags {
  cluster?: string
  service: string
  desiredCount?: number
  taskDefinition?: string
  deploymentConfiguration?: DeploymentConfiguration
  platformVersion?: string
  forceNewDeployment?: boolean
  healthCheckGracePeriodSeconds?: number
  deploymentController?: { type?: string }
  placementConstraints?: PlacementConstraint[]
  placementStrategy?: PlacementStrategy[]
  loadBalancers?: ServiceLoadBalancer[]
  serviceRegistries?: unknown[]
  availabilityZoneRebalancing?: string
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** The service with the request's changes, before any new deployment. */
function changed (s: ServiceRecord, input: UpdateServiceRequest, td: TaskDefinition,
  lbs: ServiceLoadBalancer[]): ServiceRecord {
  return {
    ...s,
    taskDefinition: td.taskDefinitionArn,
    desiredCount: s.schedulingStrategy === 'DAEMON'
      ? s.desiredCount
      : input.desiredCount ?? s.desiredCount,
    platformVersion: input.platformVersion ?? s.platformVersion,
    networkConfiguration: input.networkConfiguration === undefined
      ? s.networkConfiguration
      : shownNetwork(input.networkConfiguration),
    loadBalancers: lbs,
    deploymentConfiguration: deploymentDefaults(
      { ...s.deploymentConfiguration, ...input.deploymentConfiguration }, s.schedulingStrategy),
    healthCheckGracePeriodSeconds:
      input.healthCheckGracePeriodSeconds ?? s.healthCheckGracePeriodSeconds,
    enableExecuteCommand: input.enableExecuteCommand ?? s.enableExecuteCommand,
    enableECSManagedTags: input.enableECSManagedTags ?? s.enableECSManagedTags,
    propagateTags: input.propagateTags ?? s.propagateTags,
    placementConstraints: input.placementConstraints ?? s.placementConstraints,
    placementStrategy: input.placementStrategy ?? s.placementStrategy,
    availabilityZoneRebalancing: input.availabilityZoneRebalancing ?? s.availabilityZoneRebalancing
  }
}

/** Whether the change needs new tasks: a new PRIMARY deployment. */
const needsDeployment = (before: ServiceRecord, after: ServiceRecord, force: boolean): boolean =>
  force || before.taskDefinition !== after.taskDefinition ||
  !same(before.networkConfiguration, after.networkConfiguration) ||
  before.platformVersion !== after.platformVersion ||
  !same(before.loadBalancers, after.loadBalancers)

/** The deployments after the change: a new PRIMARY (the old one ACTIVE), or the count set. */
function deploymentsAfter (next: ServiceRecord, plan: LaunchPlan, deploy: boolean,
  now: Date): DeploymentRecord[] {
  const at = now.getTime() / 1000
  const [primary, ...rest] = next.deployments
  if (!deploy) {
    return primary === undefined
      ? rest
      : [{ ...primary, desiredCount: next.desiredCount, updatedAt: at }, ...rest]
  }
  const older = next.deployments.map(d =>
    d.status === 'PRIMARY' ? { ...d, status: 'ACTIVE' as const, updatedAt: at } : d)
  return [deploymentOf(next, plan, now), ...older]
}

/** The launch settings of the service, with the request's network and platform. */
const launchOf = (s: ServiceRecord): LaunchSettings => ({
  launchType: s.capacityProviderStrategy === undefined ? s.launchType : undefined,
  capacityProviderStrategy: s.capacityProviderStrategy,
  platformVersion: s.platformVersion,
  networkConfiguration: s.networkConfiguration
})

/** Load balancers changed: validated as on create, the role checked again. */
function checkNewLoadBalancers (ctx: OperationContext, s: ServiceRecord, td: TaskDefinition,
  lbs: ServiceLoadBalancer[]): ServiceRecord {
  checkLoadBalancers(lbs, td, ctx.emulator.elbv2, scopeOf(ctx), arn => invalid(s.roleGiven
    ? SERVICE_MESSAGES.unableToAssumeRole
    : SERVICE_MESSAGES.targetGroupNotFound(arn)))
  if (lbs.length === 0) return s
  if (s.roleGiven) {
    serviceRole(ctx, { role: s.roleArn, loadBalancers: lbs, td, serviceArn: s.serviceArn })
    return s
  }
  return { ...s, roleArn: ensureServiceLinkedRole(ctx) }
}

const UpdateService = operation({
  authorize: 'handler',
  notes: 'A new task definition, network configuration, platform version or load balancers, ' +
    'or `forceNewDeployment`, make a new PRIMARY deployment; the old one stays ACTIVE until ' +
    'the scheduler has replaced its tasks. `capacityProviderStrategy`, `serviceRegistries`, ' +
    '`serviceConnectConfiguration`, `volumeConfigurations` and `vpcLatticeConfigurations` ' +
    'are ignored; only the ECS deployment controller.',
  handle (input: UpdateServiceRequest, ctx) {
    const scope = scopeOf(ctx)
    const ref = clusterRef(input.cluster, scope)
    const td = input.taskDefinition === undefined
      ? undefined
      : taskDefinitionOf(ctx, input.taskDefinition)
    const arn = serviceArnOf(ctx, ref, input.service)
    ctx.authorize(serviceCheck(ctx, 'ecs:UpdateService', ref, arn,
      serviceContext(td, input, scope)))
    const cluster = activeCluster(ctx, ref)
    const s = lookup(ctx, cluster, ref, input.service)
    if (s === undefined) throw serviceNotFound()
    if (s.status !== 'ACTIVE') throw serviceNotActive()

    const definition = td ?? taskDefinitionOf(ctx, s.taskDefinition)
    if (s.schedulingStrategy === 'DAEMON' && input.desiredCount !== undefined) {
      throw invalid(SERVICE_MESSAGES.daemonDesiredCount)
    }
    if (input.desiredCount !== undefined && input.desiredCount < 0) {
      throw invalid(SERVICE_MESSAGES.negativeDesiredCount)
    }
    checkController(input.deploymentController)
    checkDeploymentConfiguration(input.deploymentConfiguration, s.schedulingStrategy)
    const lbs = input.loadBalancers === undefined
      ? s.loadBalancers
      : wireLoadBalancers(input.loadBalancers)
    if (input.loadBalancers !== undefined && lbs.length > 5) {
      throw invalid(SERVICE_MESSAGES.tooManyLoadBalancers)
    }
    checkGracePeriod(input.healthCheckGracePeriodSeconds, lbs)
    let next = changed(s, input, definition, lbs)
    const plan = planFor(ctx, definition, launchOf(next), cluster)
    const newDefinition = definition.taskDefinitionArn !== s.taskDefinition
    if (newDefinition) ctx.authorize(taskRoleChecks(definition))
    // the load balancers are checked again against a new task definition too
    if (!same(lbs, s.loadBalancers) || (newDefinition && lbs.length > 0)) {
      next = checkNewLoadBalancers(ctx, next, definition, lbs)
    }

    const deploy = needsDeployment(s, next, input.forceNewDeployment === true)
    next = { ...next, deployments: deploymentsAfter(next, plan, deploy, ctx.now) }
    if (deploy) next = { ...next, steady: false }
    const saved = commit(ctx, next)
    ctx.log.info({ service: saved.serviceArn, newDeployment: deploy }, 'service updated')
    return { service: wire(ctx, saved) }
  }
})

// --- DeleteService ------------------------------------------------------------------------

interface DeleteServiceRequest { cluster?: string, service: string, force?: boolean }

const DeleteService = operation({
  authorize: 'handler',
  notes: 'The service is DRAINING until the scheduler has stopped its tasks, then INACTIVE ' +
    '(still described). Deleting a DRAINING service answers it again.',
  handle (input: DeleteServiceRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    const arn = serviceArnOf(ctx, ref, input.service)
    ctx.authorize(serviceCheck(ctx, 'ecs:DeleteService', ref, arn))
    const cluster = activeCluster(ctx, ref)
    const s = lookup(ctx, cluster, ref, input.service)
    // (unconfirmed) that an INACTIVE service is not found (DeleteService's model has no
    // ServiceNotActiveException)
    if (s === undefined || s.status === 'INACTIVE') throw serviceNotFound()
    // (unconfirmed) that deleting a DRAINING service answers it again
    if (s.status === 'DRAINING') return { service: wire(ctx, s) }
    if (s.schedulingStrategy === 'REPLICA' && s.desiredCount > 0 && input.force !== true) {
      throw invalid(SERVICE_MESSAGES.scaledAboveZero)
    }

    const at = ctx.now.getTime() / 1000
    const draining: ServiceRecord = {
      ...s,
      status: 'DRAINING',
      desiredCount: 0,
      deployments: s.deployments.map(d => ({ ...d, desiredCount: 0, updatedAt: at }))
    }
    const saved = commit(ctx, draining)
    ctx.log.info({ service: saved.serviceArn }, 'service deleted')
    return { service: wire(ctx, saved) }
  }
})

// --- DescribeServices, ListServices -------------------------------------------------------

interface DescribeServicesRequest { cluster?: string, services: string[], include?: string[] }

const DescribeServices = operation({
  authorize: 'handler',
  notes: 'INACTIVE services stay described until one of the same name is created again.',
  handle (input: DescribeServicesRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    if (input.services.length > 10) throw ecsErrors.tooMany('services', 10)
    const refs = [...new Set(input.services)]
    ctx.authorize(refs.map(r => serviceCheck(ctx, 'ecs:DescribeServices', ref,
      serviceArnOf(ctx, ref, r))))
    const cluster = activeCluster(ctx, ref)

    const withTags = input.include?.includes('TAGS') === true
    const found = []
    const failures = []
    for (const r of refs) {
      const s = lookup(ctx, cluster, ref, r)
      if (s === undefined) failures.push({ arn: serviceArnOf(ctx, ref, r), reason: 'MISSING' })
      else found.push(wire(ctx, s, withTags))
    }
    return { services: found, failures }
  }
})

interface ListServicesRequest {
  cluster?: string
  launchType?: LaunchType
  schedulingStrategy?: SchedulingStrategy
  maxResults?: number
  nextToken?: string
}

const ListServices = operation({
  authorize: 'handler',
  notes: '`resourceManagementType` is ignored.',
  handle (input: ListServicesRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    ctx.authorize({
      action: 'ecs:ListServices', resource: '*', context: { 'ecs:cluster': ref.arn }
    })
    const cluster = activeCluster(ctx, ref)

    const found = services(ctx).list(scopeOf(ctx), cluster.clusterName).filter(s =>
      (input.launchType === undefined || s.launchType === input.launchType) &&
      (input.schedulingStrategy === undefined || s.schedulingStrategy === input.schedulingStrategy))
    const page = paginate(found.map(s => s.serviceArn), input.maxResults, input.nextToken,
      { fallback: 10, max: 100 })
    return { serviceArns: page.items, nextToken: page.nextToken }
  }
})

export const serviceOperations: Record<string, Operation> = {
  CreateService, UpdateService, DeleteService, DescribeServices, ListServices
}
