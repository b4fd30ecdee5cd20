/**
 * The task engine: the tasks the agent runs, by ARN, and what finds them (Docker ids for
 * events, metadata ids for the endpoint, credentials ids). It starts the instance's network,
 * the endpoint server and its 169.254.170.2 route, adopts the containers an earlier run left,
 * and hands each task to its lifecycle (lifecycle.ts).
 */
import { randomUUID } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type Docker from 'dockerode'
import type { Logger } from 'pino'
import type { AcsCredentials, AcsTask } from '../acs-task.js'
import type {
  AttachmentStateChange, ContainerStateChange, TaskEngine, TaskEngineOptions, TaskStateChange
} from '../engine.js'
import { startEndpointServer, type EndpointServer } from '../endpoints/server.js'
import {
  ContainerRoutes, defaultBridge, ensureAgentNetwork, routeMetadataAddress, type AgentNetwork,
  type MetadataRoute
} from '../host-network.js'
import { registryLocator } from '../startup/registry.js'
import { clientFactory, type ClientFactory } from '../startup/clients.js'
import { networkModeOf } from './container-config.js'
import { beginStop, handleExit, handleHealth, ship } from './containers.js'
import { DockerEvents, type ContainerEvent } from './docker-events.js'
import { LABELS, PAUSE_CONTAINER, type LabelContext } from './labels.js'
import { cleanupTask, reconcile, runTask } from './lifecycle.js'
import { metadataSource } from './metadata.js'
import type { Runtime } from './runtime.js'
import {
  ManagedTask, TaskFiles, taskIdOf, type ContainerState, type TaskSent, type TaskState
} from './state.js'

const CLEANUP_WAIT_MS = 5 * 60 * 1000
/** ARNs of tasks cleaned up, remembered so that a late STOPPED payload is not answered again. */
const FORGOTTEN_LIMIT = 1000

interface Found { mt: ManagedTask, c: ContainerState }

export class Engine implements TaskEngine, Runtime {
  readonly docker: Docker
  readonly clients: ClientFactory
  readonly registry: () => Promise<string | undefined>
  readonly log: Logger
  readonly labels: LabelContext
  closed = false
  readonly #tasks = new Map<string, ManagedTask>()
  readonly #byDocker = new Map<string, Found>()
  readonly #byMetadata = new Map<string, Found>()
  readonly #pendingCredentials = new Map<string, AcsCredentials[]>()
  readonly #forgotten = new Set<string>()
  readonly #orphans = new Set<string>()
  readonly #files: TaskFiles
  #network: AgentNetwork | undefined
  #server: EndpointServer | undefined
  #route: MetadataRoute | undefined
  #containerRoutes: ContainerRoutes | undefined
  #events: DockerEvents | undefined

  constructor (readonly options: TaskEngineOptions) {
    this.docker = options.docker
    this.log = options.log
    this.clients = clientFactory(options.endpoint)
    this.registry = registryLocator(options.endpoint)
    this.labels = {
      cluster: options.cluster, instanceId: options.instanceId, extra: options.labels
    }
    this.#files = new TaskFiles(options.dataDir)
  }

  get networkName (): string { return this.#network?.name ?? '' }
  get endpointPort (): number { return this.#server?.port ?? 0 }

  // --- TaskEngine -----------------------------------------------------------------------------

  async start (): Promise<string[]> {
    if (this.#network !== undefined) throw new Error('the task engine is started already')
    const { instanceId, labels, agentNetwork, procSys } = this.options
    this.#network = await ensureAgentNetwork(this.docker, instanceId, labels, agentNetwork)
    this.#server = await startEndpointServer({
      endpoint: this.options.endpoint,
      credentials: id => this.#credentials(id),
      metadata: metadataSource({
        docker: this.docker,
        clients: this.clients,
        options: this.options,
        lookup: id => this.#byMetadata.get(id)
      }),
      log: this.log,
      port: this.#savedPort()
    })
    this.#savePort(this.#server.port)
    this.#route = await routeMetadataAddress(this.#network.bridge, this.#server.port, this.log,
      procSys)
    this.#containerRoutes = new ContainerRoutes(await defaultBridge(this.docker), this.#server.port,
      this.log, procSys)
    await this.#containerRoutes.start()
    this.#events = new DockerEvents(this.docker, instanceId, this.log,
      e => this.#onEvent(e), () => this.#reconcileAll())
    await this.#events.start()
    return await this.#adopt()
  }

  apply (task: AcsTask): void {
    if (this.closed) return
    const mt = this.#tasks.get(task.arn)
    if (mt === undefined) return this.#applyNew(task)
    this.#merge(mt, task)
    if (task.desiredStatus === 'STOPPED' && mt.state.desired !== 'STOPPED') {
      mt.state.desired = 'STOPPED'
      beginStop(this, mt)
    }
    if (this.#orphans.delete(task.arn)) this.#run(mt)
  }

  updateCredentials (taskArn: string, credentials: AcsCredentials): void {
    const mt = this.#tasks.get(taskArn)
    if (mt === undefined) {
      const pending = this.#pendingCredentials.get(taskArn) ?? []
      this.#pendingCredentials.set(taskArn, [...pending, credentials])
      return
    }
    setCredentials(mt.state.task, credentials)
    this.save(mt)
  }

  tasks (): { taskArn: string, status: TaskStateChange['status'] }[] {
    return [...this.#tasks.values()].map(mt => ({
      taskArn: mt.arn, status: mt.state.sent === 'NONE' ? 'PENDING' : mt.state.sent
    }))
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.#events?.close()
    for (const mt of this.#tasks.values()) {
      if (mt.cleanup !== undefined) clearTimeout(mt.cleanup)
      mt.changed()
    }
    const shippers = [...this.#tasks.values()].flatMap(mt => [...mt.shippers.values()])
    await Promise.all(shippers.map(async s => await s.close()))
    await this.#server?.close()
    await this.#route?.close()
    await this.#containerRoutes?.close()
    for (const mt of this.#tasks.values()) this.save(mt)
  }

  // --- Runtime --------------------------------------------------------------------------------

  async routeContainer (c: ContainerState): Promise<void> {
    if (c.ipv4 !== undefined && c.ipv4 !== '') await this.#containerRoutes?.add(c.ipv4)
  }

  async unrouteContainer (c: ContainerState): Promise<void> {
    if (c.ipv4 !== undefined && c.ipv4 !== '') await this.#containerRoutes?.remove(c.ipv4)
  }

  save (mt: ManagedTask): void {
    if (!this.#tasks.has(mt.arn)) return
    try {
      this.#files.save(mt.state)
    } catch (e) {
      this.log.error({ err: e, taskArn: mt.arn }, 'cannot save task state')
    }
  }

  report (mt: ManagedTask, status: TaskSent): void {
    if (this.closed || status === 'NONE') return
    const change = stateChange(mt, status)
    const key = JSON.stringify(change)
    if (key === mt.lastReport) return
    mt.lastReport = key
    mt.state.sent = status
    this.save(mt)
    this.log.info({ taskArn: mt.arn, status }, 'task state change')
    try {
      this.options.report(change)
    } catch (e) {
      this.log.error({ err: e, taskArn: mt.arn }, 'state change report failed')
    }
  }

  indexContainer (mt: ManagedTask, c: ContainerState): void {
    if (c.dockerId !== undefined) this.#byDocker.set(c.dockerId, { mt, c })
  }

  scheduleCleanup (mt: ManagedTask): void {
    if (this.closed || mt.cleanup !== undefined) return
    const wait = this.options.taskCleanupWaitMs ?? CLEANUP_WAIT_MS
    const elapsed = Date.now() - Date.parse(mt.state.stoppedAt ?? new Date().toISOString())
    mt.cleanup = setTimeout(() => { void this.#cleanup(mt) }, Math.max(0, wait - elapsed))
    mt.cleanup.unref()
  }

  // --- tasks ----------------------------------------------------------------------------------

  #applyNew (task: AcsTask): void {
    if (task.desiredStatus === 'STOPPED') {
      // A task stopped before this agent ran it: the agent reports it stopped, once.
      if (this.#forgotten.has(task.arn)) return
      this.#forget(task.arn)
      this.options.report({
        taskArn: task.arn,
        status: 'STOPPED',
        containers: task.containers.map(c => ({ containerName: c.name, status: 'STOPPED' }))
      })
      return
    }
    const mt = new ManagedTask(newState(task))
    for (const c of this.#pendingCredentials.get(task.arn) ?? []) setCredentials(mt.state.task, c)
    this.#pendingCredentials.delete(task.arn)
    this.#register(mt)
    this.save(mt)
    this.log.info({ taskArn: task.arn, family: task.family, revision: task.version }, 'task received')
    this.#run(mt)
  }

  #run (mt: ManagedTask): void {
    mt.running = runTask(this, mt).catch((e: unknown) => {
      this.log.error({ err: e, taskArn: mt.arn }, 'task lifecycle failed')
    })
  }

  /** A payload for a known task: fresher credentials, and the whole task for an orphan. */
  #merge (mt: ManagedTask, task: AcsTask): void {
    const current = mt.state.task
    if (this.#orphans.has(task.arn)) {
      mt.state.task = { ...task, desiredStatus: current.desiredStatus }
      for (const def of task.containers) {
        if (mt.container(def.name) === undefined) mt.state.containers.push(newContainer(def.name))
      }
      this.#register(mt)
    }
    const { roleCredentials, executionRoleCredentials } = task
    if (roleCredentials !== undefined) mt.state.task.roleCredentials = roleCredentials
    if (executionRoleCredentials !== undefined) {
      mt.state.task.executionRoleCredentials = executionRoleCredentials
    }
    this.save(mt)
  }

  #register (mt: ManagedTask): void {
    this.#tasks.set(mt.arn, mt)
    for (const c of mt.all()) {
      this.#byMetadata.set(c.metadataId, { mt, c })
      this.indexContainer(mt, c)
    }
  }

  async #cleanup (mt: ManagedTask): Promise<void> {
    await cleanupTask(this, mt)
    if (this.closed) return
    this.#tasks.delete(mt.arn)
    for (const c of mt.all()) {
      this.#byMetadata.delete(c.metadataId)
      if (c.dockerId !== undefined) this.#byDocker.delete(c.dockerId)
    }
    this.#files.remove(mt.state.taskId)
    this.#forget(mt.arn)
    this.log.info({ taskArn: mt.arn }, 'task cleaned up')
  }

  #forget (arn: string): void {
    if (this.#forgotten.size >= FORGOTTEN_LIMIT) this.#forgotten.clear()
    this.#forgotten.add(arn)
  }

  /** Only the task role's credentials are served; the execution role's never leave the agent. */
  #credentials (id: string): AcsCredentials | undefined {
    for (const mt of this.#tasks.values()) {
      if (mt.state.task.roleCredentials?.credentialsId === id) return mt.state.task.roleCredentials
    }
    return undefined
  }

  #onEvent (e: ContainerEvent): void {
    const found = this.#byDocker.get(e.id)
    if (found === undefined) return
    const { mt, c } = found
    if (e.action === 'die') {
      handleExit(this, mt, c).catch((err: unknown) => {
        this.log.error({ err, dockerId: e.id }, 'exit handling failed')
      })
    } else if (e.action === 'health_status: healthy') {
      handleHealth(this, mt, c, 'HEALTHY')
    } else if (e.action === 'health_status: unhealthy') {
      handleHealth(this, mt, c, 'UNHEALTHY')
    }
  }

  /** After the event stream was down: ask Docker about every container thought running. */
  #reconcileAll (): void {
    for (const mt of this.#tasks.values()) {
      reconcile(this, mt).catch((e: unknown) => {
        this.log.error({ err: e, taskArn: mt.arn }, 'reconcile failed')
      })
    }
  }

  // --- adoption -------------------------------------------------------------------------------

  /** The tasks an earlier run of the agent left: from their saved state and their containers. */
  async #adopt (): Promise<string[]> {
    const saved = this.#files.load((file, e) => {
      this.log.warn({ err: e, file }, 'unreadable task state skipped')
    })
    const listed = await this.docker.listContainers({
      all: true, filters: { label: [`${LABELS.instanceId}=${this.options.instanceId}`] }
    })
    const unclaimed = new Map(listed.map(c => [c.Id, c]))
    const adopted: ManagedTask[] = []
    for (const state of saved) {
      const mt = new ManagedTask(state)
      for (const c of mt.all()) claim(c, unclaimed)
      this.#register(mt)
      adopted.push(mt)
    }
    for (const [arn, containers] of groupByTask(unclaimed)) {
      adopted.push(this.#adoptOrphan(arn, containers))
    }
    for (const mt of adopted) this.#resume(mt)
    if (adopted.length > 0) this.log.info({ tasks: adopted.length }, 'tasks adopted')
    return adopted.map(mt => mt.arn)
  }

  /** Containers of a task the agent has no saved state for: watched until ACS sends the task. */
  #adoptOrphan (arn: string, containers: Docker.ContainerInfo[]): ManagedTask {
    const labels = containers[0].Labels
    const state = newState({
      arn,
      family: labels[LABELS.family] ?? '',
      version: labels[LABELS.version] ?? '',
      desiredStatus: 'RUNNING',
      containers: []
    })
    for (const info of containers) {
      const name = info.Labels[LABELS.containerName] ?? info.Id
      const c: ContainerState = {
        name,
        kind: name === PAUSE_CONTAINER ? 'CNI_PAUSE' : 'NORMAL',
        metadataId: randomUUID(),
        known: info.State === 'running' ? 'RUNNING' : info.State === 'created' ? 'CREATED' : 'STOPPED',
        dockerId: info.Id,
        dockerName: info.Names[0]?.replace(/^\//, ''),
        imageId: info.ImageID
      }
      if (c.kind === 'CNI_PAUSE') {
        state.pause = c
      } else {
        state.containers.push(c)
        state.task.containers.push({ name, image: info.Image, essential: true })
      }
    }
    state.sent = state.containers.some(c => c.known === 'RUNNING') ? 'RUNNING' : 'PENDING'
    const mt = new ManagedTask(state)
    this.#orphans.add(arn)
    this.#register(mt)
    this.save(mt)
    this.log.warn({ taskArn: arn }, 'containers without saved task state adopted; waiting for the task from ACS')
    return mt
  }

  /** Logs shipped on from where they stopped, missed exits recorded, the lifecycle resumed. */
  #resume (mt: ManagedTask): void {
    if (mt.state.sent === 'STOPPED') return this.scheduleCleanup(mt)
    const orphan = this.#orphans.has(mt.arn)
    mt.running = (async () => {
      for (const c of mt.state.containers) if (c.known !== 'NONE') await ship(this, mt, c)
      if (networkModeOf(mt.state.task) === 'bridge') {
        for (const c of mt.state.containers) if (c.known === 'RUNNING') await this.routeContainer(c)
      }
      await reconcile(this, mt)
      if (!orphan) await runTask(this, mt)
    })().catch((e: unknown) => this.log.error({ err: e, taskArn: mt.arn }, 'adopted task failed'))
  }

  #savedPort (): number | undefined {
    try {
      const text = readFileSync(join(this.options.dataDir, 'engine.json'), 'utf8')
      return (JSON.parse(text) as { port?: number }).port
    } catch {
      return undefined
    }
  }

  #savePort (port: number): void {
    writeFileSync(join(this.options.dataDir, 'engine.json'), JSON.stringify({ port }), { mode: 0o600 })
  }
}

// --- helpers ----------------------------------------------------------------------------------

const newContainer = (name: string): ContainerState =>
  ({ name, kind: 'NORMAL', metadataId: randomUUID(), known: 'NONE' })

function newState (task: AcsTask): TaskState {
  const containers = task.containers.map(c => newContainer(c.name))
  const pause: ContainerState | undefined = networkModeOf(task) === 'awsvpc'
    ? { name: PAUSE_CONTAINER, kind: 'CNI_PAUSE', metadataId: randomUUID(), known: 'NONE' }
    : undefined
  return {
    version: 1,
    task,
    taskId: taskIdOf(task.arn),
    desired: task.desiredStatus,
    sent: 'NONE',
    stopping: false,
    containers,
    pause,
    volumes: []
  }
}

/** By role type; without one, an id matching the execution role's is that role's. */
function setCredentials (task: AcsTask, c: AcsCredentials): void {
  const execution = c.roleType === 'TaskExecution' ||
    (c.roleType === undefined && task.executionRoleCredentials?.credentialsId === c.credentialsId)
  if (execution) task.executionRoleCredentials = c
  else task.roleCredentials = c
}

/** Matches a saved container with Docker's; one Docker no longer has stopped meanwhile. */
function claim (c: ContainerState, unclaimed: Map<string, Docker.ContainerInfo>): void {
  if (c.dockerId === undefined) return
  const info = unclaimed.get(c.dockerId)
  unclaimed.delete(c.dockerId)
  if (info === undefined) {
    if (c.known !== 'STOPPED') c.known = 'STOPPED'
    return
  }
  if (info.State === 'running' && (c.known === 'NONE' || c.known === 'CREATED')) c.known = 'RUNNING'
}

function groupByTask (containers: Map<string, Docker.ContainerInfo>):
  Map<string, Docker.ContainerInfo[]> {
  const out = new Map<string, Docker.ContainerInfo[]>()
  for (const info of containers.values()) {
    const arn = info.Labels[LABELS.taskArn]
    if (arn === undefined) continue
    out.set(arn, [...(out.get(arn) ?? []), info])
  }
  return out
}

const reported = (c: ContainerState): ContainerStateChange['status'] =>
  c.known === 'RUNNING' ? 'RUNNING' : c.known === 'STOPPED' ? 'STOPPED' : 'PENDING'

function stateChange (mt: ManagedTask, status: Exclude<TaskSent, 'NONE'>): TaskStateChange {
  const s = mt.state
  const date = (iso: string | undefined) => iso === undefined ? undefined : new Date(iso)
  const change: TaskStateChange = {
    taskArn: mt.arn,
    status,
    containers: s.containers.map(c => compact<ContainerStateChange>({
      containerName: c.name,
      runtimeId: c.dockerId?.slice(0, 255),
      status: reported(c),
      exitCode: c.exitCode,
      reason: c.reason,
      networkBindings: c.known === 'RUNNING' || c.known === 'STOPPED' ? c.networkBindings : undefined,
      imageDigest: c.imageDigest?.slice(0, 255)
    }))
  }
  if (status === 'STOPPED' && s.reason !== undefined) change.reason = s.reason
  const attachments = attachmentsOf(mt, status)
  if (attachments !== undefined) change.attachments = attachments
  if (s.pullStartedAt !== undefined) change.pullStartedAt = date(s.pullStartedAt)
  if (s.pullStoppedAt !== undefined) change.pullStoppedAt = date(s.pullStoppedAt)
  if (s.executionStoppedAt !== undefined) change.executionStoppedAt = date(s.executionStoppedAt)
  return change
}

/** The awsvpc task's ENI: attached (with the pause container's address) once it has one. */
function attachmentsOf (mt: ManagedTask, status: TaskSent): AttachmentStateChange[] | undefined {
  const arn = mt.state.task.elasticNetworkInterfaces?.[0]?.attachmentArn
  if (arn === undefined || networkModeOf(mt.state.task) !== 'awsvpc') return undefined
  if (status === 'STOPPED') return [{ attachmentArn: arn, status: 'DETACHED' }]
  const ip = mt.state.pause?.ipv4
  if (ip === undefined) return undefined
  return [{ attachmentArn: arn, status: 'ATTACHED', privateIPv4Address: ip }]
}

function compact<T extends object> (o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
