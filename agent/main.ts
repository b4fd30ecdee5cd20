/**
 * The agent process: `runAgent(options)` joins the cluster as the ECS agent does on an EC2
 * instance and serves it until stopped. Steps: the saved state, the Docker engine, the
 * emulated instance and its metadata service, the instance role's credentials,
 * RegisterContainerInstance, the task engine (which adopts the containers already running),
 * then the ACS and TCS sessions. Stopping closes the sockets and the engine and leaves the
 * containers running, so a restarted agent takes them over.
 *
 * A reset of the emulator (`POST /_emulator/reset`) wipes the instance and its tasks. An agent
 * the emulator did not start itself learns of it from the state's generation: the one it joined
 * under is not the emulator's any more, when its ACS session closes or when it starts again.
 * It then removes what its tasks left and joins again, as a new container instance.
 */
import type Docker from 'dockerode'
import type { AcsCredentials, AcsTask } from './acs-task.js'
import { AcsSession, type AcsTarget, type TaskIdentifier } from './acs-client.js'
import { Backoff, RCI_BACKOFF, RCI_RETRY_LIMIT_MS, scaled, sleep } from './backoff.js'
import type { DockerHost } from './capabilities.js'
import { loadAgentConfig, type AgentConfig } from './config.js'
import { InstanceCredentials } from './credentials.js'
import { dockerClient, probeDocker } from './docker-host.js'
import { EcsApi } from './ecs-api.js'
import type { CreateTaskEngine, TaskEngine, TaskStateChange } from './engine.js'
import { createTaskEngine } from './engine/index.js'
import { AgentExit, EXIT_ERROR, EXIT_SUCCESS, retriable, terminal } from './exit.js'
import { ImdsClient, type IdentityDocument } from './imds.js'
import { InstanceRefused, acquireInstance, currentGeneration, type InstanceGrant } from './instance.js'
import { removeInstanceResources } from './instance-resources.js'
import { createAgentLogger, F, type Logger } from './log.js'
import { registerContainerInstance } from './registration.js'
import { StateReporter } from './reporter.js'
import { StateFile, type AgentState } from './state.js'
import { TcsSession } from './tcs-client.js'
import { AGENT_HASH, AGENT_VERSION } from './version.js'

export interface AgentOptions extends Partial<AgentConfig> {
  /** The task engine (tests pass a fake); by default the Docker one in agent/engine/. */
  createEngine?: CreateTaskEngine
  /** The Docker engine as described, instead of asking it (tests without Docker). */
  dockerInfo?: DockerHost
  log?: Logger
}

export interface RunningAgent {
  readonly config: AgentConfig
  /** Resolves with the exit code when the agent has ended. */
  readonly exited: Promise<number>
  /** Known once the instance has registered. */
  readonly containerInstanceArn: string | undefined
  readonly instanceId: string | undefined
  /** Resolves when ACS is next connected (at once if it is); rejects if the agent ends first. */
  connected (): Promise<void>
  /** SIGTERM: closes the sockets and the engine, leaves the containers running; exit code 0. */
  stop (): Promise<number>
  /** As if the process died: sockets dropped without a close handshake. */
  kill (): Promise<number>
}

export function runAgent (options: AgentOptions = {}): RunningAgent {
  const { createEngine, dockerInfo, log, ...config } = options
  return new Agent(loadAgentConfig([], {}, config), log, createEngine, dockerInfo)
}

interface Ec2Instance {
  instanceId: string
  generation: string | undefined
  region: string
  identity: { text: string, doc: IdentityDocument }
  signature: string
  credentials: InstanceCredentials
}

/** What the engine is handed and how it is reached once the agent has joined. */
interface Joined {
  engine: TaskEngine
  acs: AcsSession
  tcs: TcsSession
  reporter: StateReporter
}

class Agent implements RunningAgent {
  readonly exited: Promise<number>
  readonly log: Logger
  readonly #stopping = new AbortController()
  readonly #acsConnected: EventTarget = new EventTarget()
  #joined: Joined | undefined
  #api: EcsApi | undefined
  #containerInstanceArn: string | undefined
  #instanceId: string | undefined
  #ended = false
  #killed = false
  /** The emulator's state generation this instance joined under. */
  #generation: string | undefined
  /** Set when a reset has wiped the instance: the agent leaves and joins again. */
  #rejoin: (() => void) | undefined
  /** The last task each payload sent, by ARN: what a stop from the manifest hands the engine. */
  readonly #tasks = new Map<string, AcsTask>()

  constructor (readonly config: AgentConfig, log: Logger | undefined,
    readonly createEngine: CreateTaskEngine | undefined, readonly dockerInfo: DockerHost | undefined) {
    this.log = log ?? createAgentLogger(config.logLevel)
    this.exited = this.run()
  }

  get containerInstanceArn (): string | undefined { return this.#containerInstanceArn }
  get instanceId (): string | undefined { return this.#instanceId }

  connected (): Promise<void> {
    if (this.#joined?.acs.connected === true) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.#acsConnected.removeEventListener('connected', done)
        this.#acsConnected.removeEventListener('ended', failed)
        resolve()
      }
      const failed = (): void => {
        this.#acsConnected.removeEventListener('connected', done)
        reject(new Error('the agent ended before it connected to ACS'))
      }
      this.#acsConnected.addEventListener('connected', done)
      this.#acsConnected.addEventListener('ended', failed)
      if (this.#ended) failed()
    })
  }

  async stop (): Promise<number> {
    this.#stopping.abort()
    return this.exited
  }

  async kill (): Promise<number> {
    this.#killed = true
    const joined = this.#joined
    joined?.acs.kill()
    joined?.tcs.kill()
    this.#stopping.abort()
    return this.exited
  }

  // --- the whole life -------------------------------------------------------------------------

  private async run (): Promise<number> {
    let code: number
    try {
      for (;;) {
        await this.start()
        if (await this.served() === 'stopped') break
        await this.shutdown()
      }
      code = EXIT_SUCCESS
    } catch (e) {
      code = this.#stopping.signal.aborted ? EXIT_SUCCESS : this.failed(e)
    }
    await this.shutdown()
    this.#ended = true
    this.#acsConnected.dispatchEvent(new Event('ended'))
    this.log.info({ exitCode: code }, 'agent exiting')
    return code
  }

  /** Until the agent is stopped, or a reset has wiped its instance. */
  private async served (): Promise<'stopped' | 'reset'> {
    return await new Promise(resolve => {
      const signal = this.#stopping.signal
      if (signal.aborted) resolve('stopped')
      signal.addEventListener('abort', () => resolve('stopped'), { once: true })
      this.#rejoin = () => resolve('reset')
    })
  }

  /** After ACS closed: was it a reset? (A failed look counts as no: the next close asks again.) */
  private async checkReset (): Promise<void> {
    const joinedUnder = this.#generation
    if (joinedUnder === undefined || this.#rejoin === undefined || this.#stopping.signal.aborted) return
    const now = await currentGeneration(this.config.endpoint)
    if (now === undefined || now === joinedUnder || this.#generation !== joinedUnder) return
    this.log.warn({ [F.containerInstance]: this.#containerInstanceArn },
      'the emulator was reset: this container instance and its tasks are gone; joining again as a new one')
    const rejoin = this.#rejoin
    this.#rejoin = undefined
    rejoin()
  }

  private failed (e: unknown): number {
    if (e instanceof AgentExit) {
      this.log.error({ exitCode: e.exitCode }, `agent stopped: ${e.message}`)
      return e.exitCode
    }
    this.log.error({ err: e }, `agent stopped: ${(e as Error).message}`)
    return EXIT_ERROR
  }

  /** The steps to a joined agent, each of which throws AgentExit when it cannot go on. */
  private async start (): Promise<void> {
    const config = this.config
    const version = { agentVersion: AGENT_VERSION, agentHash: AGENT_HASH }
    this.log.info({ [F.cluster]: config.cluster, endpoint: config.endpoint, ...version },
      'Amazon ECS agent (ecs-emulator) starting')
    const stateFile = new StateFile(config.dataDir)
    const saved = this.savedState(stateFile)
    const docker = dockerClient(config.dockerHost)
    const host = await this.dockerHost(docker)
    const ec2 = await this.ec2Instance(saved)
    const api = new EcsApi(config.endpoint, ec2.region, ec2.credentials.provide)
    this.#api = api

    const wiped = saved.generation !== undefined && ec2.generation !== undefined &&
      saved.generation !== ec2.generation
    if (wiped) {
      this.log.warn({ [F.instanceId]: ec2.instanceId },
        'the emulator was reset since this agent joined: removing what its tasks left, then registering as a new container instance')
      await removeInstanceResources(docker, saved.instanceId ?? ec2.instanceId, this.log)
    }
    const renewed = !wiped && saved.instanceId === ec2.instanceId ? saved.containerInstanceArn : undefined
    this.log.info({ [F.instanceId]: ec2.instanceId }, renewed === undefined
      ? 'Registering Instance with ECS'
      : `Restored from checkpoint file. I am running as '${renewed}' in cluster '${config.cluster}'`)
    const { containerInstance } = await registerContainerInstance({
      api, log: this.log, cluster: config.cluster, createMissingCluster: config.cluster === 'default',
      containerInstanceArn: renewed, identityDocument: ec2.identity.text, identitySignature: ec2.signature,
      host, fargateCapacity: config.fargateCapacity, timeScale: config.timeScale, signal: this.#stopping.signal
    })
    const arn = containerInstance.containerInstanceArn!
    this.#containerInstanceArn = arn
    this.#generation = ec2.generation
    stateFile.write({
      instanceId: ec2.instanceId, cluster: config.cluster, containerInstanceArn: arn,
      ...(ec2.generation === undefined ? {} : { generation: ec2.generation })
    })
    this.log.info({ [F.containerInstance]: arn, [F.cluster]: config.cluster },
      `Registration completed successfully. I am running as '${arn}' in cluster '${config.cluster}'`)

    const zone = containerInstance.attributes?.find(a => a.name === 'ecs.availability-zone')?.value ??
      ec2.identity.doc.availabilityZone
    await this.serve({
      api, docker, host, region: ec2.region, arn, instanceId: ec2.instanceId, credentials: ec2.credentials, zone
    })
  }

  /** The emulated instance, then what its metadata service says: identity and role credentials. */
  private async ec2Instance (saved: AgentState): Promise<Ec2Instance> {
    const grant = await this.instance(saved)
    this.#instanceId = grant.instanceId
    if (saved.instanceId !== undefined && saved.instanceId !== grant.instanceId) {
      this.log.warn(`Data mismatch; saved InstanceID '${saved.instanceId}' does not match current InstanceID '${grant.instanceId}'. Overwriting old datafile`)
    }
    const imds = new ImdsClient(grant.imdsEndpoint, async () =>
      (await acquireInstance(this.config.endpoint, { instanceId: grant.instanceId })).imdsEndpoint)
    const identity = await imds.identityDocument()
    const signature = await imds.signature()
    const credentials = new InstanceCredentials(imds, this.log)
    await this.preflight(credentials)
    return {
      instanceId: grant.instanceId, generation: grant.generation, region: identity.doc.region,
      identity, signature, credentials
    }
  }

  /** The saved state; a different cluster than configured is the ECS agent's terminal mismatch. */
  private savedState (stateFile: StateFile): AgentState {
    const saved = stateFile.read()
    if (saved.cluster !== undefined && saved.cluster !== this.config.cluster) {
      throw terminal(`Data mismatch; saved cluster '${saved.cluster}' does not match configured cluster '${this.config.cluster}'. Perhaps you want to delete the configured checkpoint file? (${stateFile.path})`)
    }
    return saved
  }

  private async dockerHost (docker: Docker): Promise<DockerHost> {
    if (this.dockerInfo !== undefined) return this.dockerInfo
    const where = this.config.dockerHost ?? 'unix:///var/run/docker.sock'
    try {
      const host = await probeDocker(docker, where)
      this.log.info({ dockerVersion: host.serverVersion, apiVersion: host.apiVersion, ncpu: host.ncpu }, 'Docker engine reached')
      return host
    } catch (e) {
      throw terminal(`${(e as Error).message}: the agent needs a Docker engine to run tasks`)
    }
  }

  /** The emulated instance, asked for again (transient failures) until the control plane answers. */
  private async instance (saved: AgentState): Promise<InstanceGrant> {
    const config = this.config
    const instanceId = config.instanceId ?? saved.instanceId
    const request = {
      ...(instanceId === undefined ? {} : { instanceId }),
      ...(config.instanceId === undefined ? { instanceProfile: config.instanceProfile, cluster: config.cluster } : {})
    }
    const backoff = new Backoff(RCI_BACKOFF, config.timeScale)
    const deadline = Date.now() + scaled(RCI_RETRY_LIMIT_MS, config.timeScale)
    for (;;) {
      try {
        return await acquireInstance(config.endpoint, request)
      } catch (e) {
        if (e instanceof InstanceRefused) throw terminal(e.message)
        const wait = backoff.duration()
        const message = `could not get the emulated EC2 instance from ${config.endpoint}: ${describe(e)}`
        if (Date.now() + wait > deadline) throw retriable(message)
        this.log.error(`${message}; retrying`)
        if (!await sleep(wait, this.#stopping.signal)) throw retriable('stopped')
      }
    }
  }

  /** As the ECS agent: a warning when the instance role's credentials cannot be read yet. */
  private async preflight (credentials: InstanceCredentials): Promise<void> {
    try {
      await credentials.provide()
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, `Error getting valid credentials: ${(e as Error).message}`)
    }
  }

  // --- joined -------------------------------------------------------------------------------

  private async serve (s: {
    api: EcsApi, docker: Docker, host: DockerHost, region: string, arn: string, instanceId: string,
    credentials: InstanceCredentials, zone: string | undefined
  }): Promise<void> {
    const config = this.config
    const common = {
      api: s.api, cluster: config.cluster, containerInstanceArn: s.arn, region: s.region,
      credentials: s.credentials.provide, dockerVersion: s.host.serverVersion, timeScale: config.timeScale
    }
    const reporter = new StateReporter({
      api: s.api, log: this.log, cluster: config.cluster, timeScale: config.timeScale
    })
    const tcs = new TcsSession({ ...common, log: this.log.child({ session: 'tcs' }) })
    const engine = (this.createEngine ?? createTaskEngine)({
      docker: s.docker,
      log: this.log.child({ component: 'engine' }),
      endpoint: config.endpoint,
      region: s.region,
      cluster: config.cluster,
      containerInstanceArn: s.arn,
      instanceId: s.instanceId,
      instanceCredentials: s.credentials.provide,
      labels: { ...config.labels },
      dataDir: config.dataDir,
      timeScale: config.timeScale,
      agentNetwork: config.agentNetwork,
      procSys: config.procSys,
      ...(s.zone === undefined ? {} : { availabilityZone: s.zone }),
      report: change => this.report(reporter, change),
      reportHealth: change => tcs.publishHealth(change)
    })
    const acs = new AcsSession({ ...common, log: this.log.child({ session: 'acs' }), target: this.target(engine, reporter) })
    acs.on('connected', () => this.#acsConnected.dispatchEvent(new Event('connected')))
    acs.on('disconnected', () => void this.checkReset())
    this.#joined = { engine, acs, tcs, reporter }

    await this.adopt(engine, reporter)
    if (this.#stopping.signal.aborted) return
    acs.start()
    tcs.start()
  }

  /** The engine takes over the containers it already runs; their state goes to ECS again. */
  private async adopt (engine: TaskEngine, reporter: StateReporter): Promise<void> {
    let adopted: string[]
    try {
      adopted = await engine.start()
    } catch (e) {
      throw retriable(`the task engine did not start: ${(e as Error).message}`)
    }
    const known = new Set(adopted)
    for (const t of engine.tasks()) {
      if (!known.has(t.taskArn)) continue
      this.log.info({ [F.taskArn]: t.taskArn, status: t.status }, 'adopted a running task')
      reporter.report({ taskArn: t.taskArn, status: t.status, containers: [] })
    }
  }

  private report (reporter: StateReporter, change: TaskStateChange): void {
    reporter.report(change)
    if (change.status === 'STOPPED' && this.#tasks.get(change.taskArn)?.desiredStatus === 'STOPPED') {
      this.#tasks.delete(change.taskArn)
    }
  }

  /** ACS's work, handed to the engine. */
  private target (engine: TaskEngine, reporter: StateReporter): AcsTarget {
    return {
      acceptTask: task => {
        checkTask(task)
        this.log.info({ [F.taskArn]: task.arn, desiredStatus: task.desiredStatus }, 'task from ACS')
        this.#tasks.set(task.arn, task)
        engine.apply(task)
      },
      rejectTask: (task, error) => {
        if (typeof task.arn !== 'string' || task.arn === '') return
        reporter.report({ taskArn: task.arn, status: 'STOPPED', reason: `UnrecognizedTaskError: ${error.message}`, containers: [] })
      },
      acceptCredentials: (taskArn: string, credentials: AcsCredentials) =>
        engine.updateCredentials(taskArn, credentials),
      stopCandidates: manifest => this.stopCandidates(engine, manifest),
      stopTasks: tasks => {
        for (const t of tasks) {
          const known = this.#tasks.get(t.taskArn)
          const stopped: AcsTask = known === undefined
            ? { arn: t.taskArn, taskClusterArn: t.taskClusterArn, family: '', version: '', desiredStatus: 'STOPPED', containers: [] }
            : { ...known, desiredStatus: 'STOPPED' }
          this.#tasks.set(t.taskArn, stopped)
          this.log.info({ [F.taskArn]: t.taskArn }, 'stopping a task ACS verified as stopped')
          engine.apply(stopped)
        }
      }
    }
  }

  /** Tasks running here that the manifest lists as STOPPED or does not list at all. */
  private stopCandidates (engine: TaskEngine, manifest: TaskIdentifier[]): TaskIdentifier[] {
    const listed = new Map(manifest.map(t => [t.taskArn, t]))
    return engine.tasks()
      .filter(t => t.status !== 'STOPPED' && this.#tasks.get(t.taskArn)?.desiredStatus !== 'STOPPED')
      .filter(t => { const m = listed.get(t.taskArn); return m === undefined || m.desiredStatus === 'STOPPED' })
      .map(t => ({
        taskArn: t.taskArn,
        taskClusterArn: listed.get(t.taskArn)?.taskClusterArn ?? this.#tasks.get(t.taskArn)?.taskClusterArn,
        desiredStatus: 'STOPPED'
      }))
  }

  private async shutdown (): Promise<void> {
    const joined = this.#joined
    this.#joined = undefined
    this.#rejoin = undefined
    this.#tasks.clear()
    if (joined === undefined) {
      this.#api?.close()
      return
    }
    await Promise.all([joined.acs.stop(), joined.tcs.stop()])
    if (!this.#killed) await joined.reporter.flush(2_000)
    joined.reporter.close()
    try {
      await joined.engine.close()
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'the task engine did not close cleanly')
    }
    this.#api?.close()
  }
}

/** A task ARN must name a `task/...` resource (`ecs-agent/utils/arn/arn.go`). */
function checkTask (task: AcsTask): void {
  if (typeof task.arn !== 'string' || !/^arn:[^:]+:ecs:[^:]*:[^:]*:task\/.+/.test(task.arn)) {
    throw new Error(`invalid task ARN '${String(task.arn)}'`)
  }
  if (task.desiredStatus !== 'RUNNING' && task.desiredStatus !== 'STOPPED') {
    throw new Error(`invalid desired status '${String(task.desiredStatus)}' for task ${task.arn}`)
  }
  if (!Array.isArray(task.containers)) throw new Error(`task ${task.arn} has no containers`)
}

/** A failed fetch's message with its cause (`fetch failed (ECONNREFUSED)`). */
const describe = (e: unknown): string => {
  const cause = (e as { cause?: { code?: string, message?: string, errors?: { code?: string }[] } }).cause
  const why = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message
  return why === undefined || why === '' ? (e as Error).message : `${(e as Error).message} (${why})`
}

