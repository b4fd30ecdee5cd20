/**
 * ECS tasks: the user's calls (RunTask, StartTask, StopTask, DescribeTasks, ListTasks, task
 * protection) and the agent's reports (SubmitTaskStateChange, SubmitContainerStateChange,
 * SubmitAttachmentStateChanges). The rules live in src/ecs/run-task.ts, placement.ts,
 * task-state.ts and task-roles.ts; the tasks in store/ecs/tasks.ts; tags in the tag store.
 */
import { AwsError } from '../errors.js'
import { operation, type Check, type Operation, type OperationContext } from '../registry.js'
import { F } from '../../src/log.js'
import { arns, parseArn } from '../../src/ecs/arns.js'
import { effectiveValue } from '../../src/ecs/account-settings.js'
import { requestTagContext, tagOnCreate, type CreateAction } from '../../src/ecs/authz.js'
import type { ClusterRecord } from '../../src/ecs/cluster.js'
import { containerInstanceId } from '../../src/ecs/container-instance.js'
import {
  activeCluster, authorizeOn, clusterRef, resourceTags, scopeOf, type ClusterRef
} from '../../src/ecs/context.js'
import { ecsErrors } from '../../src/ecs/errors.js'
import { paginate } from '../../src/ecs/pagination.js'
import { placementRules, type Demand } from '../../src/ecs/placement.js'
import {
  RUN_TASK_MESSAGES, chooseLaunch, commitLaunch, launchPlan, newTask, newTaskId, resolveNetwork,
  runContext, strategyProviders, type LaunchPlan, type RunTaskRequest, type StartTaskRequest
} from '../../src/ecs/run-task.js'
import {
  isProtected, toWireTask, type DesiredStatus, type LaunchType, type TaskRecord
} from '../../src/ecs/task.js'
import { resolveTaskDefinition, type TaskDefinition } from '../../src/ecs/task-definition.js'
import { TASKS_SERVICE, assumeTaskRoles } from '../../src/ecs/task-roles.js'
import {
  STOP_REASONS, commitTask, reportTask, requestStop,
  stopDecision, type AttachmentStateChange, type ContainerStateChange, type TaskStateChange
} from '../../src/ecs/task-state.js'
import { passRole } from '../../src/iam/pass-role.js'
import type { WireTag } from '../../store/tags.js'

const invalid = (message: string): AwsError => new AwsError('InvalidParameterException', message)
// (unconfirmed) as recalled from StopTask answers for an unknown task
const taskNotFound = (): AwsError => invalid('The referenced task was not found.')

const tasks = (ctx: OperationContext) => ctx.emulator.ecs.tasks

/** A task reference (an id or an ARN) as the ARN it names in the call's cluster. */
const taskId = (ref: string): string => {
  const arn = parseArn(ref)
  return (arn === undefined ? ref : arn.resource).split('/').pop()!
}
const taskArn = (ctx: OperationContext, cluster: ClusterRef, ref: string): string =>
  parseArn(ref) === undefined ? arns.task(scopeOf(ctx), cluster.name, ref) : ref

/** One check per task, with the task's tags and `ecs:cluster`. */
function taskChecks (ctx: OperationContext, action: string, cluster: ClusterRef,
  refs: string[]): Check[] {
  const unique = new Set(refs.map(r => taskArn(ctx, cluster, r)))
  return [...unique].map(arn => ({
    action, resource: arn, context: { ...resourceTags(ctx, arn), 'ecs:cluster': cluster.arn }
  }))
}

/** The task a reference names in the cluster (an ARN naming another cluster names none). */
function lookup (ctx: OperationContext, cluster: ClusterRecord,
  ref: string): TaskRecord | undefined {
  const path = parseArn(ref)?.resource.split('/') ?? []
  if (path.length === 3 && path[1] !== cluster.clusterName) return undefined
  return tasks(ctx).get(scopeOf(ctx), cluster.clusterName, taskId(ref))
}

const wire = (ctx: OperationContext, t: TaskRecord, withTags: boolean) =>
  toWireTask(t, withTags ? ctx.emulator.tags.list(t.taskArn) : [])

// --- starting tasks -----------------------------------------------------------------------

function taskDefinitionOf (ctx: OperationContext, ref: string): TaskDefinition {
  const td = resolveTaskDefinition(ctx.emulator.ecs.taskDefinitions, scopeOf(ctx), ref)
  // (unconfirmed) that an INACTIVE revision is refused with the same text as a missing one
  if (td === undefined || td.status !== 'ACTIVE') {
    throw new AwsError('ClientException', RUN_TASK_MESSAGES.taskDefinitionNotFound)
  }
  return td
}

/** The tags the new tasks get: the definition's when propagated, the given ones, ECS's own. */
function taskTags (ctx: OperationContext, td: TaskDefinition, input: StartTaskRequest,
  cluster: string): WireTag[] {
  const tags = new Map<string, string>()
  if (input.propagateTags === 'TASK_DEFINITION') {
    for (const t of ctx.emulator.tags.list(td.taskDefinitionArn)) tags.set(t.key, t.value)
  }
  for (const t of input.tags ?? []) tags.set(t.key, t.value ?? '')
  if (input.enableECSManagedTags === true) tags.set('aws:ecs:clusterName', cluster)
  return [...tags].map(([key, value]) => ({ key, value }))
}

/** ecs:TagResource on each new task, when tags are given and tag authorization is on. */
function tagChecks (ctx: OperationContext, action: CreateAction, taskArns: string[],
  tags: WireTag[]): Check[] {
  const setting = effectiveValue(ctx.emulator.ecs.accountSettings, scopeOf(ctx), ctx.principal,
    'tagResourceAuthorization')
  if (tags.length === 0 || setting !== 'on') return []
  return taskArns.map(arn => tagOnCreate(arn, action, tags))
}

/** iam:PassRole on every role the call hands to ECS: the definition's and the overrides'. */
function passedRoles (td: TaskDefinition, plan: LaunchPlan): Check[] {
  const roles = [td.taskRoleArn, td.executionRoleArn, plan.taskRoleArn, plan.executionRoleArn]
    .filter((r): r is string => r !== undefined)
  return [...new Set(roles)].map(r => passRole(r, TASKS_SERVICE))
}

/** The call's tasks, each with its own role sessions; the first refusal fails the call. */
function preparedTasks (ctx: OperationContext, cluster: ClusterRecord, td: TaskDefinition,
  plan: LaunchPlan, ids: string[]): TaskRecord[] {
  return ids.map((id, index) => {
    const task = newTask({ scope: scopeOf(ctx), cluster, td, plan, id, now: ctx.now, index })
    const roles = assumeTaskRoles(ctx.emulator, task, ctx.now, ctx.requestId)
    if (!roles.ok) throw roles.error
    return { ...task, roles: roles.roles }
  })
}

const demandOf = (td: TaskDefinition, plan: LaunchPlan): Demand =>
  ({ ...plan.reservation, requiresAttributes: td.requiresAttributes, group: plan.group })

/** What ECS checks on the task definition besides the tags: cluster and task keys. */
function startChecks (action: 'ecs:RunTask' | 'ecs:StartTask', td: TaskDefinition,
  cluster: ClusterRef, context: Record<string, unknown>, ctx: OperationContext,
  input: StartTaskRequest): Check {
  return {
    action,
    resource: td.taskDefinitionArn,
    context: {
      ...resourceTags(ctx, td.taskDefinitionArn),
      ...requestTagContext(input.tags),
      'ecs:cluster': cluster.arn,
      ...context
    } as Check['context']
  }
}

function started (ctx: OperationContext, launched: TaskRecord[], tags: WireTag[]) {
  for (const t of launched) ctx.emulator.acs.deliver(t)
  if (launched.length > 0) {
    ctx.log.info({ [F.cluster]: launched[0].clusterArn, tasks: launched.map(t => t.taskArn) },
      'tasks started')
  }
  return launched.map(t => toWireTask(t, tags))
}

const RunTask = operation({
  authorize: 'handler',
  notes: 'Placement honours cpu, memory, static host ports, required attributes, ' +
    '`distinctInstance` and `memberOf`, and the binpack, spread and random strategies; ' +
    'a capacity provider strategy can only name FARGATE or FARGATE_SPOT (the one with a base, ' +
    'else the heaviest, takes every task). `clientToken` is not used for idempotency; ' +
    '`volumeConfigurations` and `referenceId` are ignored. An awsvpc task\'s interface is made ' +
    'in the emulated EC2 (its address is the one Docker gave the task, once the agent reports ' +
    'it); `assignPublicIp` gives a Fargate task no public address. Several Fargate tasks of ' +
    'one call take the subnets in turn; an EC2 awsvpc task goes only to an instance in the zone ' +
    'of one of its subnets (else LOCATION), and instances have no ENI limit (no RESOURCE:ENI).',
  handle (input: RunTaskRequest, ctx) {
    const scope = scopeOf(ctx)
    const ref = clusterRef(input.cluster, scope)
    const td = taskDefinitionOf(ctx, input.taskDefinition)
    const ids = Array.from({ length: Math.min(Math.max(input.count ?? 1, 1), 10) }, newTaskId)
    const tags = taskTags(ctx, td, input, ref.name)
    const taskArns = ids.map(id => arns.task(scope, ref.name, id))
    ctx.authorize([
      startChecks('ecs:RunTask', td, ref, runTaskContext(td, input, ctx), ctx, input),
      ...tagChecks(ctx, 'RunTask', taskArns, input.tags ?? [])
    ])
    const cluster = activeCluster(ctx, ref)

    const plan = resolveNetwork(ctx.emulator.ec2.store, scope,
      launchPlan(td, input, chooseLaunch(input, cluster), ctx.account))
    ctx.authorize(passedRoles(td, plan))
    const rules = placementRules([...tdConstraints(td), ...(input.placementConstraints ?? [])],
      input.placementStrategy ?? [])
    const prepared = preparedTasks(ctx, cluster, td, plan, ids)

    const launched = commitLaunch(ctx.emulator, {
      scope, cluster, tasks: prepared, demand: demandOf(td, plan), tags, rules,
      network: plan.network, now: ctx.now
    })
    return { tasks: started(ctx, launched.tasks, tags), failures: launched.failures }
  }
})

/** RunTask's keys: task size, ECS Exec, and the strategy's providers when one is given. */
function runTaskContext (td: TaskDefinition, input: RunTaskRequest,
  ctx: OperationContext): Record<string, unknown> {
  const providers = strategyProviders(input, scopeOf(ctx))
  const context: Record<string, unknown> = runContext(td, input)
  if (providers.length > 0) context['ecs:capacity-provider'] = providers
  return context
}

/** The definition's own constraints: `memberOf` ones (the only kind it can hold). */
const tdConstraints = (td: TaskDefinition) =>
  (td.placementConstraints as { type?: 'memberOf', expression?: string }[])
    .filter(c => c.type === 'memberOf')

const StartTask = operation({
  authorize: 'handler',
  notes: 'Places one task on each named instance that has room, with the same checks as RunTask.',
  handle (input: StartTaskRequest, ctx) {
    const scope = scopeOf(ctx)
    const ref = clusterRef(input.cluster, scope)
    const td = taskDefinitionOf(ctx, input.taskDefinition)
    const refs = input.containerInstances ?? []
    if (refs.length > 10) throw ecsErrors.tooMany('containerInstances', 10)
    const targets = refs.map(containerInstanceId)
    const ids = targets.map(() => newTaskId())
    const tags = taskTags(ctx, td, input, ref.name)
    const instances = targets.map(id => arns.containerInstance(scope, ref.name, id))
    const context = { ...runContext(td, input), 'ecs:container-instances': instances }
    const taskArns = ids.map(id => arns.task(scope, ref.name, id))
    ctx.authorize([
      startChecks('ecs:StartTask', td, ref, context, ctx, input),
      ...tagChecks(ctx, 'StartTask', taskArns, input.tags ?? [])
    ])
    const cluster = activeCluster(ctx, ref)

    const plan = resolveNetwork(ctx.emulator.ec2.store, scope,
      launchPlan(td, { ...input, count: 1 }, { launchType: 'EC2' }, ctx.account))
    ctx.authorize(passedRoles(td, plan))
    const prepared = preparedTasks(ctx, cluster, td, plan, ids)

    const launched = commitLaunch(ctx.emulator, {
      scope, cluster, tasks: prepared, demand: demandOf(td, plan), tags, targets,
      network: plan.network, now: ctx.now
    })
    return { tasks: started(ctx, launched.tasks, tags), failures: launched.failures }
  }
})

// --- stopping, describing, listing --------------------------------------------------------

interface StopTaskRequest { cluster?: string, task: string, reason?: string }

const StopTask = operation({
  authorize: 'handler',
  notes: 'A started task shows STOPPING (awsvpc: DEACTIVATING, then STOPPING) until the agent ' +
    'reports STOPPED (awsvpc: DEPROVISIONING, then STOPPED). A service\'s task registered with ' +
    'a target group is deregistered first and stays DEACTIVATING for the deregistration delay; ' +
    'Cloud Map is not emulated.',
  handle (input: StopTaskRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    ctx.authorize(taskChecks(ctx, 'ecs:StopTask', ref, [input.task]))
    const cluster = activeCluster(ctx, ref)
    const task = lookup(ctx, cluster, input.task)
    if (task === undefined) throw taskNotFound()

    const given = input.reason ?? ''
    const reason = given === '' ? STOP_REASONS.user : given
    // A service's task behind a load balancer is deregistered and drains before it stops.
    const drained = ctx.emulator.serviceScheduler.stopTask(task, reason, ctx.now)
    if (drained !== undefined) return { task: wire(ctx, drained, false) }
    const stopping = requestStop(task, 'UserInitiated', reason, ctx.now)
    if (stopping !== task) {
      commitTask(ctx.emulator, task, stopping, ctx.now)
      ctx.emulator.acs.deliver(stopping)
      ctx.log.info({ [F.taskArn]: stopping.taskArn, [F.desiredStatus]: 'STOPPED' },
        'task stop requested')
    }
    return { task: wire(ctx, stopping, false) }
  }
})

interface DescribeTasksRequest { cluster?: string, tasks: string[], include?: string[] }

const DescribeTasks = operation({
  authorize: 'handler',
  notes: 'A task is described for an hour after it stopped (AWS: at least an hour), then answers MISSING.',
  handle (input: DescribeTasksRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    if (input.tasks.length > 100) throw ecsErrors.tooMany('tasks', 100)
    ctx.authorize(taskChecks(ctx, 'ecs:DescribeTasks', ref, input.tasks))
    const cluster = activeCluster(ctx, ref)

    const withTags = input.include?.includes('TAGS') === true
    const found = []
    const failures = []
    for (const r of input.tasks) {
      const task = lookup(ctx, cluster, r)
      if (task === undefined) failures.push({ arn: taskArn(ctx, ref, r), reason: 'MISSING' })
      else found.push(wire(ctx, task, withTags))
    }
    return { tasks: found, failures }
  }
})

interface ListTasksRequest {
  cluster?: string
  containerInstance?: string
  family?: string
  serviceName?: string
  startedBy?: string
  desiredStatus?: DesiredStatus | 'PENDING'
  launchType?: LaunchType
  maxResults?: number
  nextToken?: string
}

/**
 * ListTasks is authorized on a container instance (Service Authorization Reference): the one
 * the filter names, else every instance of the cluster (unconfirmed: what AWS checks then).
 */
function listCheck (ctx: OperationContext, ref: ClusterRef, instance: string | undefined): Check {
  const resource = instance === undefined
    ? arns.containerInstance(scopeOf(ctx), ref.name, '*')
    : arns.containerInstance(scopeOf(ctx), ref.name, containerInstanceId(instance))
  const tags = instance === undefined ? {} : resourceTags(ctx, resource)
  return { action: 'ecs:ListTasks', resource, context: { ...tags, 'ecs:cluster': ref.arn } }
}

const ListTasks = operation({
  authorize: 'handler',
  notes: '`daemonName` is ignored. A task is listed for an hour after it stopped (AWS: at least an hour).',
  handle (input: ListTasksRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    ctx.authorize(listCheck(ctx, ref, input.containerInstance))
    const cluster = activeCluster(ctx, ref)
    const service = input.serviceName
    if (service !== undefined &&
      ctx.emulator.ecs.services.get(scopeOf(ctx), cluster.clusterName, service) === undefined) {
      throw new AwsError('ServiceNotFoundException', 'Service not found.')
    }

    // ECS never sets a desired status of PENDING: that filter matches nothing, as documented.
    const desired = input.desiredStatus ?? 'RUNNING'
    const instanceRef = input.containerInstance
    const instance = instanceRef === undefined
      ? undefined
      : arns.containerInstance(scopeOf(ctx), cluster.clusterName, containerInstanceId(instanceRef))
    const found = desired === 'PENDING' ? [] : tasks(ctx).list(scopeOf(ctx), cluster.clusterName, {
      family: input.family,
      group: input.serviceName === undefined ? undefined : `service:${input.serviceName}`,
      containerInstanceArn: instance,
      desiredStatus: desired,
      startedBy: input.startedBy,
      launchType: input.launchType
    })
    const page = paginate(found.map(t => t.taskArn), input.maxResults, input.nextToken,
      { fallback: 100, max: 100 })
    return { taskArns: page.items, nextToken: page.nextToken }
  }
})

// --- task protection ----------------------------------------------------------------------

interface UpdateTaskProtectionRequest {
  cluster: string
  tasks: string[]
  protectionEnabled: boolean
  expiresInMinutes?: number
}

const DEFAULT_PROTECTION_MINUTES = 120
const MAX_PROTECTION_MINUTES = 2880

function protectedTask (t: TaskRecord, nowSeconds: number) {
  return isProtected(t, nowSeconds)
    ? { taskArn: t.taskArn, protectionEnabled: true, expirationDate: t.protection!.expirationDate }
    : { taskArn: t.taskArn, protectionEnabled: false }
}

const UpdateTaskProtection = operation({
  authorize: 'handler',
  notes: 'A protected task of a service is stopped neither by a scale-in nor by a deployment, ' +
    'which waits for it, until the protection lapses; a deleted service stops it all the same ' +
    '(unconfirmed). Tasks that are not part of a service can be protected too.',
  handle (input: UpdateTaskProtectionRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    if (input.tasks.length > 10) throw ecsErrors.tooMany('tasks', 10)
    ctx.authorize(taskChecks(ctx, 'ecs:UpdateTaskProtection', ref, input.tasks))
    const cluster = activeCluster(ctx, ref)
    const minutes = input.expiresInMinutes ?? DEFAULT_PROTECTION_MINUTES
    if (minutes < 1 || minutes > MAX_PROTECTION_MINUTES) {
      // (unconfirmed) wording
      throw invalid(`expiresInMinutes must be between 1 and ${MAX_PROTECTION_MINUTES}.`)
    }

    const now = ctx.now.getTime() / 1000
    const protectedTasks = []
    const failures = []
    for (const r of input.tasks) {
      const task = lookup(ctx, cluster, r)
      if (task === undefined) {
        failures.push({ arn: taskArn(ctx, ref, r), reason: 'MISSING' })
        continue
      }
      const protection = input.protectionEnabled
        ? { protectionEnabled: true, expirationDate: Math.floor(now + minutes * 60) }
        : { protectionEnabled: false }
      const next = { ...task, protection }
      tasks(ctx).save(next)
      protectedTasks.push(protectedTask(next, now))
    }
    return { protectedTasks, failures }
  }
})

interface GetTaskProtectionRequest { cluster: string, tasks?: string[] }

const GetTaskProtection = operation({
  authorize: 'handler',
  notes: 'Without `tasks`, answers for every task of the cluster that is not STOPPED.',
  handle (input: GetTaskProtectionRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    const refs = input.tasks ?? []
    if (refs.length > 100) throw ecsErrors.tooMany('tasks', 100)
    ctx.authorize(refs.length > 0
      ? taskChecks(ctx, 'ecs:GetTaskProtection', ref, refs)
      : taskChecks(ctx, 'ecs:GetTaskProtection', ref, [arns.task(scopeOf(ctx), ref.name, '*')]))
    const cluster = activeCluster(ctx, ref)

    const now = ctx.now.getTime() / 1000
    if (input.tasks === undefined) {
      const all = tasks(ctx).list(scopeOf(ctx), cluster.clusterName, { desiredStatus: 'RUNNING' })
      return { protectedTasks: all.map(t => protectedTask(t, now)), failures: [] }
    }
    const protectedTasks = []
    const failures = []
    for (const r of refs) {
      const task = lookup(ctx, cluster, r)
      if (task === undefined) failures.push({ arn: taskArn(ctx, ref, r), reason: 'MISSING' })
      else protectedTasks.push(protectedTask(task, now))
    }
    return { protectedTasks, failures }
  }
})

// --- the agent's reports ------------------------------------------------------------------

/** (unconfirmed) what ECS answers: the model's only member, with the value the agent ignores. */
const ACK = { acknowledgment: 'ACK' }

interface SubmitTaskStateChangeRequest extends TaskStateChange { cluster?: string, task?: string }

/** The reported task, in the cluster the agent named (a name or an ARN). */
function reportedTask (ctx: OperationContext, cluster: ClusterRecord,
  ref: string | undefined): TaskRecord {
  const task = ref === undefined || ref === '' ? undefined : lookup(ctx, cluster, ref)
  if (task === undefined) throw taskNotFound()
  return task
}

/**
 * Saves what the agent reported; a task that failed to start is linked to the denial that
 * stopped it, and a stop ECS decided (an essential container exited) goes to the agent.
 */
function applyReport (ctx: OperationContext, before: TaskRecord, after: TaskRecord): void {
  let next = after
  if (after.lastStatus === 'STOPPED' && before.lastStatus !== 'STOPPED') {
    const agent = ctx.principal.type === 'assumed-role' ? ctx.principal.arn : undefined
    const decision = stopDecision(ctx.emulator, after, agent)
    if (decision !== undefined) next = { ...after, stoppedDecisionId: decision }
  }
  commitTask(ctx.emulator, before, next, ctx.now)
  if (next.desiredStatus === 'STOPPED' && before.desiredStatus !== 'STOPPED' &&
    next.lastStatus !== 'STOPPED') ctx.emulator.acs.deliver(next)
}

const SubmitTaskStateChange = operation({
  authorize: 'handler',
  notes: '`managedAgents` are ignored; reports on a STOPPED task change nothing.',
  handle (input: SubmitTaskStateChangeRequest, ctx) {
    const cluster = authorizeOn(ctx, 'ecs:SubmitTaskStateChange', input.cluster)
    const task = reportedTask(ctx, cluster, input.task)
    applyReport(ctx, task, reportTask(task, input, ctx.now))
    return ACK
  }
})

interface SubmitContainerStateChangeRequest extends ContainerStateChange {
  cluster?: string
  task?: string
}

const SubmitContainerStateChange = operation({
  authorize: 'handler',
  handle (input: SubmitContainerStateChangeRequest, ctx) {
    const cluster = authorizeOn(ctx, 'ecs:SubmitContainerStateChange', input.cluster)
    const task = reportedTask(ctx, cluster, input.task)
    applyReport(ctx, task, reportTask(task, { containers: [input] }, ctx.now))
    return ACK
  }
})

interface SubmitAttachmentStateChangesRequest {
  cluster?: string
  attachments: AttachmentStateChange[]
}

const SubmitAttachmentStateChanges = operation({
  authorize: 'handler',
  notes: 'Besides the model\'s members, an attachment may carry `privateIPv4Address` (the ' +
    'emulator\'s agent sends the address Docker gave the task): it becomes the address of the ' +
    'task\'s ENI attachment and of its network interface in EC2.',
  handle (input: SubmitAttachmentStateChangesRequest, ctx) {
    const cluster = authorizeOn(ctx, 'ecs:SubmitAttachmentStateChanges', input.cluster)
    const open = tasks(ctx).list(scopeOf(ctx), cluster.clusterName, {})
      .filter(t => t.lastStatus !== 'STOPPED' && t.attachments.length > 0)
    for (const a of input.attachments) {
      const id = a.attachmentArn.split('/').pop()
      const task = open.find(t => t.attachments.some(x => x.id === id))
      // (unconfirmed) an attachment ECS does not know is passed over, not refused
      const current = task === undefined ? undefined : tasks(ctx).byArn(task.taskArn)
      if (current === undefined) continue
      const next = reportTask(current, { attachments: [a] }, ctx.now)
      commitTask(ctx.emulator, current, next, ctx.now)
    }
    return ACK
  }
})

export const taskOperations: Record<string, Operation> = {
  RunTask, StartTask, StopTask, DescribeTasks, ListTasks, UpdateTaskProtection,
  GetTaskProtection, SubmitTaskStateChange, SubmitContainerStateChange,
  SubmitAttachmentStateChanges
}
