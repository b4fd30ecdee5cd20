/**
 * A testcontainers module for other projects' tests: the emulator in a container, in the style
 * of the official modules (`new EcsEmulatorContainer().start()` gives a started container with
 * getters and a ready-made AWS SDK v3 client configuration).
 *
 * With the agent (the default) the container shares the host's network namespace: the agent
 * runs the task containers on the host's engine through the mounted socket, on a bridge of its
 * own, and gives them 169.254.170.2 with a DNAT rule in the host's nat table to its endpoint
 * server on the host's 127.0.0.1 (docker-compose.yml's header says the same). So it needs
 * NET_ADMIN and a writable copy of the host's /proc/sys/net, and a local Linux engine; it
 * listens on a free port of the host's loopback, read back from its log. Without the agent it
 * is an ordinary container on the default bridge with port 4566 mapped, which works with any
 * engine, remote ones included.
 *
 * The task containers are siblings of this one on the host's engine, which the reaper (Ryuk)
 * knows only through the session label they are given: stop() resets the emulator first
 * (`POST /_emulator/reset` stops the tasks and removes their containers), stops it with time
 * to close its agent, then removes whatever still carries this container's label.
 */
import { randomUUID } from 'node:crypto'
import type Docker from 'dockerode'
import {
  AbstractStartedContainer, GenericContainer, getContainerRuntimeClient, getReaper,
  LABEL_TESTCONTAINERS_SESSION_ID, Wait,
  type StartedTestContainer, type StopOptions, type StoppedTestContainer
} from 'testcontainers'

export const ECS_EMULATOR_PORT = 4566
export const DEFAULT_IMAGE = 'ecs-emulator:local'

/** On every container and network the container's agents make (`ECS_EMULATOR_AGENT_LABELS`). */
export const CONTAINER_LABEL = 'ecs-emulator.testcontainers.id'

export type AuthMode = 'strict' | 'open'
export type IamMode = 'enforce' | 'soft'

export interface EcsEmulatorCredentials {
  accessKeyId: string
  secretAccessKey: string
}

/** What every AWS SDK v3 client takes: `new ECSClient(container.getClientConfig())`. */
export interface EcsEmulatorClientConfig {
  endpoint: string
  region: string
  credentials: EcsEmulatorCredentials
}

/** `test`/`test` is the root user of the emulator's account, as README's "30 seconds" says. */
const ROOT_CREDENTIALS: EcsEmulatorCredentials = Object.freeze({
  accessKeyId: 'test', secretAccessKey: 'test'
})

const DATA_DIR = '/app/data'
const PROC_SYS_TARGET = '/host/proc/sys'
const LISTENING = '"msg":"ecs-emulator listening"'
const AGENT_CONNECTED = '"msg":"Connected to ACS endpoint"'
const STARTUP_TIMEOUT_MS = 60_000
/** The agent's own grace (10 s) to stop, then a little for the server to close. */
const STOP_TIMEOUT_MS = 15_000
const RESET_TIMEOUT_MS = 30_000

interface Settings {
  agent: boolean
  dataVolume?: string
  auth: AuthMode
  iam: IamMode
  timeScale: number
  region: string
  accountId: string
  taskLabels: Record<string, string>
}

/**
 * `await new EcsEmulatorContainer().start()`. start() sets the entrypoint, the command, the
 * wait strategy and (with the agent) the network mode: the options below are the way to change
 * what the emulator runs with; GenericContainer's own `withEnvironment`, `withLabels` and
 * `withBindMounts` still apply.
 */
export class EcsEmulatorContainer extends GenericContainer {
  readonly #settings: Settings = {
    agent: true, auth: 'strict', iam: 'enforce', timeScale: 1,
    region: 'us-east-1', accountId: '000000000000', taskLabels: {}
  }

  constructor (image = DEFAULT_IMAGE) {
    super(image)
    this.withStartupTimeout(STARTUP_TIMEOUT_MS)
  }

  /** The built-in agent (on by default): tasks run as containers on the host's engine. */
  withAgent (agent = true): this {
    this.#settings.agent = agent
    return this
  }

  /** Keeps `state.db` (and the agent's state) on this named volume instead of in memory. */
  withDataVolume (name: string): this {
    this.#settings.dataVolume = name
    return this
  }

  /** `strict` (default): every call SigV4-signed by a known key; `open`: nothing is checked. */
  withAuth (auth: AuthMode): this {
    this.#settings.auth = auth
    return this
  }

  /** `enforce` (default): deny what AWS would deny; `soft`: record every decision, deny none. */
  withIam (iam: IamMode): this {
    this.#settings.iam = iam
    return this
  }

  /** Multiplies AWS's delays (health checks, deregistration, back-offs): 0.05 for tests. */
  withTimeScale (scale: number): this {
    if (!(scale > 0)) throw new Error(`the time scale must be a number above 0, not ${scale}`)
    this.#settings.timeScale = scale
    return this
  }

  withRegion (region: string): this {
    this.#settings.region = region
    return this
  }

  withAccountId (accountId: string): this {
    if (!/^\d{12}$/.test(accountId)) {
      throw new Error(`an account id is 12 digits, not '${accountId}'`)
    }
    this.#settings.accountId = accountId
    return this
  }

  /** Labels for the task containers and networks the agent makes (e.g. a test run's). */
  withTaskLabels (labels: Record<string, string>): this {
    for (const [k, v] of Object.entries(labels)) {
      if (/[,=]/.test(k) || v.includes(',')) {
        throw new Error(`a task label cannot hold ',' (or '=' in its key): ${k}=${v}`)
      }
    }
    this.#settings.taskLabels = { ...this.#settings.taskLabels, ...labels }
    return this
  }

  override async start (): Promise<StartedEcsEmulatorContainer> {
    const id = randomUUID()
    const s = this.#settings
    this.withLabels({ [CONTAINER_LABEL]: id })
    this.withEntrypoint(['node', 'dist/cli.js'])
    this.withCommand(['up', ...this.modeArgs()])
    this.withEnvironment({ ECS_EMULATOR_AGENT_LABELS: await this.agentLabels(id) })
    this.addBinds(s.dataVolume === undefined ? [] : [`${s.dataVolume}:${DATA_DIR}:rw`])
    if (s.agent) await this.shareHostNetwork()
    else this.withExposedPorts(ECS_EMULATOR_PORT)
    this.withWaitStrategy(s.agent
      ? Wait.forAll([Wait.forLogMessage(LISTENING), Wait.forLogMessage(AGENT_CONNECTED)])
      : Wait.forLogMessage(LISTENING))

    const started = await super.start()
    const endpoint = await endpointOf(started, s.agent)
    return new StartedEcsEmulatorContainer(started, { ...s, id, endpoint })
  }

  private modeArgs (): string[] {
    const s = this.#settings
    // With the host's network the emulator takes free ports of the host's loopback (the
    // registry's too) and never listens beyond it; in a bridge it listens on 4566 for the mapping.
    const listen = s.agent
      ? ['--host', '127.0.0.1', '--port', '0']
      : ['--host', '0.0.0.0', '--port', String(ECS_EMULATOR_PORT)]
    return [...listen,
      '--data-dir', s.dataVolume === undefined ? ':memory:' : DATA_DIR,
      '--auth', s.auth, '--iam', s.iam, '--region', s.region, '--account-id', s.accountId,
      '--time-scale', String(s.timeScale),
      ...(s.agent ? [] : ['--no-agent'])]
  }

  /**
   * This container's id, the user's labels and, when the reaper runs, its session: Ryuk then
   * removes the siblings too if the tests end without stop(). (unconfirmed here: Ryuk's image
   * cannot be pulled on this machine, so only TESTCONTAINERS_RYUK_DISABLED=true is tested.)
   */
  private async agentLabels (id: string): Promise<string> {
    const labels: Record<string, string> = { ...this.#settings.taskLabels, [CONTAINER_LABEL]: id }
    if (this.autoCleanup) {
      const reaper = await getReaper(await getContainerRuntimeClient())
      labels[LABEL_TESTCONTAINERS_SESSION_ID] = reaper.sessionId
    }
    return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',')
  }

  /** The host's network, NET_ADMIN, the engine's socket and the host's /proc/sys/net (above). */
  private async shareHostNetwork (): Promise<void> {
    const socket = (await getContainerRuntimeClient()).info.containerRuntime.remoteSocketPath
    this.withNetworkMode('host')
    this.withAddedCapabilities('NET_ADMIN')
    this.withEnvironment({ ECS_EMULATOR_PROC_SYS: PROC_SYS_TARGET })
    this.addBinds([`${socket}:/var/run/docker.sock:rw`, `/proc/sys/net:${PROC_SYS_TARGET}/net:rw`])
  }

  /** Added to the user's own bind mounts (withBindMounts replaces the list). */
  private addBinds (binds: string[]): void {
    this.hostConfig.Binds = [...(this.hostConfig.Binds ?? []), ...binds]
  }
}

interface StartedSettings extends Settings {
  id: string
  endpoint: string
}

export class StartedEcsEmulatorContainer extends AbstractStartedContainer {
  readonly #s: StartedSettings
  #stopped: Promise<StoppedTestContainer> | undefined

  constructor (started: StartedTestContainer, settings: StartedSettings) {
    super(started)
    this.#s = settings
  }

  /** The emulator's URL: `AWS_ENDPOINT_URL`, or `endpoint` of an SDK client. */
  getEndpoint (): string {
    return this.#s.endpoint
  }

  getRegion (): string {
    return this.#s.region
  }

  getAccountId (): string {
    return this.#s.accountId
  }

  /** The account's root user (`test`/`test`), which IAM never denies. */
  getCredentials (): EcsEmulatorCredentials {
    return { ...ROOT_CREDENTIALS }
  }

  /** `new ECSClient(started.getClientConfig())`, or any other SDK v3 client. */
  getClientConfig (): EcsEmulatorClientConfig {
    return {
      endpoint: this.getEndpoint(), region: this.getRegion(), credentials: this.getCredentials()
    }
  }

  /**
   * `POST /_emulator/reset`: the user's state goes, the agent's tasks stop and their
   * containers are removed, and the agent joins `default` again (between tests).
   */
  async reset (): Promise<void> {
    const response = await fetch(`${this.#s.endpoint}/_emulator/reset`, {
      method: 'POST', signal: AbortSignal.timeout(RESET_TIMEOUT_MS)
    })
    if (!response.ok) {
      throw new Error(`POST /_emulator/reset answered ${response.status}: ${await response.text()}`)
    }
  }

  /**
   * Stops with time for the agent to close (and to take its 169.254.170.2 rule away); once; a
   * second call waits for the first.
   */
  override async stop (options: Partial<StopOptions> = {}): Promise<StoppedTestContainer> {
    this.#stopped ??= super.stop({ timeout: STOP_TIMEOUT_MS, ...options })
    return await this.#stopped
  }

  protected override async containerStopping (): Promise<void> {
    if (!this.#s.agent) return
    // A container that died already has nothing to reset: what it left goes below.
    await this.reset().catch(() => {})
  }

  /** The agent that joined after the reset left its network; anything else it made goes too. */
  protected override async containerStopped (): Promise<void> {
    if (!this.#s.agent) return
    await removeLabelled(await dockerOf(), `${CONTAINER_LABEL}=${this.#s.id}`, this.getId())
  }
}

/** The URL of the `ecs-emulator listening` line (host network), or the mapped port. */
async function endpointOf (started: StartedTestContainer, hostNetwork: boolean): Promise<string> {
  if (!hostNetwork) return `http://${started.getHost()}:${started.getMappedPort(ECS_EMULATOR_PORT)}`
  const line = await firstLine(started, LISTENING)
  const url = (JSON.parse(line) as { url?: unknown }).url
  if (typeof url !== 'string') {
    throw new Error(`the emulator's listening line names no url: ${line}`)
  }
  return url
}

async function firstLine (started: StartedTestContainer, marker: string): Promise<string> {
  const stream = await started.logs()
  try {
    let buffered = ''
    for await (const chunk of stream) {
      buffered += String(chunk)
      const line = buffered.split('\n').slice(0, -1).find(l => l.includes(marker))
      if (line !== undefined) return line.trim()
    }
  } finally {
    stream.destroy()
  }
  throw new Error(`the emulator's log ended before '${marker}'`)
}

/** testcontainers' own Docker client (its runtime strategies: DOCKER_HOST, properties...). */
async function dockerOf (): Promise<Docker> {
  const client = await getContainerRuntimeClient()
  const own = (client.container as { dockerode?: Docker }).dockerode
  if (own !== undefined) return own
  const { default: Dockerode } = await import('dockerode')
  return new Dockerode()
}

async function removeLabelled (docker: Docker, label: string, except: string): Promise<void> {
  const filters = JSON.stringify({ label: [label] })
  const containers = await docker.listContainers({ all: true, filters })
  await Promise.all(containers.filter(c => c.Id !== except).map(async c =>
    await ignoreGone(docker.getContainer(c.Id).remove({ force: true, v: true }))))
  const networks = await docker.listNetworks({ filters })
  await Promise.all(networks.map(async n => await ignoreGone(docker.getNetwork(n.Id).remove())))
}

/** 404 (gone already) and 409 (being removed) are what was wanted. */
async function ignoreGone (p: Promise<unknown>): Promise<void> {
  try {
    await p
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode
    if (status !== 404 && status !== 409) throw e
  }
}
