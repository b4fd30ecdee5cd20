/**
 * What RunTask and StartTask decide before anything is placed: the launch type (from
 * `launchType`, a capacity provider strategy or the cluster's default), the checks ECS makes
 * on the network configuration (against the emulated EC2) and the overrides (reference §4.4),
 * the roles in effect, what each task reserves on an instance, and the new task records in the
 * `Task` shape's terms; then placement, with each awsvpc task's interface made in EC2.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { AwsError } from '../../api/errors.js'
import type { RequestContext } from '../iam/policy.js'
import { arns, type Scope } from './arns.js'
import { isKnownProvider, providerName } from './capacity-provider.js'
import type { CapacityProviderStrategyItem, ClusterRecord } from './cluster.js'
import type { ContainerInstanceRecord } from './container-instance.js'
import { ecsErrors } from './errors.js'
import { isFargateSize, parseTaskCpu, parseTaskMemory } from './fargate.js'
import {
  placeTasks, type Candidate, type Demand, type PlacementConstraint, type PlacementFailure,
  type PlacementRules, type PlacementStrategy
} from './placement.js'
import type { Emulator } from '../emulator.js'
import { ec2Errors } from '../ec2/errors.js'
import { ECS_REQUESTER_ID, createNetworkInterface } from '../ec2/network-interfaces.js'
import {
  ensureDefaultVpc, groupOf, type SecurityGroupRecord, type SubnetRecord
} from '../ec2/network.js'
import type { Ec2Store } from '../../store/ec2.js'
import {
  detailOf, type AttachmentRecord, type AwsVpcConfiguration, type ContainerOverride,
  type ContainerRecord, type LaunchType, type TaskOverride, type TaskRecord, type TaskReservation
} from './task.js'
import type { ContainerDefinition, NetworkMode, TaskDefinition } from './task-definition.js'
import { expandRoleArn } from './task-definition-validation.js'
import { logTaskStatus } from './task-state.js'
import type { WireTag } from '../../store/tags.js'

export interface NetworkConfiguration { awsvpcConfiguration?: AwsVpcConfiguration }

/** What RunTask and StartTask share. */
export interface StartTaskRequest {
  cluster?: string
  taskDefinition: string
  containerInstances?: string[]
  overrides?: TaskOverride
  group?: string
  startedBy?: string
  tags?: WireTag[]
  propagateTags?: 'TASK_DEFINITION' | 'SERVICE' | 'NONE'
  enableECSManagedTags?: boolean
  enableExecuteCommand?: boolean
  networkConfiguration?: NetworkConfiguration
  referenceId?: string
}

export interface RunTaskRequest extends StartTaskRequest {
  count?: number
  launchType?: LaunchType
  capacityProviderStrategy?: CapacityProviderStrategyItem[]
  placementConstraints?: PlacementConstraint[]
  placementStrategy?: PlacementStrategy[]
  platformVersion?: string
  clientToken?: string
}

const invalid = (message: string): AwsError => new AwsError('InvalidParameterException', message)
const client = (message: string): AwsError => new AwsError('ClientException', message)

export const RUN_TASK_MESSAGES = {
  taskDefinitionNotFound: 'TaskDefinition not found.',
  noInstances: 'No Container Instances were found in your cluster.',
  networkRequired: "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
  networkNotValid: 'Network Configuration is not valid for the given networkMode of this task definition.',
  publicIp: 'Assign public IP is not supported for this launch type.',
  launchTypeUnsupported: (launchType: string) =>
    `Task definition does not support launch_type ${launchType}.`,
  tooManySubnets: 'subnets can have at most 16 items.',
  /**
   * ECS names the subnets asked for, then EC2's answer. (unconfirmed) with several subnets:
   * that all asked are named, and EC2's text for the missing ones.
   */
  subnetNotFound: (asked: string[], ec2Message: string) =>
    `Error retrieving subnet information for [${asked.join(', ')}]: ${ec2Message} (ErrorCode: InvalidSubnetID.NotFound)`,
  groupNotInVpc: (id: string) =>
    `Security group ${id} does not appear to belong to the same VPC as the input subnets.`,
  // (unconfirmed) the ErrorCode tail, by analogy with the subnet text
  groupNotFound: (asked: string[], ec2Message: string) =>
    `Error retrieving security group information for [${asked.join(', ')}]: ${ec2Message} (ErrorCode: InvalidGroup.NotFound)`,
  // (unconfirmed) the texts below are as recalled from AWS answers, or ours
  count: 'Count must be between 1 and 10.',
  launchTypeAndStrategy: 'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
  platformVersionOnEc2: 'The platform version must be null when specifying an EC2 launch type.',
  platformUnknown: 'The specified platform does not exist.',
  noSubnets: 'subnets can not be empty.',
  tooManyGroups: 'securityGroups can have at most 5 items.',
  subnetsInVpcs: 'Subnets must all belong to the same VPC.',
  overrideName: (name: string) =>
    `Override for container named ${name} is not a container in the TaskDefinition.`,
  fargateInstances: 'Tasks using the Fargate launch type cannot be started on container instances.',
  tooManyTags: 'The number of tags exceeds the limit of 50.'
} as const

/** The Fargate platform ECS reports for LATEST (reference §5.5). */
export const FARGATE_LATEST = '1.4.0'
const FARGATE_PLATFORMS = new Set(['LATEST', '1.4.0', '1.3.0'])

/** Everything the tasks of one call share. */
export interface LaunchPlan {
  launchType: LaunchType
  capacityProviderName?: string
  platformVersion?: string
  networkMode: NetworkMode
  awsvpc?: AwsVpcConfiguration
  /** The awsvpc configuration as it stands in EC2 (`resolveNetwork`). */
  network?: TaskNetwork
  overrides: TaskOverride
  taskRoleArn?: string
  executionRoleArn?: string
  /** Task-level cpu and memory as DescribeTasks shows them. */
  cpu?: string
  memory?: string
  reservation: TaskReservation
  group: string
  startedBy?: string
  enableExecuteCommand: boolean
  ephemeralStorage?: { sizeInGiB: number }
}

// --- launch type --------------------------------------------------------------------------

interface LaunchChoice { launchType: LaunchType, capacityProviderName?: string }

/**
 * The launch type: `launchType` as given, else the capacity provider strategy's (given, or
 * the cluster's default), else EC2. Only the Fargate providers exist here; the strategy's
 * provider with a base, else the heaviest, takes the tasks (unconfirmed: ECS spreads count
 * over the strategy by weight).
 */
export function chooseLaunch (input: RunTaskRequest, cluster: ClusterRecord): LaunchChoice {
  const given = input.capacityProviderStrategy ?? []
  if (input.launchType !== undefined && given.length > 0) {
    throw invalid(RUN_TASK_MESSAGES.launchTypeAndStrategy)
  }
  if (input.launchType !== undefined) return { launchType: input.launchType }
  const strategy = given.length > 0 ? given : cluster.defaultCapacityProviderStrategy
  if (strategy.length === 0) return { launchType: 'EC2' }
  for (const item of strategy) {
    const name = providerName(item.capacityProvider)
    if (!isKnownProvider(name)) throw ecsErrors.capacityProviderMissing(name)
    if (!cluster.capacityProviders.includes(name)) throw ecsErrors.strategyNotAssociated()
  }
  const chosen = [...strategy].sort((a, b) =>
    (b.base ?? 0) - (a.base ?? 0) || (b.weight ?? 0) - (a.weight ?? 0))[0]
  return { launchType: 'FARGATE', capacityProviderName: providerName(chosen.capacityProvider) }
}

/** The providers a strategy names, as `ecs:capacity-provider` holds them (their ARNs). */
export function strategyProviders (input: RunTaskRequest, scope: Scope): string[] {
  return (input.capacityProviderStrategy ?? [])
    .map(s => arns.capacityProvider(scope, providerName(s.capacityProvider)))
}

// --- the plan -----------------------------------------------------------------------------

/** Checks the request against the task definition and returns what every task shares. */
export function launchPlan (td: TaskDefinition, input: RunTaskRequest, choice: LaunchChoice,
  account: string): LaunchPlan {
  const launchType = choice.launchType
  const fargate = launchType === 'FARGATE'
  const networkMode: NetworkMode = td.networkMode ?? (fargate ? 'awsvpc' : 'bridge')
  const count = input.count ?? 1
  if (count < 1 || count > 10) throw invalid(RUN_TASK_MESSAGES.count)
  if ((input.tags ?? []).length > 50) throw invalid(RUN_TASK_MESSAGES.tooManyTags)
  checkLaunchType(td, launchType)
  const platformVersion = checkPlatform(input.platformVersion, launchType)
  const awsvpc = checkNetwork(networkMode, input.networkConfiguration, launchType)

  const overrides = normalizedOverrides(td, input.overrides ?? {})
  const containers = td.containerDefinitions.map(c => overridden(c, overrides))
  const cpu = overrides.cpu ?? td.cpu
  const memory = overrides.memory ?? td.memory
  if (launchType === 'FARGATE') checkFargateSize(cpu, memory)
  return {
    launchType,
    capacityProviderName: choice.capacityProviderName ?? (fargate ? 'FARGATE' : undefined),
    platformVersion,
    networkMode,
    awsvpc,
    overrides,
    taskRoleArn: role(overrides.taskRoleArn, account) ?? td.taskRoleArn,
    executionRoleArn: role(overrides.executionRoleArn, account) ?? td.executionRoleArn,
    cpu: shownUnits(cpu, parseTaskCpu) ?? sum(containers, c => c.cpu),
    memory: shownUnits(memory, parseTaskMemory) ??
      sum(containers, c => c.memory ?? c.memoryReservation),
    reservation: reservationOf(containers, networkMode, cpu, memory),
    group: input.group ?? `family:${td.family}`,
    startedBy: input.startedBy,
    enableExecuteCommand: input.enableExecuteCommand === true,
    ephemeralStorage: launchType === 'FARGATE'
      ? overrides.ephemeralStorage ?? td.ephemeralStorage ?? { sizeInGiB: 20 }
      : undefined
  }
}

function checkLaunchType (td: TaskDefinition, launchType: LaunchType): void {
  if (launchType !== 'EC2' && !td.compatibilities.includes(launchType)) {
    throw client(RUN_TASK_MESSAGES.launchTypeUnsupported(launchType))
  }
}

function checkPlatform (version: string | undefined, launchType: LaunchType): string | undefined {
  if (launchType !== 'FARGATE') {
    if (version !== undefined) throw invalid(RUN_TASK_MESSAGES.platformVersionOnEc2)
    return undefined
  }
  const asked = version ?? 'LATEST'
  if (!FARGATE_PLATFORMS.has(asked)) {
    throw new AwsError('PlatformUnknownException', RUN_TASK_MESSAGES.platformUnknown)
  }
  return asked === 'LATEST' ? FARGATE_LATEST : asked
}

function checkNetwork (mode: NetworkMode, config: NetworkConfiguration | undefined,
  launchType: LaunchType): AwsVpcConfiguration | undefined {
  const awsvpc = config?.awsvpcConfiguration
  if (mode !== 'awsvpc') {
    if (awsvpc !== undefined) throw invalid(RUN_TASK_MESSAGES.networkNotValid)
    return undefined
  }
  if (awsvpc === undefined) throw invalid(RUN_TASK_MESSAGES.networkRequired)
  if (awsvpc.subnets.length === 0) throw invalid(RUN_TASK_MESSAGES.noSubnets)
  if (awsvpc.subnets.length > 16) throw invalid(RUN_TASK_MESSAGES.tooManySubnets)
  if ((awsvpc.securityGroups ?? []).length > 5) throw invalid(RUN_TASK_MESSAGES.tooManyGroups)
  if (awsvpc.assignPublicIp === 'ENABLED' && launchType !== 'FARGATE') {
    throw invalid(RUN_TASK_MESSAGES.publicIp)
  }
  return awsvpc
}

// --- the network, in EC2 ------------------------------------------------------------------

/** An awsvpc configuration's subnets (one VPC) and groups, as the emulated EC2 has them. */
export interface TaskNetwork {
  vpcId: string
  subnets: SubnetRecord[]
  /** The groups given, else the VPC's `default` group. */
  securityGroupIds: string[]
}

/**
 * The plan with its awsvpc configuration looked up in the EC2 of the call's account and
 * region: every subnet exists, all in one VPC, and every group exists in that VPC.
 */
export function resolveNetwork (store: Ec2Store, scope: Scope, plan: LaunchPlan): LaunchPlan {
  if (plan.awsvpc === undefined) return plan
  ensureDefaultVpc(store, scope)
  const subnets = subnetsOf(store, scope, plan.awsvpc.subnets)
  const vpcId = subnets[0].vpcId
  if (subnets.some(s => s.vpcId !== vpcId)) throw invalid(RUN_TASK_MESSAGES.subnetsInVpcs)
  const securityGroupIds = groupsOf(store, scope, plan.awsvpc.securityGroups ?? [], vpcId)
  return { ...plan, network: { vpcId, subnets, securityGroupIds } }
}

function subnetsOf (store: Ec2Store, scope: Scope, asked: string[]): SubnetRecord[] {
  const ids = [...new Set(asked)]
  const found = ids.map(id => store.resource<SubnetRecord>(scope, 'subnet', id))
  const missing = ids.filter((_, n) => found[n] === undefined)
  if (missing.length > 0) {
    const ec2 = ec2Errors.subnetNotFound(missing).message
    throw invalid(RUN_TASK_MESSAGES.subnetNotFound(asked, ec2))
  }
  return found as SubnetRecord[]
}

function groupsOf (store: Ec2Store, scope: Scope, asked: string[], vpcId: string): string[] {
  if (asked.length === 0) {
    const group = groupOf(store, scope, vpcId, 'default')
    return group === undefined ? [] : [group.id]
  }
  const ids = [...new Set(asked)]
  const found = ids.map(id => store.resource<SecurityGroupRecord>(scope, 'security-group', id))
  const missing = ids.filter((_, n) => found[n] === undefined)
  if (missing.length > 0) {
    const ec2 = missing.length === 1
      ? ec2Errors.groupNotFound(missing[0]).message
      : ec2Errors.groupsNotFound(missing).message
    throw invalid(RUN_TASK_MESSAGES.groupNotFound(asked, ec2))
  }
  const elsewhere = (found as SecurityGroupRecord[]).find(g => g.vpcId !== vpcId)
  if (elsewhere !== undefined) throw invalid(RUN_TASK_MESSAGES.groupNotInVpc(elsewhere.id))
  return ids
}

function checkFargateSize (cpu: string | undefined, memory: string | undefined): void {
  const c = cpu === undefined ? undefined : parseTaskCpu(cpu)
  const m = memory === undefined ? undefined : parseTaskMemory(memory)
  if (c === undefined || m === undefined || !isFargateSize(c, m)) {
    throw client(`No Fargate configuration exists for given values: ${c ?? cpu} CPU, ${m ?? memory} memory. See the Amazon ECS documentation for the valid values.`)
  }
}

const role = (value: string | undefined, account: string): string | undefined =>
  value === undefined || value === '' ? undefined : expandRoleArn(value, account) ?? value

// --- overrides ----------------------------------------------------------------------------

/**
 * The overrides as DescribeTasks shows them: one container override per container of the
 * definition (the given members, or just the name), and an empty accelerator list.
 */
export function normalizedOverrides (td: TaskDefinition, given: TaskOverride): TaskOverride {
  const names = td.containerDefinitions.map(c => c.name ?? '')
  const byName = new Map<string, ContainerOverride>()
  for (const o of given.containerOverrides ?? []) {
    const name = o.name ?? ''
    if (!names.includes(name)) throw invalid(RUN_TASK_MESSAGES.overrideName(name))
    byName.set(name, { ...byName.get(name), ...o })
  }
  return {
    ...given,
    containerOverrides: names.map(name => byName.get(name) ?? { name }),
    inferenceAcceleratorOverrides: given.inferenceAcceleratorOverrides ?? []
  }
}

/** The container definition with its override applied (command, environment, cpu, memory). */
export function overridden (c: ContainerDefinition, overrides: TaskOverride): ContainerDefinition {
  const o = overrides.containerOverrides?.find(x => x.name === c.name)
  if (o === undefined) return c
  const environment = new Map((c.environment ?? []).map(e => [e.name, e]))
  for (const e of o.environment ?? []) environment.set(e.name, e)
  return {
    ...c,
    command: o.command ?? c.command,
    environment: [...environment.values()],
    cpu: o.cpu ?? c.cpu,
    memory: o.memory ?? c.memory,
    memoryReservation: o.memoryReservation ?? c.memoryReservation
  }
}

// --- reservation --------------------------------------------------------------------------

function shownUnits (text: string | undefined,
  parse: (t: string) => number | undefined): string | undefined {
  if (text === undefined) return undefined
  return String(parse(text) ?? text)
}

function sum (containers: ContainerDefinition[],
  value: (c: ContainerDefinition) => number | undefined): string | undefined {
  const values = containers.map(value).filter((v): v is number => v !== undefined)
  return values.length === 0 ? undefined : String(values.reduce((a, b) => a + b, 0))
}

/**
 * What a task books on its instance: the task-level cpu and memory when set, else the sum of
 * the containers' (memory, else memoryReservation); the static host ports of bridge and host
 * tasks (awsvpc tasks have their own interface).
 */
export function reservationOf (containers: ContainerDefinition[], mode: NetworkMode,
  cpu: string | undefined, memory: string | undefined): TaskReservation {
  const total = (f: (c: ContainerDefinition) => number | undefined): number =>
    containers.reduce((n, c) => n + (f(c) ?? 0), 0)
  const ports: number[] = []
  const portsUdp: number[] = []
  if (mode === 'bridge' || mode === 'host') {
    for (const p of containers.flatMap(c => c.portMappings ?? [])) {
      const host = p.hostPort ?? (mode === 'host' ? p.containerPort : undefined)
      if (host === undefined || host === 0) continue
      ;(p.protocol === 'udp' ? portsUdp : ports).push(host)
    }
  }
  return {
    cpu: (cpu === undefined ? undefined : parseTaskCpu(cpu)) ?? total(c => c.cpu),
    memory: (memory === undefined ? undefined : parseTaskMemory(memory)) ??
      total(c => c.memory ?? c.memoryReservation),
    ports,
    portsUdp
  }
}

// --- condition keys -----------------------------------------------------------------------

/** RunTask's and StartTask's keys besides the tags: task size and ECS Exec. */
export function runContext (td: TaskDefinition, input: RunTaskRequest): RequestContext {
  const context: RequestContext = {
    'ecs:enable-execute-command': String(input.enableExecuteCommand === true)
  }
  // (unconfirmed) that the overrides' size is what the keys hold when given
  const cpu = input.overrides?.cpu ?? td.cpu
  const memory = input.overrides?.memory ?? td.memory
  const cpuUnits = cpu === undefined ? undefined : parseTaskCpu(cpu)
  const mib = memory === undefined ? undefined : parseTaskMemory(memory)
  if (cpuUnits !== undefined) context['ecs:task-cpu'] = cpuUnits
  if (mib !== undefined) context['ecs:task-memory'] = mib
  return context
}

// --- new tasks ----------------------------------------------------------------------------

export interface NewTask {
  scope: Scope
  cluster: ClusterRecord
  td: TaskDefinition
  plan: LaunchPlan
  id: string
  now: Date
  /** The task's place among the call's tasks: Fargate tasks take the subnets in turn. */
  index?: number
}

/** A fresh task id for each task the call may start, so tags can be authorized first. */
export const newTaskId = (): string => randomBytes(16).toString('hex')

/**
 * A task of the call, not yet placed (`onInstance` places it). It is committed
 * PROVISIONING when ECS has an interface to attach first
 * (awsvpc, so every Fargate task), PENDING otherwise (reference §4.4 and the CLI's examples).
 */
export function newTask (n: NewTask): TaskRecord {
  const { scope, cluster, td, plan, id } = n
  const taskArn = arns.task(scope, cluster.clusterName, id)
  const subnet = subnetFor(plan, n.index ?? 0)
  const attachments = subnet === undefined ? [] : [eniAttachment(subnet)]
  return {
    ...scope,
    cluster: cluster.clusterName,
    id,
    taskArn,
    clusterArn: cluster.clusterArn,
    taskDefinitionArn: td.taskDefinitionArn,
    family: td.family,
    revision: td.revision,
    launchType: plan.launchType,
    lastStatus: attachments.length > 0 ? 'PROVISIONING' : 'PENDING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    containers: td.containerDefinitions.map(c =>
      newContainer(overridden(c, plan.overrides), scope, cluster.clusterName, id)),
    roles: {},
    version: 1,
    createdAt: n.now.getTime() / 1000,
    cpu: plan.cpu,
    memory: plan.memory,
    group: plan.group,
    startedBy: plan.startedBy,
    overrides: plan.overrides,
    taskRoleArn: plan.taskRoleArn,
    executionRoleArn: plan.executionRoleArn,
    networkMode: plan.networkMode,
    networkConfiguration: plan.awsvpc && { awsvpcConfiguration: plan.awsvpc },
    attachments,
    availabilityZone: plan.network?.subnets.find(s => s.id === subnet)?.availabilityZone ??
      availabilityZone(scope, undefined),
    capacityProviderName: plan.capacityProviderName,
    platformVersion: plan.platformVersion,
    platformFamily: plan.launchType === 'FARGATE' ? 'Linux' : undefined,
    ephemeralStorage: plan.ephemeralStorage,
    enableExecuteCommand: plan.enableExecuteCommand,
    attributes: [{ name: 'ecs.cpu-architecture', value: architecture(undefined) }]
  }
}

function newContainer (c: ContainerDefinition, scope: Scope, cluster: string,
  taskId: string): ContainerRecord {
  const text = (n: number | undefined) => n === undefined ? undefined : String(n)
  const base = `arn:aws:ecs:${scope.region}:${scope.account}`
  return {
    containerArn: `${base}:container/${cluster}/${taskId}/${randomUUID()}`,
    name: c.name ?? '',
    image: c.image ?? '',
    lastStatus: 'PENDING',
    networkBindings: [],
    networkInterfaces: [],
    healthCheck: c.healthCheck !== undefined,
    healthStatus: 'UNKNOWN',
    cpu: String(c.cpu ?? 0),
    memory: text(c.memory),
    memoryReservation: text(c.memoryReservation),
    essential: c.essential ?? true
  }
}

/**
 * The subnet an awsvpc task's interface goes in, before placement: the call's tasks take the
 * subnets in turn (unconfirmed: how ECS spreads Fargate tasks). On EC2 placement may change it
 * for the subnet in the instance's zone.
 */
function subnetFor (plan: LaunchPlan, index: number): string | undefined {
  const subnets = plan.network?.subnets.map(s => s.id) ?? plan.awsvpc?.subnets
  if (subnets === undefined || subnets.length === 0) return undefined
  return subnets[index % subnets.length]
}

/** The task's interface, before it exists: ECS shows it PRECREATED with its subnet. */
function eniAttachment (subnetId: string): AttachmentRecord {
  return {
    id: randomUUID(),
    type: 'ElasticNetworkInterface',
    status: 'PRECREATED',
    details: [{ name: 'subnetId', value: subnetId }]
  }
}

/** The task placed on the instance: its ARN, the reservation, its zone and architecture. */
export function onInstance (task: TaskRecord, instance: ContainerInstanceRecord,
  reservation: TaskReservation): TaskRecord {
  return {
    ...task,
    containerInstanceArn: instance.containerInstanceArn,
    reservation,
    availabilityZone: availabilityZone(task, instance),
    attributes: [{ name: 'ecs.cpu-architecture', value: architecture(instance) }]
  }
}

/** The instance's zone, else the region's first. */
function availabilityZone (scope: Scope, instance: ContainerInstanceRecord | undefined): string {
  return (instance === undefined ? undefined : zoneOf(instance)) ?? `${scope.region}a`
}

const zoneOf = (i: ContainerInstanceRecord): string | undefined =>
  i.attributes.find(a => a.name === 'ecs.availability-zone')?.value

function architecture (instance: ContainerInstanceRecord | undefined): string {
  return instance?.attributes.find(a => a.name === 'ecs.cpu-architecture')?.value ?? 'x86_64'
}

// --- placing and committing ---------------------------------------------------------------

export interface Launch {
  scope: Scope
  cluster: ClusterRecord
  /** The call's tasks, roles assumed, not yet placed. */
  tasks: TaskRecord[]
  demand: Demand
  tags: WireTag[]
  /** The awsvpc tasks' subnets and groups (`LaunchPlan.network`). */
  network?: TaskNetwork
  /** RunTask: place on the cluster's instances by these rules. */
  rules?: PlacementRules
  /** StartTask: one task on each of these instances (ids), in order. */
  targets?: string[]
  now: Date
}

export interface Launched { tasks: TaskRecord[], failures: PlacementFailure[] }

/**
 * Reads the instances, places, makes each awsvpc task's interface in EC2, and writes the
 * tasks (with their tags) and the instances' bookings in one transaction, so that concurrent
 * calls never over-commit an instance. Fargate tasks need no instance. RunTask onto a cluster
 * without an ACTIVE instance fails.
 */
export function commitLaunch (emulator: Emulator, l: Launch): Launched {
  if (l.tasks.length === 0) return { tasks: [], failures: [] }
  const launched = emulator.db.transaction((): Launched => {
    const placed = l.tasks[0].launchType === 'FARGATE'
      ? { tasks: l.tasks, failures: [] }
      : l.targets === undefined ? placeOnCluster(emulator, l) : placeOnTargets(emulator, l)
    const tasks = placed.tasks.map(t => withInterface(emulator.ec2.store, t, l.network, l.now))
    for (const t of tasks) {
      emulator.ecs.tasks.create(t)
      if (l.tags.length > 0) emulator.tags.tag(t.taskArn, l.tags)
    }
    return { tasks, failures: placed.failures }
  })()
  for (const t of launched.tasks) logTaskStatus(emulator, t, l.now)
  return launched
}

const occupants = (emulator: Emulator, i: ContainerInstanceRecord): Candidate => ({
  instance: i,
  tasks: emulator.ecs.tasks.activeOn(i.containerInstanceArn).map(t => ({ group: t.group }))
})

/**
 * Whether an awsvpc task's interface can be on the instance: one of the subnets is in its
 * zone (an instance whose zone is not known is taken to be in any).
 */
function inReach (i: ContainerInstanceRecord, network: TaskNetwork | undefined): boolean {
  const zone = zoneOf(i)
  return network === undefined || zone === undefined ||
    network.subnets.some(s => s.availabilityZone === zone)
}

function placeOnCluster (emulator: Emulator, l: Launch): Launched {
  const active = emulator.ecs.containerInstances.list(l.scope, l.cluster.clusterName)
    .filter(i => i.status === 'ACTIVE')
  if (active.length === 0) throw invalid(RUN_TASK_MESSAGES.noInstances)
  const near = active.filter(i => inReach(i, l.network))
  const result = placeTasks(near.map(i => occupants(emulator, i)), l.demand, l.tasks.length,
    l.rules ?? { constraints: [], strategies: [] })
  for (const i of result.instances.values()) emulator.ecs.containerInstances.save(i)
  const tasks = result.placed.map((i, n) => onInstance(l.tasks[n], i, l.demand))
  const failures = [...result.failures]
  if (tasks.length < l.tasks.length) {
    const far = active.filter(i => !near.includes(i))
    failures.push(...far.map(i => ({ arn: i.containerInstanceArn, reason: 'LOCATION' })))
  }
  return { tasks, failures }
}

/**
 * StartTask: each named instance takes one task if it can; one that is not in the cluster is
 * MISSING, a deregistered one INACTIVE, one out of the subnets' zones LOCATION, else its
 * placement reason. (unconfirmed) that StartTask onto a DRAINING instance is refused with the
 * reason DRAINING.
 */
function placeOnTargets (emulator: Emulator, l: Launch): Launched {
  const store = emulator.ecs.containerInstances
  const tasks: TaskRecord[] = []
  const failures: PlacementFailure[] = []
  const none = { constraints: [], strategies: [] }
  for (const id of l.targets!) {
    const arn = arns.containerInstance(l.scope, l.cluster.clusterName, id)
    const instance = store.get(l.scope, l.cluster.clusterName, id)
    if (instance === undefined) { failures.push({ arn, reason: 'MISSING' }); continue }
    if (instance.status !== 'ACTIVE') {
      failures.push({ arn, reason: instance.status === 'DRAINING' ? 'DRAINING' : 'INACTIVE' })
      continue
    }
    if (!inReach(instance, l.network)) { failures.push({ arn, reason: 'LOCATION' }); continue }
    const result = placeTasks([occupants(emulator, instance)], l.demand, 1, none)
    failures.push(...result.failures)
    const booked = result.placed[0]
    if (booked === undefined) continue
    store.save(booked)
    tasks.push(onInstance(l.tasks[tasks.length], booked, l.demand))
  }
  return { tasks, failures }
}

// --- the task's interface -----------------------------------------------------------------

/**
 * An awsvpc task's interface, made in EC2 once the task is placed (requester-managed by ECS,
 * described by the attachment's ARN, not yet attached), in the subnet of the task's zone (on
 * EC2, the instance's), else the one chosen before; the attachment's details name it, and the
 * task's zone is the subnet's.
 */
function withInterface (store: Ec2Store, task: TaskRecord, network: TaskNetwork | undefined,
  now: Date): TaskRecord {
  const attachment = task.attachments.find(a => a.type === 'ElasticNetworkInterface')
  if (attachment === undefined || network === undefined) return task
  const chosen = detailOf(attachment, 'subnetId')
  const subnet = network.subnets.find(s => s.availabilityZone === task.availabilityZone) ??
    network.subnets.find(s => s.id === chosen) ?? network.subnets[0]
  const eni = createNetworkInterface(store, task, {
    subnetId: subnet.id,
    securityGroupIds: network.securityGroupIds,
    description: `arn:aws:ecs:${task.region}:${task.account}:attachment/${attachment.id}`,
    requesterId: ECS_REQUESTER_ID,
    interfaceType: 'interface',
    detached: true
  }, now)
  const details = [
    { name: 'subnetId', value: subnet.id },
    { name: 'networkInterfaceId', value: eni.id },
    { name: 'macAddress', value: eni.macAddress },
    { name: 'privateDnsName', value: eni.privateDnsName },
    { name: 'privateIPv4Address', value: eni.privateIpAddress }
  ]
  return {
    ...task,
    availabilityZone: subnet.availabilityZone,
    attachments: task.attachments.map(a => a === attachment ? { ...a, details } : a)
  }
}
