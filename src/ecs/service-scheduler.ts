/**
 * The service scheduler: a pass every 250 ms (and soon after `wake()`) over every ACTIVE and
 * DRAINING service. Each pass of a service, in one synchronous step:
 *
 * 1. notices its tasks that stopped (a failure counts for the circuit breaker and the
 *    back-off) and deregisters what they left registered;
 * 2. registers each RUNNING task with the service's target groups, as the service role;
 * 3. replaces tasks the load balancer (after the grace period) or their health checks report
 *    unhealthy;
 * 4. starts and stops tasks by the rolling rules (service-rollout.ts), stopping a task by
 *    deregistering it first and holding it DEACTIVATING for the deregistration delay;
 * 5. trips the circuit breaker, completes deployments, says when the service is steady, and
 *    makes a DRAINING service INACTIVE once its tasks are gone;
 *
 * and writes the events in AWS's words (reference §6.4). ELBv2 is called in-process through
 * the same handlers and authorizer as a request (api/internal.ts), as the role ECS would use:
 * the service's `role`, else the service-linked role: RegisterTargets, DeregisterTargets, and
 * DescribeTargetHealth polled for the groups' health; so a role without one of them shows as a
 * denied decision and a service event.
 */
import { randomUUID } from 'node:crypto'
import { AwsError } from '../../api/errors.js'
import { callAs } from '../../api/internal.js'
import { elbv2 } from '../../api/elbv2/index.js'
import type { SessionRecord } from '../../store/sts.js'
import type { Emulator } from '../emulator.js'
import type { TargetGroupRecord } from '../elbv2/types.js'
import { F } from '../log.js'
import { assumeRoleAsService } from '../sts/sessions.js'
import type { Scope } from './arns.js'
import { placementRules, type PlacementFailure } from './placement.js'
import {
  chooseLaunch, commitLaunch, launchPlan, newTask, newTaskId, resolveNetwork, type RunTaskRequest
} from './run-task.js'
import {
  ROLLOUT, deploymentDefaults, newDeployment, serviceGroup, withEvent,
  type DeploymentRecord, type RegisteredTarget, type ServiceLoadBalancer, type ServiceRecord
} from './service.js'
import { circuitBreakerThreshold, planRollout, type TaskView } from './service-rollout.js'
import { updateServiceDeployment, withServiceDeployments } from './service-deployments.js'
import { detailOf, isProtected, type TaskRecord } from './task.js'
import { resolveTaskDefinition, type TaskDefinition } from './task-definition.js'
import { assumeTaskRoles } from './task-roles.js'
import { commitTask, requestStop } from './task-state.js'

const PASS_MS = 250
/** (unconfirmed) how long ECS waits before it tries a refused ELBv2 call again. */
const RETRY_MS = 10_000
/** (unconfirmed) how often ECS reads a group's target health: every 10 s. */
const HEALTH_POLL_MS = 10_000

interface HealthDescription {
  Target: { Id: string, Port?: number }
  TargetHealth: { State?: string, Reason?: string, Description?: string }
}
/** The principal ECS assumes service roles as, and the session name it uses (reference §3.6). */
export const ECS_SERVICE = 'ecs.amazonaws.com'
export const SCHEDULER_SESSION = 'ecs-service-scheduler'
/** (unconfirmed) the back-off between failed starts: doubling from 10 s, at most 15 minutes. */
const BACKOFF_MS = { first: 10_000, max: 15 * 60_000 }
/** (unconfirmed) failures in a row after which ECS says it cannot start tasks consistently. */
const CONSISTENT_FAILURES = 3

const PLACEMENT_REASONS: Record<string, string> = {
  'RESOURCE:CPU': 'has insufficient CPU units available',
  'RESOURCE:MEMORY': 'has insufficient memory available',
  'RESOURCE:PORTS': 'is already using a port required by your task',
  'RESOURCE:PORTS_UDP': 'is already using a port required by your task',
  AGENT: 'encountered error "AGENT"',
  ATTRIBUTE: 'is missing an attribute required by your task'
}

export const SERVICE_EVENTS = {
  started: (ids: string[]) => `has started ${ids.length} tasks: ${ids.map(id => `(task ${id})`).join(' ')}.`,
  stopped: (ids: string[]) =>
    `has stopped ${ids.length} running tasks: ${ids.map(id => `(task ${id})`).join(' ')}.`,
  registered: (n: number, tg: string) => `registered ${n} targets in (target-group ${tg})`,
  deregistered: (n: number, tg: string) => `deregistered ${n} targets in (target-group ${tg})`,
  draining: (n: number) => `has begun draining connections on ${n} tasks.`,
  registerFailed: (tg: string, error: string) =>
    `failed to register targets in (target-group ${tg}) with (error ${error})`,
  describeFailed: (tg: string, error: string) =>
    `failed to describe target health in (target-group ${tg}) with (error ${error})`,
  deregisterFailed: (tg: string, error: string) =>
    `failed to deregister targets in (target-group ${tg}) with (error ${error})`,
  unhealthyTask: (taskId: string, port: number, tg: string, reason: string) =>
    `(task ${taskId}) (port ${port}) is unhealthy in (target-group ${tg}) due to (reason ${reason}).`,
  unhealthyInstance: (instanceId: string, port: number, tg: string, reason: string) =>
    `(instance ${instanceId}) (port ${port}) is unhealthy in (target-group ${tg}) due to (reason ${reason}).`,
  containerHealth: (taskId: string) => `(task ${taskId}) failed container health checks.`,
  steady: 'has reached a steady state.',
  completed: (id: string) => `(deployment ${id}) deployment completed.`,
  failed: (id: string) => `(deployment ${id}) deployment failed: tasks failed to start.`,
  rollingBack: (id: string) => `rolling back to deployment ${id}.`,
  inconsistent: 'is unable to consistently start tasks successfully.',
  blocked: 'was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.',
  noInstances: 'was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.',
  closest: (instanceId: string, what: string) =>
    `was unable to place a task because no container instance met all of its requirements. The closest matching container-instance ${instanceId} ${what}. For more information, see the Troubleshooting section.`,
  launchFailed: (error: string) => `failed to launch a task with (error ${error}).`
} as const

/** The stopped reasons of the tasks the scheduler stops. */
export const SCHEDULER_STOPS = {
  elbHealth: (tg: string) => `Task failed ELB health checks in (target-group ${tg})`,
  // (unconfirmed) the texts below
  containerHealth: 'Task failed container health checks',
  scaling: 'Scaling activity initiated by (deployment {id})',
  deleted: 'Service deleted'
} as const

export class ServiceScheduler {
  readonly #sessions = new Map<string, SessionRecord>()
  /** When a refused ELBv2 call of a service may be tried again (epoch ms), by service and call. */
  readonly retries = new Map<string, number>()
  /** The last DescribeTargetHealth of each service and group, and when it was read. */
  readonly healthPolls = new Map<string, { at: number, result: HealthDescription[] | undefined }>()
  readonly #timer: NodeJS.Timeout
  #soon: NodeJS.Immediate | undefined
  #closed = false

  constructor (private readonly emulator: Emulator, readonly scale: number = 1) {
    this.#timer = setInterval(() => this.pass(), PASS_MS).unref()
  }

  /** Runs a pass soon: after a service was created, changed or deleted. */
  wake (): void {
    if (this.#closed) return
    this.#soon ??= setImmediate(() => { this.#soon = undefined; this.pass() })
  }

  /** One pass over every live service; one that fails is logged and tried again next pass. */
  pass (now = new Date()): void {
    if (this.#closed) return
    for (const s of this.emulator.ecs.services.live()) {
      try {
        new ServicePass(this, this.emulator, s, now).run()
      } catch (e) {
        this.emulator.log.error({ service: s.serviceArn, err: { message: (e as Error).message } },
          'service scheduler pass failed')
      }
    }
  }

  /** The session the service's ELBv2 calls are made with, assumed as ecs.amazonaws.com. */
  session (s: ServiceRecord, now: Date): SessionRecord | { error: string, decisionId: string } {
    const roleArn = s.roleArn ?? ''
    const key = `${roleArn}\0${s.serviceArn}`
    const held = this.#sessions.get(key)
    if (held !== undefined && held.expiration - 300 > now.getTime() / 1000 &&
      this.emulator.sessions.get(held.accessKeyId) !== undefined) return held
    const result = assumeRoleAsService(this.emulator, {
      roleArn, service: ECS_SERVICE, sessionName: SCHEDULER_SESSION, sourceArn: s.serviceArn,
      sourceAccount: s.account, onBehalfOf: s.serviceArn, requestId: randomUUID(),
      region: s.region, now
    })
    if (!result.ok) {
      // (unconfirmed) how ECS words a service role it can no longer assume
      return { error: `ECS was unable to assume role ${roleArn}`, decisionId: result.decisionId }
    }
    this.#sessions.set(key, result.session)
    return result.session
  }

  /**
   * StopTask on a service's task: as ECS does, its targets are deregistered first and it stays
   * DEACTIVATING for the deregistration delay before its agent is told. Undefined for a task of
   * no live service, or one with nothing registered: StopTask stops those at once.
   */
  stopTask (task: TaskRecord, reason: string, now: Date): TaskRecord | undefined {
    if (!task.group.startsWith('service:') || task.desiredStatus === 'STOPPED') return undefined
    const service = this.emulator.ecs.services.get(task, task.cluster, task.group.slice('service:'.length))
    if (service === undefined || service.status === 'INACTIVE' ||
      !service.registered.some(r => r.taskArn === task.taskArn)) return undefined
    const pass = new ServicePass(this, this.emulator, service, now)
    const stopped = pass.stopByUser(task, reason)
    pass.save()
    return stopped
  }

  /** Forgets sessions and retry times: after a reset, nothing of them exists any more. */
  clear (): void {
    this.#sessions.clear()
    this.retries.clear()
    this.healthPolls.clear()
  }

  close (): void {
    this.#closed = true
    clearInterval(this.#timer)
    if (this.#soon !== undefined) clearImmediate(this.#soon)
  }
}

/** A task's target in one target group. */
interface Target { targetGroupArn: string, id: string, port: number }

/** One pass over one service: reads its tasks once, changes the record, saves it once. */
class ServicePass {
  #s: ServiceRecord
  readonly #scope: Scope
  readonly #tasks: TaskRecord[]

  constructor (readonly scheduler: ServiceScheduler, readonly emulator: Emulator,
    service: ServiceRecord, readonly now: Date) {
    this.#s = service
    this.#before = JSON.stringify(service)
    this.#scope = { account: service.account, region: service.region }
    this.#tasks = emulator.ecs.tasks.list(this.#scope, service.cluster, { group: serviceGroup(service.serviceName) })
  }

  readonly #before: string

  run (): void {
    this.#noticeStopped()
    this.#registerRunning()
    this.#replaceUnhealthy()
    this.#roll()
    this.#settle()
    this.#s = { ...this.#s, tracked: this.#live().map(t => t.taskArn) }
    this.save()
  }

  /** Saves the service when the pass changed it. */
  save (): void {
    this.#s = withServiceDeployments(this.#s, this.now)
    if (JSON.stringify(this.#s) === this.#before) return
    this.emulator.ecs.services.save({ ...this.#s, version: this.#s.version + 1 })
  }

  /** The task stopped as its user asked, drained first (StopTask). */
  stopByUser (task: TaskRecord, reason: string): TaskRecord {
    this.#stop([task], reason, 'UserInitiated')
    return this.#tasks.find(t => t.taskArn === task.taskArn) ?? task
  }

  // --- the tasks ------------------------------------------------------------------------------

  /** Tasks not STOPPED (including those asked to stop). */
  #live (): TaskRecord[] {
    return this.#tasks.filter(t => t.lastStatus !== 'STOPPED')
  }

  /** Tasks not STOPPED and not asked to stop. */
  #active (): TaskRecord[] {
    return this.#tasks.filter(t => t.lastStatus !== 'STOPPED' && t.desiredStatus === 'RUNNING')
  }

  #event (message: string, options: { decisionId?: string, repeat?: boolean, prefix?: string } = {}): void {
    const before = this.#s
    this.#s = withEvent(this.#s, message, this.now, options)
    // The log says what the service's events say, as they are added (not their repeats).
    if (this.#s === before) return
    this.emulator.log.info({ serviceArn: this.#s.serviceArn, event: this.#s.events[0].message,
      decisionId: options.decisionId }, 'service event')
  }

  #deployment (id: string | undefined): DeploymentRecord | undefined {
    return this.#s.deployments.find(d => d.id === id)
  }

  #updateDeployment (id: string, change: (d: DeploymentRecord) => DeploymentRecord): void {
    this.#s = {
      ...this.#s,
      deployments: this.#s.deployments.map(d => d.id === id ? { ...change(d), updatedAt: this.now.getTime() / 1000 } : d)
    }
  }

  // --- 1. tasks that stopped ------------------------------------------------------------------

  #noticeStopped (): void {
    const stopped = new Set(this.#tasks.filter(t => t.lastStatus === 'STOPPED').map(t => t.taskArn))
    const gone = (this.#s.tracked ?? []).filter(arn => stopped.has(arn) ||
      !this.#tasks.some(t => t.taskArn === arn))
    for (const arn of gone) {
      const task = this.#tasks.find(t => t.taskArn === arn)
      if (task !== undefined && failedOnItsOwn(task)) this.#failed(task)
    }
    // What a task that is stopped or asked to stop still has registered, it deregisters now.
    const leaving = this.#s.registered.filter(r => {
      const t = this.#tasks.find(x => x.taskArn === r.taskArn)
      return t === undefined || t.lastStatus === 'STOPPED' || t.desiredStatus === 'STOPPED'
    })
    if (leaving.length > 0) this.#deregister(leaving)
  }

  /** A task of the service stopped without the scheduler or a user asking. */
  #failed (task: TaskRecord): void {
    const deployment = this.#deployment(task.startedBy)
    if (deployment !== undefined) {
      this.#updateDeployment(deployment.id, d => ({ ...d, failedTasks: d.failedTasks + 1 }))
    }
    const failures = this.#s.backoff.failures + 1
    const wait = Math.min(BACKOFF_MS.first * 2 ** (failures - 1), BACKOFF_MS.max) * this.scheduler.scale
    this.#s = { ...this.#s, backoff: { failures, retryAt: this.now.getTime() + wait } }
    if (failures >= CONSISTENT_FAILURES) this.#event(SERVICE_EVENTS.inconsistent)
  }

  // --- 2. registration ------------------------------------------------------------------------

  #registerRunning (): void {
    if (this.#s.loadBalancers.length === 0) return
    const wanted: (Target & { taskArn: string })[] = []
    for (const task of this.#active().filter(t => t.lastStatus === 'RUNNING')) {
      for (const lb of this.#s.loadBalancers) {
        const target = this.#targetOf(task, lb)
        if (target === undefined) continue
        if (this.#s.registered.some(r => r.taskArn === task.taskArn && r.targetGroupArn === target.targetGroupArn)) continue
        wanted.push({ ...target, taskArn: task.taskArn })
      }
    }
    for (const [tg, targets] of byGroup(wanted)) {
      const done = this.#elbv2('RegisterTargets', tg, targets)
      if (done === 'later') continue
      if (done !== true) {
        this.#event(SERVICE_EVENTS.registerFailed(tg, done.message), { decisionId: done.decisionId })
        continue
      }
      this.#s = { ...this.#s, registered: [...this.#s.registered, ...targets] }
      this.#event(SERVICE_EVENTS.registered(targets.length, tg), { repeat: true })
    }
  }

  /**
   * Where the load balancer reaches the task: the instance and the host port bound to the
   * container port (bridge, host), or the task's address and the container port (awsvpc).
   */
  #targetOf (task: TaskRecord, lb: ServiceLoadBalancer): Target | undefined {
    if (lb.targetGroupArn === undefined || lb.containerPort === undefined) return undefined
    if (task.networkMode === 'awsvpc') {
      const eni = task.attachments.find(a => a.type === 'ElasticNetworkInterface')
      const ip = eni === undefined ? undefined : detailOf(eni, 'privateIPv4Address')
      return ip === undefined ? undefined : { targetGroupArn: lb.targetGroupArn, id: ip, port: lb.containerPort }
    }
    const container = task.containers.find(c => c.name === lb.containerName)
    const binding = container?.networkBindings.find(b => b.containerPort === lb.containerPort &&
      (b.protocol ?? 'tcp') === 'tcp' && b.hostPort !== undefined)
    const instanceId = this.#instanceId(task)
    if (binding?.hostPort === undefined || instanceId === undefined) return undefined
    return { targetGroupArn: lb.targetGroupArn, id: instanceId, port: binding.hostPort }
  }

  #instanceId (task: TaskRecord): string | undefined {
    const arn = task.containerInstanceArn
    if (arn === undefined) return undefined
    return this.emulator.ecs.containerInstances.get(this.#scope, task.cluster, arn.split('/').pop()!)?.ec2InstanceId
  }

  /**
   * RegisterTargets or DeregisterTargets as the service role: true, the error's text, or
   * 'later' while a refused call waits to be tried again (RETRY_MS, scaled).
   */
  #elbv2 (operation: 'RegisterTargets' | 'DeregisterTargets', tg: string,
    targets: Target[]): true | 'later' | { message: string, decisionId?: string } {
    const key = `${this.#s.serviceArn}\0${operation}\0${tg}`
    const retries = this.scheduler.retries
    if ((retries.get(key) ?? 0) > this.now.getTime()) return 'later'
    const refused = (message: string, decisionId?: string) => {
      retries.set(key, this.now.getTime() + Math.max(RETRY_MS * this.scheduler.scale, PASS_MS))
      return { message, decisionId }
    }
    const session = this.scheduler.session(this.#s, this.now)
    if ('error' in session) return refused(session.error, session.decisionId)
    try {
      callAs(this.emulator, {
        service: elbv2, operation, session, region: this.#s.region, now: this.now,
        input: { TargetGroupArn: tg, Targets: targets.map(t => ({ Id: t.id, Port: t.port })) }
      })
      retries.delete(key)
      return true
    } catch (e) {
      if (!(e instanceof AwsError)) throw e
      return refused(e.message, e.decisionId)
    }
  }

  #deregister (leaving: RegisteredTarget[]): void {
    for (const [tg, targets] of byGroup(leaving)) {
      const done = this.#elbv2('DeregisterTargets', tg, targets)
      if (done === 'later') continue
      if (done !== true && !/not registered/i.test(done.message)) {
        this.#event(SERVICE_EVENTS.deregisterFailed(tg, done.message), { decisionId: done.decisionId })
        continue
      }
      const gone = new Set(targets)
      this.#s = { ...this.#s, registered: this.#s.registered.filter(r => !gone.has(r)) }
      if (done === true) this.#event(SERVICE_EVENTS.deregistered(targets.length, tg), { repeat: true })
    }
  }

  // --- 3. health ------------------------------------------------------------------------------

  /**
   * What the load balancer says of the task's target in the group, as the scheduler last read
   * it with DescribeTargetHealth (`#groupHealth`); `initial` while it knows nothing.
   */
  #targetHealth (task: TaskRecord, tgArn: string): { state: string, description?: string, port: number, id: string } | undefined {
    const r = this.#s.registered.find(x => x.taskArn === task.taskArn && x.targetGroupArn === tgArn)
    if (r === undefined) return undefined
    const found = this.#groupHealth(tgArn)?.find(d => d.Target.Id === r.id && Number(d.Target.Port) === r.port)
    const health = found?.TargetHealth
    // A group with health checks off has every target `unavailable`: ECS counts it healthy.
    const state = health?.State === 'unavailable' ? 'healthy' : health?.State ?? 'initial'
    return { state, description: health?.Description, port: r.port, id: r.id }
  }

  readonly #health = new Map<string, HealthDescription[] | undefined>()

  /**
   * The group's targets as DescribeTargetHealth answers the service role, read at most every
   * HEALTH_POLL_MS (scaled) per service and group; a refusal is a service event, and leaves the
   * targets' health unknown (no task counts healthy, none is replaced for it).
   */
  #groupHealth (tgArn: string): HealthDescription[] | undefined {
    if (this.#health.has(tgArn)) return this.#health.get(tgArn)
    const key = `${this.#s.serviceArn}\0${tgArn}`
    const polls = this.scheduler.healthPolls
    const last = polls.get(key)
    const every = Math.max(HEALTH_POLL_MS * this.scheduler.scale, PASS_MS)
    let result = last?.result
    if (last === undefined || last.at + every <= this.now.getTime()) {
      result = this.#describeHealth(tgArn)
      polls.set(key, { at: this.now.getTime(), result })
    }
    this.#health.set(tgArn, result)
    return result
  }

  #describeHealth (tgArn: string): HealthDescription[] | undefined {
    const session = this.scheduler.session(this.#s, this.now)
    const failed = (message: string, decisionId?: string): undefined => {
      this.#event(SERVICE_EVENTS.describeFailed(tgArn, message), { decisionId })
      return undefined
    }
    if ('error' in session) return failed(session.error, session.decisionId)
    try {
      const out = callAs(this.emulator, {
        service: elbv2, operation: 'DescribeTargetHealth', session, region: this.#s.region, now: this.now,
        input: { TargetGroupArn: tgArn }
      })
      return out.TargetHealthDescriptions as HealthDescription[]
    } catch (e) {
      if (!(e instanceof AwsError)) throw e
      return failed(e.message, e.decisionId)
    }
  }

  /** RUNNING, its container health checks (if any) passing, healthy in every target group. */
  #healthy (task: TaskRecord): boolean {
    if (task.lastStatus !== 'RUNNING') return false
    if (task.containers.some(c => c.healthCheck) && task.healthStatus !== 'HEALTHY') return false
    return this.#s.loadBalancers.every(lb =>
      lb.targetGroupArn === undefined || this.#targetHealth(task, lb.targetGroupArn)?.state === 'healthy')
  }

  #inGrace (task: TaskRecord): boolean {
    const grace = (this.#s.healthCheckGracePeriodSeconds ?? 0) * 1000 * this.scheduler.scale
    return task.startedAt === undefined || task.startedAt * 1000 + grace > this.now.getTime()
  }

  #replaceUnhealthy (): void {
    for (const task of this.#active().filter(t => t.lastStatus === 'RUNNING')) {
      if (this.#inGrace(task)) continue
      if (task.healthStatus === 'UNHEALTHY') {
        this.#event(SERVICE_EVENTS.containerHealth(task.id), { repeat: true })
        this.#countFailure(task)
        this.#stop([task], SCHEDULER_STOPS.containerHealth)
        continue
      }
      for (const lb of this.#s.loadBalancers) {
        const health = lb.targetGroupArn === undefined ? undefined : this.#targetHealth(task, lb.targetGroupArn)
        if (health?.state !== 'unhealthy') continue
        const tg = lb.targetGroupArn!
        const reason = health.description ?? 'Health checks failed'
        this.#event(task.networkMode === 'awsvpc'
          ? SERVICE_EVENTS.unhealthyTask(task.id, health.port, tg, reason)
          : SERVICE_EVENTS.unhealthyInstance(health.id, health.port, tg, reason), { repeat: true })
        this.#countFailure(task)
        this.#stop([task], SCHEDULER_STOPS.elbHealth(tg))
        break
      }
    }
  }

  #countFailure (task: TaskRecord): void {
    const deployment = this.#deployment(task.startedBy)
    if (deployment !== undefined) {
      this.#updateDeployment(deployment.id, d => ({ ...d, failedTasks: d.failedTasks + 1 }))
    }
  }

  // --- 4. starting and stopping -------------------------------------------------------------

  #roll (): void {
    const primary = this.#s.deployments[0]
    if (primary === undefined) return
    if (this.#s.schedulingStrategy === 'DAEMON') return this.#daemon(primary)
    const config = deploymentDefaults(this.#s.deploymentConfiguration, 'REPLICA')
    const desiredCount = this.#s.status === 'DRAINING' ? 0 : this.#s.desiredCount
    // (unconfirmed) that deleting a service stops its protected tasks too.
    const nowSeconds = this.now.getTime() / 1000
    const view = (t: TaskRecord): TaskView => ({
      taskArn: t.taskArn,
      healthy: this.#healthy(t),
      protected: this.#s.status !== 'DRAINING' && isProtected(t, nowSeconds)
    })
    const active = this.#active()
    const plan = planRollout({
      desiredCount,
      minimumHealthyPercent: config.minimumHealthyPercent!,
      maximumPercent: config.maximumPercent!,
      primary: active.filter(t => t.startedBy === primary.id).map(view),
      older: active.filter(t => t.startedBy !== primary.id).map(view)
    })
    if (plan.stop.length > 0) {
      const reason = this.#s.status === 'DRAINING'
        ? SCHEDULER_STOPS.deleted
        : SCHEDULER_STOPS.scaling.replace('{id}', primary.id)
      this.#stop(active.filter(t => plan.stop.includes(t.taskArn)), reason)
    }
    if (plan.start > 0 && this.#s.backoff.retryAt <= this.now.getTime()) this.#start(primary, plan.start)
    if (plan.blocked && this.#s.deployments.length > 1) this.#event(SERVICE_EVENTS.blocked)
  }

  /** DAEMON: one task on every ACTIVE instance of the cluster, none elsewhere. */
  #daemon (primary: DeploymentRecord): void {
    const instances = this.emulator.ecs.containerInstances.list(this.#scope, this.#s.cluster)
      .filter(i => i.status === 'ACTIVE')
    const active = this.#active()
    const draining = this.#s.status === 'DRAINING'
    // A daemon service's desired count is the number of instances it runs on.
    const desiredCount = draining ? 0 : instances.length
    if (this.#s.desiredCount !== desiredCount || primary.desiredCount !== desiredCount) {
      this.#s = { ...this.#s, desiredCount }
      this.#updateDeployment(primary.id, d => ({ ...d, desiredCount }))
    }
    const keep = new Set<string>()
    for (const i of instances) {
      const here = active.filter(t => t.containerInstanceArn === i.containerInstanceArn && t.startedBy === primary.id)
      if (here.length > 0) keep.add(here[0].taskArn)
    }
    const leaving = active.filter(t => draining || !keep.has(t.taskArn))
    if (leaving.length > 0) this.#stop(leaving, draining ? SCHEDULER_STOPS.deleted : SCHEDULER_STOPS.scaling.replace('{id}', primary.id))
    if (draining || this.#s.backoff.retryAt > this.now.getTime()) return
    const bare = instances.filter(i => !active.some(t => t.containerInstanceArn === i.containerInstanceArn &&
      keep.has(t.taskArn)) && !this.#live().some(t => t.containerInstanceArn === i.containerInstanceArn))
    for (const i of bare) this.#start(primary, 1, i.containerInstanceArn.split('/').pop())
  }

  /**
   * Stops the tasks as ECS stops a service's tasks: their targets deregistered first, each
   * held DEACTIVATING for its groups' deregistration delay (scaled) before its agent is told.
   */
  #stop (tasks: TaskRecord[], reason: string,
    stopCode: 'ServiceSchedulerInitiated' | 'UserInitiated' = 'ServiceSchedulerInitiated'): void {
    if (tasks.length === 0) return
    const arns = new Set(tasks.map(t => t.taskArn))
    const leaving = this.#s.registered.filter(r => arns.has(r.taskArn))
    if (leaving.length > 0) this.#deregister(leaving)
    const until = new Map<string, number>()
    for (const r of leaving) {
      const end = this.#drainingUntil(r)
      if (end !== undefined) until.set(r.taskArn, Math.max(until.get(r.taskArn) ?? 0, end))
    }
    const drained = tasks.filter(t => until.has(t.taskArn))
    if (drained.length > 0) {
      const taskSet = drained[0].startedBy ?? this.#s.deployments[0]?.id ?? ''
      this.#event(SERVICE_EVENTS.draining(drained.length),
        { repeat: true, prefix: `(service ${this.#s.serviceName}, taskSet ${taskSet})` })
    }
    for (const task of tasks) {
      const end = until.get(task.taskArn)
      const asked = requestStop(task, stopCode, reason, this.now)
      const started = task.lastStatus === 'RUNNING' || task.lastStatus === 'ACTIVATING'
      const next: TaskRecord = end !== undefined && started
        ? { ...asked, lastStatus: 'DEACTIVATING', deactivateUntil: end }
        : asked
      commitTask(this.emulator, task, next, this.now)
      if (next.deactivateUntil === undefined) this.emulator.acs.deliver(next)
      const i = this.#tasks.findIndex(t => t.taskArn === task.taskArn)
      if (i >= 0) this.#tasks[i] = next
    }
    if (stopCode === 'ServiceSchedulerInitiated') {
      this.#event(SERVICE_EVENTS.stopped(tasks.map(t => t.id)), { repeat: true })
    }
  }

  /** When the target's draining ends (epoch ms), as DeregisterTargets set it; none: gone at once. */
  #drainingUntil (r: RegisteredTarget): number | undefined {
    const tg = this.emulator.elbv2.get<TargetGroupRecord>('target-group', r.targetGroupArn)
    const d = tg?.draining.find(x => x.Id === r.id && x.Port === r.port)
    return d === undefined || d.until <= this.now.getTime() ? undefined : d.until
  }

  /** Starts `count` tasks of the deployment, as RunTask would (on one instance for DAEMON). */
  #start (deployment: DeploymentRecord, count: number, onInstance?: string): void {
    const s = this.#s
    const cluster = this.emulator.ecs.clusters.get(this.#scope, s.cluster)
    const td = resolveTaskDefinition(this.emulator.ecs.taskDefinitions, this.#scope, deployment.taskDefinition)
    if (cluster === undefined || cluster.status !== 'ACTIVE' || td === undefined) return
    const input: RunTaskRequest = {
      cluster: s.cluster,
      taskDefinition: td.taskDefinitionArn,
      count: Math.min(count, 10),
      launchType: deployment.capacityProviderStrategy === undefined ? deployment.launchType : undefined,
      capacityProviderStrategy: deployment.capacityProviderStrategy,
      platformVersion: deployment.platformVersion,
      networkConfiguration: deployment.networkConfiguration,
      group: serviceGroup(s.serviceName),
      startedBy: deployment.id,
      enableExecuteCommand: s.enableExecuteCommand
    }
    try {
      const plan = resolveNetwork(this.emulator.ec2.store, this.#scope,
        launchPlan(td, input, chooseLaunch(input, cluster), s.account))
      const ids = Array.from({ length: input.count! }, newTaskId)
      const prepared = ids.map((id, index) => {
        const task = newTask({ scope: this.#scope, cluster, td, plan, id, now: this.now, index })
        const roles = assumeTaskRoles(this.emulator, task, this.now)
        if (!roles.ok) throw roles.error
        return { ...task, roles: roles.roles }
      })
      const rules = onInstance === undefined
        ? placementRules([...definitionConstraints(td), ...s.placementConstraints], s.placementStrategy)
        : undefined
      const launched = commitLaunch(this.emulator, {
        scope: this.#scope, cluster, tasks: prepared,
        demand: { ...plan.reservation, requiresAttributes: td.requiresAttributes, group: plan.group },
        tags: this.#taskTags(td), rules, targets: onInstance === undefined ? undefined : [onInstance],
        network: plan.network, now: this.now
      })
      for (const t of launched.tasks) {
        this.emulator.acs.deliver(t)
        this.#tasks.push(t)
      }
      if (launched.tasks.length > 0) {
        this.#event(SERVICE_EVENTS.started(launched.tasks.map(t => t.id)), { repeat: true })
        this.emulator.log.info({ [F.cluster]: cluster.clusterArn, service: s.serviceArn,
          tasks: launched.tasks.map(t => t.taskArn) }, 'service tasks started')
      }
      if (launched.tasks.length < prepared.length) this.#unplaced(launched.failures)
    } catch (e) {
      if (!(e instanceof AwsError)) throw e
      if (e.message === 'No Container Instances were found in your cluster.') this.#event(SERVICE_EVENTS.noInstances)
      else this.#event(SERVICE_EVENTS.launchFailed(e.message))
    }
  }

  #unplaced (failures: PlacementFailure[]): void {
    const closest = failures[0]
    if (closest === undefined) return this.#event(SERVICE_EVENTS.noInstances)
    const what = PLACEMENT_REASONS[closest.reason] ?? `encountered error "${closest.reason}"`
    this.#event(SERVICE_EVENTS.closest(closest.arn.split('/').pop()!, what))
  }

  /** ECS's managed tags, when asked for, and the definition's or the service's, propagated. */
  #taskTags (td: TaskDefinition): { key: string, value: string }[] {
    const s = this.#s
    const tags = new Map<string, string>()
    const from = s.propagateTags === 'SERVICE' ? s.serviceArn
      : s.propagateTags === 'TASK_DEFINITION' ? td.taskDefinitionArn : undefined
    if (from !== undefined) for (const t of this.emulator.tags.list(from)) tags.set(t.key, t.value)
    if (s.enableECSManagedTags) {
      tags.set('aws:ecs:clusterName', s.cluster)
      tags.set('aws:ecs:serviceName', s.serviceName)
    }
    return [...tags].map(([key, value]) => ({ key, value }))
  }

  // --- 5. deployments and the service's state -----------------------------------------------

  #settle (): void {
    this.#circuitBreaker()
    const primary = this.#s.deployments[0]
    if (primary === undefined) return
    const active = this.#active()
    const live = this.#live()

    // Older deployments with nothing left are done with.
    const older = this.#s.deployments.slice(1).filter(d => live.some(t => t.startedBy === d.id))
    if (older.length !== this.#s.deployments.length - 1) {
      this.#s = { ...this.#s, deployments: [primary, ...older] }
    }

    if (this.#s.status === 'DRAINING') {
      if (live.length === 0 && this.#s.registered.length === 0) {
        this.#s = { ...this.#s, status: 'INACTIVE', deployments: this.#s.deployments.map(d => ({ ...d, status: 'INACTIVE' as const })) }
      }
      return
    }

    const desired = this.#s.schedulingStrategy === 'DAEMON'
      ? this.emulator.ecs.containerInstances.list(this.#scope, this.#s.cluster).filter(i => i.status === 'ACTIVE').length
      : this.#s.desiredCount
    const mine = active.filter(t => t.startedBy === primary.id)
    const healthy = mine.filter(t => this.#healthy(t)).length
    const settled = older.length === 0 && mine.length === desired && healthy === desired &&
      live.length === mine.length
    if (!settled) {
      if (this.#s.steady) this.#s = { ...this.#s, steady: false }
      return
    }
    if (healthy > 0 && this.#s.backoff.failures > 0) this.#s = { ...this.#s, backoff: { failures: 0, retryAt: 0 } }
    if (primary.rolloutState === 'IN_PROGRESS') {
      this.#updateDeployment(primary.id, d => ({ ...d, rolloutState: 'COMPLETED', rolloutStateReason: ROLLOUT.completed(d.id) }))
      this.#s = { ...this.#s, lastCompleted: this.#s.deployments[0] }
      this.#s = updateServiceDeployment(this.#s, primary.id, this.now, h => ({
        ...h,
        status: h.status === 'ROLLBACK_IN_PROGRESS' ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL',
        finishedAt: this.now.getTime() / 1000
      }))
      this.#event(SERVICE_EVENTS.completed(primary.id), { repeat: true })
    }
    if (!this.#s.steady) {
      this.#s = { ...this.#s, steady: true }
      this.#event(SERVICE_EVENTS.steady, { repeat: true })
    }
  }

  /** A deployment whose failed tasks reach the threshold fails; with rollback, the last good one returns. */
  #circuitBreaker (): void {
    const breaker = this.#s.deploymentConfiguration.deploymentCircuitBreaker
    const primary = this.#s.deployments[0]
    if (breaker?.enable !== true || primary === undefined || primary.rolloutState !== 'IN_PROGRESS') return
    if (primary.failedTasks < circuitBreakerThreshold(this.#s.desiredCount)) return
    this.#updateDeployment(primary.id, d => ({ ...d, rolloutState: 'FAILED', rolloutStateReason: ROLLOUT.circuitBreaker }))
    this.#event(SERVICE_EVENTS.failed(primary.id), { repeat: true })
    const good = this.#s.lastCompleted
    const rolls = breaker.rollback && good !== undefined && good.taskDefinition !== primary.taskDefinition
    // (unconfirmed) that a deployment the breaker fails without a rollback shows as STOPPED
    this.#s = updateServiceDeployment(this.#s, primary.id, this.now, h => ({ ...h, tripped: true,
      ...(rolls ? {} : { status: 'STOPPED' as const, statusReason: ROLLOUT.circuitBreaker, stoppedAt: this.now.getTime() / 1000 }) }))
    if (!rolls) return
    const back = newDeployment({ ...this.#s, ...good, desiredCount: this.#s.desiredCount }, this.now)
    this.#s = updateServiceDeployment(this.#s, primary.id, this.now, h => ({
      ...h,
      status: 'ROLLBACK_IN_PROGRESS',
      statusReason: ROLLOUT.circuitBreaker,
      deploymentIds: [...h.deploymentIds, back.id],
      rollback: { reason: ROLLOUT.circuitBreaker, startedAt: this.now.getTime() / 1000, revisionId: good.id.replace(/^ecs-svc\//, '') }
    }))
    this.#s = {
      ...this.#s,
      taskDefinition: good.taskDefinition,
      deployments: [back, ...this.#s.deployments.map(d => ({ ...d, status: 'ACTIVE' as const }))],
      backoff: { failures: 0, retryAt: 0 },
      steady: false
    }
    this.#event(SERVICE_EVENTS.rollingBack(good.id), { repeat: true })
  }
}

/** Stopped by itself: failed to start, or an essential container exited. */
const failedOnItsOwn = (t: TaskRecord): boolean =>
  t.stopCode === 'TaskFailedToStart' || t.stopCode === 'EssentialContainerExited'

function byGroup<T extends { targetGroupArn: string }> (targets: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const t of targets) groups.set(t.targetGroupArn, [...(groups.get(t.targetGroupArn) ?? []), t])
  return groups
}

const definitionConstraints = (td: TaskDefinition) =>
  (td.placementConstraints as { type?: 'memberOf', expression?: string }[])
    .filter(c => c.type === 'memberOf')
