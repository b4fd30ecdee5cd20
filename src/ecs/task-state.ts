/**
 * How a task's state moves once it exists: the agent's reports (task, container and
 * attachment state changes, container health), StopTask, and its host going away (terminated,
 * or deregistered with force), as pure functions over the record; `commitTask` saves a change
 * with what it does to the task's container instance (counts, and the reservation returned on
 * STOPPED) and to its network interface in EC2 (attached, given the task's address, deleted
 * once STOPPED) in one transaction. Each change bumps `version`. Reference §5.1–5.3.
 */
import type { Emulator } from '../emulator.js'
import { attachNetworkInterface, deleteNetworkInterface } from '../ec2/network-interfaces.js'
import { F } from '../log.js'
import { deregister, type ContainerInstanceRecord } from './container-instance.js'
import { adjustResources } from './placement.js'
import {
  detailOf, type AttachmentDetail, type AttachmentRecord, type ContainerRecord,
  type HealthStatus, type NetworkBinding, type TaskRecord, type TaskStatus, type TaskStopCode
} from './task.js'

/** A container's health as the agent publishes it over TCS (`PublishHealthRequest`). */
export interface ContainerHealth {
  containerName: string
  healthStatus: HealthStatus
  /** When the status began (epoch seconds, or a Date). Not kept. */
  statusSince?: number | Date
}

/**
 * Sets the named containers' `healthStatus`, then the task's: UNHEALTHY when any essential
 * container is, HEALTHY when every essential container is HEALTHY, UNKNOWN otherwise (the
 * priority AWS documents), over the essential containers that have a health check. A task
 * that is not known (or already STOPPED) is left alone.
 */
export function applyContainerHealth (emulator: Emulator, taskArn: string,
  containers: ContainerHealth[]): TaskRecord | undefined {
  const task = emulator.ecs.tasks.byArn(taskArn)
  if (task === undefined || task.lastStatus === 'STOPPED') return undefined
  const byName = new Map(containers.map(c => [c.containerName, c.healthStatus]))
  const updated: ContainerRecord[] = task.containers.map(c => {
    const health = byName.get(c.name)
    return health === undefined ? c : { ...c, healthStatus: health }
  })
  const healthStatus = taskHealth(updated)
  const changed = updated.some((c, i) => c.healthStatus !== task.containers[i].healthStatus) ||
    healthStatus !== task.healthStatus
  if (!changed) return task
  const next = { ...task, containers: updated, healthStatus, version: task.version + 1 }
  emulator.ecs.tasks.save(next)
  return next
}

export function taskHealth (containers: ContainerRecord[]): HealthStatus {
  const essential = containers.filter(c => c.essential)
  if (essential.some(c => c.healthStatus === 'UNHEALTHY')) return 'UNHEALTHY'
  const checked = essential.filter(c => c.healthCheck === true)
  if (checked.length > 0 && checked.every(c => c.healthStatus === 'HEALTHY')) return 'HEALTHY'
  return 'UNKNOWN'
}

// --- the agent's reports ------------------------------------------------------------------

/** Timestamps arrive as epoch seconds (JSON) or text; kept as epoch seconds. */
export type Timestamp = number | string | Date

export interface ContainerStateChange {
  containerName?: string
  imageDigest?: string
  runtimeId?: string
  exitCode?: number
  networkBindings?: NetworkBinding[]
  reason?: string
  status?: string
}

export interface AttachmentStateChange {
  attachmentArn: string
  status: string
  /**
   * Not in ECS's wire shape: this emulator's agent adds the address Docker gave the task
   * (the real ECS knows it from EC2). It becomes the ENI's `privateIPv4Address`.
   */
  privateIPv4Address?: string
}

export interface TaskStateChange {
  status?: string
  reason?: string
  containers?: ContainerStateChange[]
  attachments?: AttachmentStateChange[]
  pullStartedAt?: Timestamp
  pullStoppedAt?: Timestamp
  executionStoppedAt?: Timestamp
}

export const STOP_REASONS = {
  user: 'Task stopped by user',
  essential: 'Essential container in task exited',
  hostTerminated: (instanceId: string) => `Host EC2 (instance ${instanceId}) terminated.`,
  forcedDeregistration: 'Container instance deregistration forced by user'
} as const

const RANK: Record<TaskStatus, number> = {
  PROVISIONING: 0, PENDING: 1, ACTIVATING: 2, RUNNING: 3, DEACTIVATING: 4, STOPPING: 5,
  DEPROVISIONING: 6, STOPPED: 7
}

/** The agent's task statuses: only RUNNING and STOPPED are its own; the rest read as PENDING. */
function reportedStatus (status: string | undefined): TaskStatus | undefined {
  if (status === undefined || status === '') return undefined
  if (status === 'RUNNING' || status === 'STOPPED') return status
  return 'PENDING'
}

const seconds = (t: Timestamp | undefined): number | undefined => {
  if (t === undefined) return undefined
  if (typeof t === 'number') return t
  const ms = t instanceof Date ? t.getTime() : Date.parse(t)
  return Number.isNaN(ms) ? undefined : ms / 1000
}

/**
 * What the agent reported, applied: the containers, the attachments, the pull and execution
 * times, and the task status when it moves forward (a late PENDING after RUNNING is ignored).
 * A STOPPED task changes no more.
 */
export function reportTask (task: TaskRecord, change: TaskStateChange, now: Date): TaskRecord {
  if (task.lastStatus === 'STOPPED') return task
  let next: TaskRecord = {
    ...task,
    pullStartedAt: task.pullStartedAt ?? seconds(change.pullStartedAt),
    pullStoppedAt: task.pullStoppedAt ?? seconds(change.pullStoppedAt),
    executionStoppedAt: task.executionStoppedAt ?? seconds(change.executionStoppedAt)
  }
  for (const c of change.containers ?? []) next = reportContainer(next, c, now)
  for (const a of change.attachments ?? []) next = reportAttachment(next, a)
  const status = reportedStatus(change.status)
  if (status !== undefined && RANK[status] > RANK[next.lastStatus]) {
    next = moveTo(next, status, change.reason, now)
  }
  return changed(task, next)
}

/** One container's report; an essential container that stops stops a running task. */
export function reportContainer (task: TaskRecord, c: ContainerStateChange,
  now: Date): TaskRecord {
  if (task.lastStatus === 'STOPPED') return task
  const containers = task.containers.map(x => x.name !== c.containerName ? x : {
    ...x,
    lastStatus: containerStatus(c.status) ?? x.lastStatus,
    runtimeId: c.runtimeId ?? x.runtimeId,
    imageDigest: c.imageDigest ?? x.imageDigest,
    exitCode: c.exitCode ?? x.exitCode,
    reason: c.reason ?? x.reason,
    networkBindings: c.networkBindings ?? x.networkBindings
  })
  const next = { ...task, containers }
  const exited = containers.find(x => x.name === c.containerName)
  const essentialExit = exited?.essential === true && exited.lastStatus === 'STOPPED'
  if (!essentialExit || task.startedAt === undefined) return next
  return requestStop(next, 'EssentialContainerExited', STOP_REASONS.essential, now)
}

function containerStatus (status: string | undefined): string | undefined {
  if (status === undefined || status === '') return undefined
  return status === 'RUNNING' || status === 'STOPPED' ? status : 'PENDING'
}

/**
 * An ENI attachment's status (and address), named by its ARN (`…:attachment/ID`) or its id.
 * Once ATTACHED, the containers show the interface's address.
 */
export function reportAttachment (task: TaskRecord, a: AttachmentStateChange): TaskRecord {
  const id = a.attachmentArn.split('/').pop()
  const ip = typeof a.privateIPv4Address === 'string' ? a.privateIPv4Address : undefined
  const attachments = task.attachments.map(x => x.id !== id ? x : {
    ...x,
    status: a.status,
    details: ip === undefined ? x.details : withAddress(x.details, ip, task.region)
  })
  const reported = attachments.find(x => x.id === id)
  const next = { ...task, attachments }
  return reported?.status === 'ATTACHED' ? withInterfaces(next, reported) : next
}

/** Every container on the attachment's interface, at its address (when it has one). */
function withInterfaces (task: TaskRecord, a: AttachmentRecord): TaskRecord {
  const ip = detailOf(a, 'privateIPv4Address')
  if (ip === undefined) return task
  const networkInterfaces = [{ attachmentId: a.id, privateIpv4Address: ip }]
  return { ...task, containers: task.containers.map(c => ({ ...c, networkInterfaces })) }
}

function withAddress (details: AttachmentDetail[], ip: string, region: string): AttachmentDetail[] {
  const domain = region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`
  const dns = `ip-${ip.replaceAll('.', '-')}.${domain}`
  const kept = details.filter(d => d.name !== 'privateDnsName' && d.name !== 'privateIPv4Address')
  return [...kept, { name: 'privateDnsName', value: dns },
    { name: 'privateIPv4Address', value: ip }]
}

function moveTo (task: TaskRecord, status: TaskStatus, reason: string | undefined,
  now: Date): TaskRecord {
  const at = now.getTime() / 1000
  const reached: TaskRecord = {
    ...task,
    lastStatus: status,
    connectivity: 'CONNECTED',
    connectivityAt: task.connectivityAt ?? at
  }
  if (status === 'RUNNING') {
    const attachments = task.attachments.map(a => ({ ...a, status: 'ATTACHED' }))
    const running: TaskRecord = {
      ...reached,
      startedAt: task.startedAt ?? at,
      attachments,
      containers: task.containers.map(c =>
        c.lastStatus === 'PENDING' ? { ...c, lastStatus: 'RUNNING' } : c)
    }
    const eni = attachments.find(a => a.type === 'ElasticNetworkInterface')
    const attached = eni === undefined ? running : withInterfaces(running, eni)
    // awsvpc tasks pass through ACTIVATING (post-start steps) on their way to RUNNING.
    return task.networkMode === 'awsvpc' ? { ...attached, lastStatus: 'ACTIVATING' } : attached
  }
  if (status !== 'STOPPED') return reached
  const stopped = finish(reached, reason, at)
  // awsvpc tasks then pass through DEPROVISIONING (the ENI is detached) on their way to STOPPED.
  if (task.networkMode !== 'awsvpc') return stopped
  const detaching = stopped.attachments.map(a => ({ ...a, status: 'DETACHING' }))
  return { ...stopped, lastStatus: 'DEPROVISIONING', stoppedAt: undefined, attachments: detaching }
}

/**
 * The statuses ECS passes through by itself, after a short while (src/ecs/task-lifecycle.ts):
 * ACTIVATING (post-start steps such as target-group registration, none yet), DEACTIVATING
 * (pre-stop steps such as deregistration), DEPROVISIONING (the ENI detached).
 */
export const TRANSIENT: readonly TaskStatus[] = ['ACTIVATING', 'DEACTIVATING', 'DEPROVISIONING']

/** The next status after a transient one. */
export function advance (task: TaskRecord, now: Date): TaskRecord {
  const at = now.getTime() / 1000
  switch (task.lastStatus) {
    case 'ACTIVATING': return { ...task, lastStatus: 'RUNNING', version: task.version + 1 }
    case 'DEACTIVATING':
      if (task.deactivateUntil !== undefined && task.deactivateUntil > now.getTime()) return task
      return { ...task, lastStatus: 'STOPPING', version: task.version + 1 }
    case 'DEPROVISIONING': {
      const attachments = task.attachments.map(a => ({ ...a, status: 'DELETED' }))
      return { ...task, lastStatus: 'STOPPED', stoppedAt: at, attachments, version: task.version + 1 }
    }
    default: return task
  }
}

/**
 * STOPPED, as the agent reports it. A task that was not asked to stop stopped by itself:
 * before it ran, it failed to start (the agent's reason is the stopped reason); after, an
 * essential container exited.
 */
function finish (task: TaskRecord, reason: string | undefined, at: number): TaskRecord {
  const started = task.startedAt !== undefined
  const failure = reason ?? task.containers.find(c => c.reason !== undefined)?.reason
  const stop = task.stopCode !== undefined
    ? { stopCode: task.stopCode, stoppedReason: task.stoppedReason }
    : started
      ? { stopCode: 'EssentialContainerExited' as const, stoppedReason: STOP_REASONS.essential }
      : { stopCode: 'TaskFailedToStart' as const, stoppedReason: failure }
  return {
    ...task,
    ...stop,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    acknowledgedStatus: 'STOPPED',
    healthStatus: 'UNKNOWN',
    stoppingAt: task.stoppingAt ?? at,
    executionStoppedAt: task.executionStoppedAt ?? at,
    stoppedAt: at,
    containers: task.containers.map(c => ({ ...c, lastStatus: 'STOPPED' })),
    attachments: task.attachments.map(a => ({ ...a, status: 'DELETED' }))
  }
}

/**
 * STOPPED at once, with no agent to report it: the task's host was terminated, or its container
 * instance deregistered with force (ECS moves its tasks to STOPPED; their containers, orphaned,
 * may run on). A task that was asked to stop before keeps that request's code and reason;
 * (unconfirmed) otherwise ECS sets no stop code, only the reason.
 */
export function stopWithHost (task: TaskRecord, reason: string, now: Date): TaskRecord {
  if (task.lastStatus === 'STOPPED') return task
  const at = now.getTime() / 1000
  const asked = task.desiredStatus === 'STOPPED'
  return {
    ...task,
    desiredStatus: 'STOPPED',
    lastStatus: 'STOPPED',
    stoppedReason: asked ? task.stoppedReason : reason,
    healthStatus: 'UNKNOWN',
    stoppingAt: task.stoppingAt ?? at,
    executionStoppedAt: task.executionStoppedAt ?? at,
    stoppedAt: at,
    containers: task.containers.map(c => ({ ...c, lastStatus: 'STOPPED' })),
    attachments: task.attachments.map(a => ({ ...a, status: 'DELETED' })),
    version: task.version + 1
  }
}

/**
 * Asks the task to stop: desired STOPPED, with the code and reason of the first request
 * (a second StopTask changes nothing).
 */
export function requestStop (task: TaskRecord, stopCode: TaskStopCode, reason: string,
  now: Date): TaskRecord {
  if (task.desiredStatus === 'STOPPED') return task
  // A started task moves on at once: DEACTIVATING first for awsvpc (then STOPPING), else
  // STOPPING, while the agent stops its containers. One not yet started waits for the agent.
  const started = task.lastStatus === 'RUNNING' || task.lastStatus === 'ACTIVATING'
  const lastStatus = !started ? task.lastStatus : task.networkMode === 'awsvpc' ? 'DEACTIVATING' : 'STOPPING'
  return {
    ...task,
    lastStatus,
    desiredStatus: 'STOPPED',
    stopCode,
    stoppedReason: reason,
    stoppingAt: now.getTime() / 1000,
    version: task.version + 1
  }
}

/** `next` with its version bumped, when anything changed. */
function changed (before: TaskRecord, next: TaskRecord): TaskRecord {
  const { version: _a, ...was } = before
  const { version: _b, ...is } = next
  if (JSON.stringify(was) === JSON.stringify(is)) return before
  return { ...next, version: before.version + 1 }
}

// --- committing ---------------------------------------------------------------------------

type Bucket = 'running' | 'pending' | 'none'

const bucket = (s: TaskStatus): Bucket =>
  s === 'RUNNING' ? 'running' : s === 'STOPPED' ? 'none' : 'pending'

/**
 * Saves the task; on its container instance, moves it between the pending and running counts
 * and gives its reservation back when it reached STOPPED; and brings its interface in EC2
 * along (`syncInterfaces`): one transaction.
 */
export function commitTask (emulator: Emulator, before: TaskRecord, after: TaskRecord,
  now: Date = new Date()): void {
  if (before === after) return
  emulator.db.transaction(() => {
    emulator.ecs.tasks.save(after)
    const arn = after.containerInstanceArn
    const store = emulator.ecs.containerInstances
    const instance = arn === undefined
      ? undefined
      : store.get(after, after.cluster, arn.split('/').pop()!)
    syncInterfaces(emulator, before, after, instance?.ec2InstanceId, now)
    if (TRANSIENT.includes(after.lastStatus)) emulator.taskLifecycle.soon()
    if (instance === undefined) return
    const next = counted(instance, before, after)
    if (next !== instance) store.save(next)
  })()
  if (after.lastStatus !== before.lastStatus) logTaskStatus(emulator, after, now)
}

/**
 * One line per status a task reaches, whoever moved it (its agent, StopTask, the scheduler,
 * ECS's own transient steps): what `up`'s terminal shows while tasks start and stop.
 */
export function logTaskStatus (emulator: Emulator, task: TaskRecord, now: Date): void {
  const line: Record<string, unknown> = {
    [F.taskArn]: task.taskArn, group: task.group, lastStatus: task.lastStatus
  }
  if (task.lastStatus === 'RUNNING') {
    line.secondsSinceCreated = Math.round((now.getTime() / 1000 - task.createdAt) * 10) / 10
  }
  if (task.lastStatus === 'STOPPED') {
    line.stopCode = task.stopCode
    line.stoppedReason = task.stoppedReason
  }
  emulator.log.info(line, 'task status changed')
}

/** The instance with the task moved between its counts, and its reservation back on STOPPED. */
function counted (instance: ContainerInstanceRecord, before: TaskRecord,
  after: TaskRecord): ContainerInstanceRecord {
  const from = bucket(before.lastStatus)
  const to = bucket(after.lastStatus)
  if (from === to) return instance
  let next = { ...instance }
  if (from === 'running') next.runningTasksCount--
  if (from === 'pending') next.pendingTasksCount--
  if (to === 'running') next.runningTasksCount++
  if (to === 'pending') next.pendingTasksCount++
  if (to === 'none' && after.reservation !== undefined) {
    next = adjustResources(next, after.reservation, -1)
  }
  next.runningTasksCount = Math.max(0, next.runningTasksCount)
  next.pendingTasksCount = Math.max(0, next.pendingTasksCount)
  return next
}

/**
 * The task's ENIs in EC2 follow its attachments: attached (to the instance, on EC2) and given
 * the attachment's address when it becomes ATTACHED or its address changes; deleted once the
 * task is STOPPED, as ECS deletes them after DEPROVISIONING.
 */
function syncInterfaces (emulator: Emulator, before: TaskRecord, after: TaskRecord,
  instanceId: string | undefined, now: Date): void {
  const store = emulator.ec2.store
  for (const a of after.attachments) {
    const id = a.type === 'ElasticNetworkInterface' ? detailOf(a, 'networkInterfaceId') : undefined
    if (id === undefined) continue
    if (after.lastStatus === 'STOPPED') {
      if (before.lastStatus !== 'STOPPED') deleteNetworkInterface(store, after, id)
      continue
    }
    const was = before.attachments.find(x => x.id === a.id)
    const ip = detailOf(a, 'privateIPv4Address')
    const moved = was?.status !== a.status ||
      (was === undefined ? undefined : detailOf(was, 'privateIPv4Address')) !== ip
    if (a.status === 'ATTACHED' && moved) {
      attachNetworkInterface(store, after, id, { instanceId, privateIpAddress: ip }, now)
    }
  }
}

// --- the host going away ------------------------------------------------------------------

/**
 * Stops every task of the container instance that is not STOPPED yet (`stopWithHost`), giving
 * back their reservations and deleting their interfaces; returns them. `orphaned` tasks are
 * never told to the agent again (their STOPPED counts as acknowledged).
 */
export function stopInstanceTasks (emulator: Emulator, containerInstanceArn: string,
  reason: string, now: Date, orphaned: boolean): TaskRecord[] {
  return emulator.db.transaction(() => emulator.ecs.tasks.activeOn(containerInstanceArn).map(t => {
    const stopped = stopWithHost(t, reason, now)
    const next: TaskRecord = orphaned ? { ...stopped, acknowledgedStatus: 'STOPPED' } : stopped
    commitTask(emulator, t, next, now)
    return next
  }))()
}

/**
 * DeregisterContainerInstance: refused while the instance has tasks unless forced; forced,
 * its tasks are STOPPED and orphaned (AWS: they keep running, no longer monitored or
 * accounted for by ECS, and their ENIs are deleted). One transaction.
 */
export function deregisterContainerInstance (emulator: Emulator,
  instance: ContainerInstanceRecord, force: boolean, now: Date): ContainerInstanceRecord {
  return emulator.db.transaction(() => {
    deregister(instance, force)
    const reason = STOP_REASONS.forcedDeregistration
    stopInstanceTasks(emulator, instance.containerInstanceArn, reason, now, true)
    const store = emulator.ecs.containerInstances
    const gone = deregister(store.get(instance, instance.cluster, instance.id) ?? instance, true)
    store.save(gone)
    return gone
  })()
}

// --- the decision that stopped a task -----------------------------------------------------

/**
 * For a task that failed to start: the newest denied decision, since the task was created, of
 * the session that prepared it: `assumed-role/EXECUTION_ROLE/TASK_ID`, or without an
 * execution role the agent's (instance role) session, `agentPrincipal`.
 */
export function stopDecision (emulator: Emulator, task: TaskRecord,
  agentPrincipal: string | undefined): string | undefined {
  if (task.stopCode !== 'TaskFailedToStart') return undefined
  const role = task.executionRoleArn?.split('/').pop()
  const principal = role === undefined
    ? agentPrincipal
    : `arn:aws:sts::${task.account}:assumed-role/${role}/${task.id}`
  if (principal === undefined) return undefined
  const decisions = emulator.decisions.query({ principal, since: task.createdAt, limit: 200 })
  return decisions.find(d => d.decision !== 'Allow')?.id
}
