/**
 * The control plane's side of ACS: one session per connected container instance, the tasks
 * each agent must hear about, heartbeats, task manifests and credential refreshes.
 *
 * What an agent must hear about is kept in the task store, not here: every task of the
 * instance that is not both STOPPED and acknowledged as STOPPED (`TaskStore.byContainerInstance`).
 * On connect the hub sends each of them as it stands now (so a restarted agent or control plane
 * converges); afterwards `deliver` sends each change. An AckRequest sets the task's
 * `acknowledgedStatus`. FARGATE tasks have no instance: they go to a connected agent whose
 * instance carries the `ecs-emulator.capability.fargate` attribute (the built-in agent), and
 * wait until one connects; which agent took which is kept in memory only.
 */
import type { Emulator } from '../emulator.js'
import { F, type Logger } from '../log.js'
import { agentConnection, type ContainerInstanceRecord } from '../ecs/container-instance.js'
import type { TaskRecord, TaskRoleSession } from '../ecs/task.js'
import { assumeTaskRoles } from '../ecs/task-roles.js'
import { applyContainerHealth } from '../ecs/task-state.js'
import type { RoleType, TaskIdentifier } from './protocol.js'
import {
  AcsSession, type AgentIdentity, type AgentSocket, type SentPayload, type SessionHost
} from './session.js'
import { TelemetrySession, type TaskHealthReport, type TelemetryHost } from './telemetry.js'
import { roleCredentials, taskCredentials, toAcsTask } from './translate.js'

export interface AcsHubOptions {
  /** Milliseconds between HeartbeatMessages (20 s, as the real ACS). */
  heartbeatMs?: number
  /** Protocol version 2: how long an agent may stay silent before its session closes (3 beats). */
  silenceMs?: number
  /** A TaskManifestMessage every this many heartbeats (3: once a minute). (unconfirmed) the rate */
  manifestEvery?: number
  /** How often task credentials are checked for expiry (1 min). */
  credentialsCheckMs?: number
  /** Task credentials are renewed this many seconds before they expire (15 min). */
  refreshBeforeSeconds?: number
}

type Timing = Required<AcsHubOptions>

/** The attribute of the container instances that run FARGATE tasks. */
export const FARGATE_CAPABILITY = 'ecs-emulator.capability.fargate'

const ROLE_TYPES: [keyof TaskRecord['roles'], RoleType][] = [
  ['task', 'TaskApplication'], ['execution', 'TaskExecution']
]

function timing (o: AcsHubOptions): Timing {
  const heartbeatMs = o.heartbeatMs ?? 20_000
  return {
    heartbeatMs,
    silenceMs: o.silenceMs ?? heartbeatMs * 3,
    manifestEvery: o.manifestEvery ?? 3,
    credentialsCheckMs: o.credentialsCheckMs ?? 60_000,
    refreshBeforeSeconds: o.refreshBeforeSeconds ?? 900
  }
}

export class AcsHub implements SessionHost, TelemetryHost {
  readonly #agents = new Map<string, AcsSession>()
  readonly #telemetry = new Map<string, TelemetrySession>()
  /** FARGATE task ARN → the container instance whose agent took it. */
  readonly #fargate = new Map<string, string>()
  /** FARGATE tasks no agent has taken yet. */
  readonly #waiting = new Set<string>()
  /** Task ARN → when a failed credential refresh may be tried again (epoch ms). */
  readonly #refreshRetry = new Map<string, number>()
  readonly #log: Logger
  #given: AcsHubOptions
  #timing: Timing
  #sweeper: NodeJS.Timeout | undefined
  #closed = false
  /**
   * PayloadMessage seqNum and TaskManifest timeline: one counter that only goes up, started
   * from the clock so that it keeps going up across restarts (the agent drops a manifest whose
   * timeline is not above every seqNum it saw). seqNum is a 32-bit integer on the wire.
   */
  #seq = Math.floor(Date.now() / 1000) - 1_600_000_000

  constructor (readonly emulator: Emulator, options: AcsHubOptions = {}) {
    this.#given = options
    this.#timing = timing(options)
    this.#log = emulator.log.child({ component: 'acs' })
    const reset = emulator.ecs.containerInstances.disconnectAll()
    if (reset > 0) {
      this.#log.info({ instances: reset }, 'container instances disconnected until their agents reconnect')
    }
    this.#startSweeper()
  }

  get options (): Readonly<Timing> { return this.#timing }

  /** Changes the timing (tests shorten it); sessions opened from now on use it. */
  configure (options: AcsHubOptions): void {
    this.#given = { ...this.#given, ...options }
    this.#timing = timing(this.#given)
    this.#startSweeper()
  }

  nextSeq (): number { return ++this.#seq }

  // --- sessions -----------------------------------------------------------------------------

  /** An agent's ACS socket is open: the instance is connected, and hears about its tasks. */
  openAgent (socket: AgentSocket, agent: AgentIdentity): AcsSession {
    const log = this.#sessionLog(agent, 'acs')
    const session = new AcsSession(this, socket, agent, this.#timing, log)
    const previous = this.#agents.get(agent.containerInstanceArn)
    this.#agents.set(agent.containerInstanceArn, session)
    if (previous !== undefined) {
      previous.log.info('ACS session replaced by a new one of the same instance')
      previous.close(1000, 'ConnectionReplaced') // (unconfirmed) what ACS does with a second one
    }
    this.#setConnected(agent, true)
    log.info({ versionInfo: agent.versionInfo, protocolVersion: agent.protocolVersion,
      sendCredentials: agent.sendCredentials }, 'ACS session opened')
    session.start()
    this.#sendAll(session)
    return session
  }

  agentClosed (session: AcsSession, code?: number, reason?: string): void {
    session.end()
    const arn = session.agent.containerInstanceArn
    if (this.#agents.get(arn) !== session) return
    this.#agents.delete(arn)
    const unacknowledged = session.unacknowledged.length
    session.log.info({ code, reason, unacknowledged }, 'ACS session closed')
    if (!this.#closed) this.#setConnected(session.agent, false)
  }

  openTelemetry (socket: AgentSocket, agent: AgentIdentity): TelemetrySession {
    const log = this.#sessionLog(agent, 'tcs')
    const session = new TelemetrySession(this, socket, agent, this.#timing.heartbeatMs, log)
    const previous = this.#telemetry.get(agent.containerInstanceArn)
    this.#telemetry.set(agent.containerInstanceArn, session)
    previous?.close(1000, 'ConnectionReplaced')
    log.info({ versionInfo: agent.versionInfo }, 'TCS session opened')
    session.start()
    return session
  }

  telemetryClosed (session: TelemetrySession, code?: number, reason?: string): void {
    session.end()
    const arn = session.agent.containerInstanceArn
    if (this.#telemetry.get(arn) !== session) return
    this.#telemetry.delete(arn)
    session.log.info({ code, reason }, 'TCS session closed')
  }

  /** Whether an ACS session is open for the instance. */
  connected (containerInstanceArn: string): boolean {
    return this.#agents.has(containerInstanceArn)
  }

  #sessionLog (agent: AgentIdentity, service: string): Logger {
    return this.#log.child({ service, [F.cluster]: agent.clusterArn,
      containerInstance: agent.containerInstanceArn, [F.principal]: agent.principal })
  }

  #setConnected (agent: AgentIdentity, connected: boolean): void {
    const instance = this.#instance(agent)
    if (instance === undefined) return // the state was reset under the session
    const next = agentConnection(instance, connected, connected ? agent.versionInfo : {})
    if (next !== instance) this.emulator.ecs.containerInstances.save(next)
  }

  /**
   * A reset wiped every container instance: their sessions close now rather than at their next
   * heartbeat, as a deregistered instance's does (code 1008, InactiveInstanceException), so that
   * agents started elsewhere learn of it at once. The FARGATE bookkeeping goes with the tasks.
   */
  closeWiped (): void {
    for (const session of [...this.#agents.values()]) session.close(1008, 'InactiveInstanceException')
    for (const session of [...this.#telemetry.values()]) session.close(1008, 'InactiveInstanceException')
    this.#fargate.clear()
    this.#waiting.clear()
    this.#refreshRetry.clear()
  }

  // --- delivering tasks ---------------------------------------------------------------------

  /**
   * Tells the task's instance (now, or when its agent next connects) the task's desired
   * status. Sent on the next turn of the event loop, from the task as the store has it then,
   * so that a caller may deliver inside the transaction that writes the task.
   */
  deliver (task: TaskRecord): void {
    if (this.#closed) return
    setImmediate(() => this.#deliverNow(task.taskArn))
  }

  #deliverNow (taskArn: string): void {
    if (this.#closed) return
    const task = this.emulator.ecs.tasks.byArn(taskArn)
    if (task === undefined) {
      this.#log.debug({ [F.taskArn]: taskArn }, 'task gone before its payload was sent')
      return
    }
    const session = this.#sessionFor(task)
    if (session === undefined) {
      this.#log.info({ [F.taskArn]: taskArn, [F.desiredStatus]: task.desiredStatus,
        containerInstance: task.containerInstanceArn }, 'payload waits for the agent to connect')
      return
    }
    this.#send(session, task)
  }

  /** The session the task goes to; a FARGATE task is given to a Fargate-capable agent. */
  #sessionFor (task: TaskRecord): AcsSession | undefined {
    if (task.containerInstanceArn !== undefined) return this.#agents.get(task.containerInstanceArn)
    const owner = this.#fargate.get(task.taskArn)
    // A task its agent acknowledged stays with that agent; else a connected one takes it.
    if (owner !== undefined && (this.#agents.has(owner) || task.acknowledgedStatus !== undefined)) {
      return this.#agents.get(owner)
    }
    const host = this.#fargateHost(task)
    if (host === undefined) {
      this.#waiting.add(task.taskArn)
      return undefined
    }
    this.#waiting.delete(task.taskArn)
    this.#fargate.set(task.taskArn, host.agent.containerInstanceArn)
    return host
  }

  /** A connected Fargate-capable agent, of the task's account and region when there is one. */
  #fargateHost (task: TaskRecord): AcsSession | undefined {
    const hosts = [...this.#agents.values()].filter(s => this.#runsFargate(s))
    const local = hosts.find(s => s.agent.account === task.account && s.agent.region === task.region)
    return local ?? hosts[0]
  }

  #runsFargate (session: AcsSession): boolean {
    const attributes = this.#instance(session.agent)?.attributes ?? []
    return attributes.some(x => x.name === FARGATE_CAPABILITY)
  }

  #instance (agent: AgentIdentity): ContainerInstanceRecord | undefined {
    const id = agent.containerInstanceArn.split('/').pop()!
    return this.emulator.ecs.containerInstances.get(agent, agent.cluster, id)
  }

  /** Every task the session's instance must hear about, as it stands now. */
  #sendAll (session: AcsSession): void {
    if (this.#runsFargate(session)) this.#claimFargate(session)
    for (const task of this.#tasksOf(session)) {
      this.#send(session, this.#refreshIfDue(task, undefined))
    }
  }

  /** A Fargate-capable agent takes the waiting tasks, and those an absent agent never acked. */
  #claimFargate (session: AcsSession): void {
    const arn = session.agent.containerInstanceArn
    for (const taskArn of this.#waiting) this.#fargate.set(taskArn, arn)
    this.#waiting.clear()
    for (const [taskArn, owner] of this.#fargate) {
      if (owner === arn || this.#agents.has(owner)) continue
      const task = this.emulator.ecs.tasks.byArn(taskArn)
      if (task?.acknowledgedStatus === undefined) this.#fargate.set(taskArn, arn)
    }
  }

  /** The instance's open tasks, and the FARGATE tasks its agent took. */
  #tasksOf (session: AcsSession): TaskRecord[] {
    const arn = session.agent.containerInstanceArn
    const tasks = this.emulator.ecs.tasks.byContainerInstance(arn)
    for (const [taskArn, owner] of this.#fargate) {
      if (owner !== arn) continue
      const task = this.emulator.ecs.tasks.byArn(taskArn)
      if (task === undefined || settled(task)) this.#fargate.delete(taskArn)
      else tasks.push(task)
    }
    return tasks
  }

  #send (session: AcsSession, task: TaskRecord): void {
    const scope = { account: task.account, region: task.region }
    const td = this.emulator.ecs.taskDefinitions.get(scope, task.family, task.revision)
    if (td === undefined) {
      session.log.error({ [F.taskArn]: task.taskArn, taskDefinition: task.taskDefinitionArn },
        'task definition missing: payload not sent')
      return
    }
    const acs = toAcsTask(task, td, taskCredentials(task, this.emulator.sessions),
      { ecrEndpoint: session.agent.endpoint, registryHost: this.emulator.registry.host })
    session.sendTask(acs)
  }

  // --- what sessions report -----------------------------------------------------------------

  registered (session: AcsSession): boolean {
    const instance = this.#instance(session.agent)
    return instance !== undefined && instance.status !== 'INACTIVE'
  }

  /** The agent took the payload: `acknowledgedStatus` follows (never back from STOPPED). */
  acknowledged (_session: AcsSession, sent: SentPayload): void {
    const tasks = this.emulator.ecs.tasks
    const task = tasks.byArn(sent.taskArn)
    if (task === undefined || task.acknowledgedStatus === 'STOPPED' ||
      task.acknowledgedStatus === sent.desiredStatus) return
    const next = { ...task, acknowledgedStatus: sent.desiredStatus }
    tasks.save(next)
    if (settled(next)) this.#fargate.delete(next.taskArn)
  }

  manifest (session: AcsSession): TaskIdentifier[] {
    return this.#tasksOf(session).map(t => ({
      taskArn: t.taskArn, taskClusterArn: t.clusterArn, desiredStatus: t.desiredStatus
    }))
  }

  /** The candidates ECS does not want running: unknown, elsewhere, or desired STOPPED. */
  stopVerification (session: AcsSession, candidates: TaskIdentifier[]): TaskIdentifier[] {
    const wanted = new Map(this.#tasksOf(session).map(t => [t.taskArn, t]))
    return candidates
      .filter(c => c.taskArn !== undefined && wanted.get(c.taskArn)?.desiredStatus !== 'RUNNING')
      .map(c => ({ taskArn: c.taskArn, taskClusterArn: c.taskClusterArn,
        desiredStatus: 'STOPPED' }))
  }

  /** Container health from TCS, for a task this instance runs. */
  health (session: TelemetrySession, report: TaskHealthReport): void {
    const task = this.emulator.ecs.tasks.byArn(report.taskArn)
    const arn = session.agent.containerInstanceArn
    const ours = task !== undefined && (task.containerInstanceArn === arn ||
      (task.containerInstanceArn === undefined && (this.#fargate.get(task.taskArn) ?? arn) === arn))
    if (!ours) {
      session.log.warn({ [F.taskArn]: report.taskArn },
        'health for a task this instance does not run: ignored')
      return
    }
    const updated = applyContainerHealth(this.emulator, report.taskArn, report.containers)
    if (updated !== undefined && updated.version !== task.version) {
      session.log.info({ [F.taskArn]: report.taskArn, healthStatus: updated.healthStatus },
        'task health changed')
    }
  }

  // --- credentials --------------------------------------------------------------------------

  #startSweeper (): void {
    clearInterval(this.#sweeper)
    if (this.#closed) return
    this.#sweeper = setInterval(() => this.#sweep(), this.#timing.credentialsCheckMs)
    this.#sweeper.unref()
  }

  /** Renews the credentials about to expire of every task a connected agent runs. */
  #sweep (): void {
    for (const session of this.#agents.values()) {
      for (const task of this.#tasksOf(session)) this.#refreshIfDue(task, session)
    }
  }

  /**
   * Assumes the task's roles again when one expires within `refreshBeforeSeconds`, keeps the
   * new sessions on the task, and tells the agent (when `session` is given). When the roles can
   * no longer be assumed (a trust policy changed), nothing is sent: the old credentials run
   * out, as on AWS.
   */
  #refreshIfDue (task: TaskRecord, session: AcsSession | undefined): TaskRecord {
    const now = Date.now()
    const due = expiresSoon(task, now, this.#timing.refreshBeforeSeconds)
    if (task.lastStatus === 'STOPPED' || !due) return task
    if ((this.#refreshRetry.get(task.taskArn) ?? 0) > now) return task

    const result = assumeTaskRoles(this.emulator, task, new Date(now))
    if (!result.ok) {
      this.#refreshRetry.set(task.taskArn, now + this.#timing.credentialsCheckMs * 5)
      this.#log.warn({ [F.taskArn]: task.taskArn, [F.errorCode]: result.error.code,
        message: result.error.message }, 'task credentials could not be renewed')
      return task
    }
    this.#refreshRetry.delete(task.taskArn)
    const tasks = this.emulator.ecs.tasks
    const next = { ...(tasks.byArn(task.taskArn) ?? task), roles: result.roles }
    tasks.save(next)
    if (session !== undefined) this.#sendCredentials(session, next)
    return next
  }

  #sendCredentials (session: AcsSession, task: TaskRecord): void {
    for (const [slot, roleType] of ROLE_TYPES) {
      const credentials = roleCredentials(task.roles[slot], this.emulator.sessions)
      if (credentials === undefined) continue
      session.sendCredentials({ taskArn: task.taskArn, taskClusterArn: task.clusterArn, roleType,
        roleCredentials: credentials })
    }
  }

  // --- shutting down ------------------------------------------------------------------------

  close (): void {
    if (this.#closed) return
    for (const session of [...this.#agents.values()]) {
      this.#setConnected(session.agent, false)
      session.close(1001, 'ServerShutdown')
    }
    for (const session of this.#telemetry.values()) session.close(1001, 'ServerShutdown')
    this.#closed = true
    clearInterval(this.#sweeper)
    this.#agents.clear()
    this.#telemetry.clear()
  }
}

const settled = (t: TaskRecord): boolean =>
  t.lastStatus === 'STOPPED' && t.acknowledgedStatus === 'STOPPED'

function expiresSoon (task: TaskRecord, nowMs: number, beforeSeconds: number): boolean {
  const roles: (TaskRoleSession | undefined)[] = [task.roles.task, task.roles.execution]
  return roles.some(r => r !== undefined && r.expiration - nowMs / 1000 <= beforeSeconds)
}
