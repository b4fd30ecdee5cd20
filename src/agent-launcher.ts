/**
 * The control plane's side of agents it starts itself: the built-in agent of `up`, and one per
 * instance RunInstances launches (`emulator.ec2.launcher`). Each runs this same CLI
 * (`ecs-emulator agent ...`), as a child process, or as a container of the emulator's image when
 * the control plane runs in one (src/agent-container.ts), and meets the control plane over the
 * wire only. Its log lines join the server's log; it is restarted with back-off when it dies,
 * except after a terminal exit (code 5, as ecs-init treats the ECS agent's), and stopped on close.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type Docker from 'dockerode'
import { runAgentContainer, type AgentContainerSpec } from './agent-container.js'
import type { AgentLauncher as Ec2AgentLauncher, InstanceRecord } from './ec2/instance.js'
import type { Logger } from './log.js'
import { removeInstanceResources } from '../agent/instance-resources.js'

/**
 * Exit codes a restart does not cure: the agent's terminal one (`exitcodes.ExitTerminal`) and
 * the CLI's bad-configuration one.
 */
const NOT_RESTARTED = new Set([5, 2])
const RESTART_MIN_MS = 1_000
const RESTART_MAX_MS = 60_000
/** A run this long counts as healthy: the next restart starts from the shortest wait again. */
const HEALTHY_RUN_MS = 60_000
const STOP_GRACE_MS = 10_000

/** Resolves from src/ (tests, tsx) and from dist/ (the bundle) alike. */
export const DEFAULT_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

export interface LauncherOptions {
  log: Logger
  /** The control plane's URL, as the agents call it. */
  endpoint: string
  /** The server's data directory; `:memory:` puts the agents' state in a temporary one. */
  dataDir: string
  logLevel?: string
  /** The CLI each agent runs (`dist/cli.js` by default). */
  cli?: string
  /** Added to every agent's command line (tests: `--time-scale`, `--label`). */
  extraArgs?: string[]
  env?: NodeJS.ProcessEnv
  /**
   * Each agent runs as a container of this image rather than as a child process, `cli` being
   * the CLI's path in it (`dist/cli.js` under its working directory by default).
   */
  container?: Omit<AgentContainerSpec, 'dataDir'> & { cli?: string }
  /** The control plane as the agents reach it, when not at `endpoint` (compose: the published port). */
  agentEndpoint?: string
}

export class AgentLauncher implements Ec2AgentLauncher {
  readonly #o: LauncherOptions
  readonly #agents = new Map<string, Supervised>()
  #temporary: string | undefined
  #docker: Docker | undefined
  #closed = false

  constructor (options: LauncherOptions) {
    this.#o = options
  }

  /** `up`'s agent: the `default` cluster's container instance, which also runs Fargate tasks. */
  startBuiltIn (): void {
    this.launch('built-in', ['--cluster', 'default', '--fargate-capacity',
      '--data-dir', join(this.dataDir(), 'agent')], true)
  }

  /** The agent of an instance RunInstances launched: it joins the cluster its user data names. */
  start (instance: InstanceRecord): void {
    this.launch(instance.instanceId, ['--cluster', instance.cluster ?? 'default',
      '--instance-id', instance.instanceId,
      '--data-dir', join(this.dataDir(), 'agents', instance.instanceId)], false)
  }

  /**
   * The instance is gone (TerminateInstances): its agent is stopped, then its containers and
   * network are removed, as the tasks of a terminated EC2 instance end with it.
   */
  stop (instanceId: string): void {
    const agent = this.#agents.get(instanceId)
    this.#agents.delete(instanceId)
    void agent?.stop().then(() => removeInstanceResources(this.docker(), instanceId, this.#o.log))
  }

  /**
   * `POST /_emulator/reset`: every agent started here stops and what it ran goes with it (its
   * containers, network and saved state), then `wipe` empties the control plane, then `up`'s
   * own agent joins again as a new instance of the emulator's built-in profile. Agents started
   * elsewhere are not stopped: their instances are simply gone, as after a deregistration.
   */
  async reset (wipe: () => void): Promise<void> {
    const agents = [...this.#agents]
    this.#agents.clear()
    await Promise.all(agents.map(async ([name, agent]) => {
      await agent.stop()
      const dir = name === 'built-in' ? join(this.dataDir(), 'agent') : join(this.dataDir(), 'agents', name)
      const instanceId = name === 'built-in' ? savedInstanceId(dir) : name
      if (instanceId !== undefined) await removeInstanceResources(this.docker(), instanceId, this.#o.log)
      rmSync(dir, { recursive: true, force: true })
    }))
    wipe()
    if (agents.some(([name]) => name === 'built-in')) this.startBuiltIn()
  }

  /** Stops every agent (their containers keep running: a restarted server's agents adopt them). */
  async close (): Promise<void> {
    this.#closed = true
    const agents = [...this.#agents.values()]
    this.#agents.clear()
    await Promise.all(agents.map(a => a.stop()))
    if (this.#temporary !== undefined) rmSync(this.#temporary, { recursive: true, force: true })
  }

  private launch (name: string, args: string[], builtIn: boolean): void {
    if (this.#closed || this.#agents.has(name)) return
    const o = this.#o
    const cli = o.container === undefined ? (o.cli ?? DEFAULT_CLI) : (o.container.cli ?? 'dist/cli.js')
    const command = [cli, 'agent', '--endpoint', o.agentEndpoint ?? agentEndpoint(o.endpoint),
      ...args, '--log-level', o.logLevel ?? 'info', ...(o.extraArgs ?? [])]
    const log = o.log.child({ agent: name })
    this.#agents.set(name, new Supervised(name, command, log, builtIn, this.#starter()))
  }

  #starter (): StartAgent {
    const spec = this.#o.container
    if (spec === undefined) return childProcess(this.#o.env ?? process.env)
    const dataDir = this.dataDir()
    return (name, command, log) => runAgentContainer(this.docker(), { ...spec, dataDir }, name, command, log)
  }

  /** One client for every agent's containers, made on first use (dockerode costs start-up time). */
  private docker (): Docker {
    if (this.#docker === undefined) {
      const DockerClient = createRequire(import.meta.url)('dockerode') as typeof Docker
      this.#docker = new DockerClient(process.env.DOCKER_HOST === undefined ? { socketPath: '/var/run/docker.sock' } : undefined)
    }
    return this.#docker
  }

  /** Absolute: an agent in a container has its data directory mounted at the same path. */
  private dataDir (): string {
    if (this.#o.dataDir !== ':memory:') return resolve(this.#o.dataDir)
    this.#temporary ??= mkdtempSync(join(tmpdir(), 'ecs-emulator-agents-'))
    return this.#temporary
  }
}

/** The instance id an agent saved in its data directory (`agent.json`), if it got one. */
function savedInstanceId (dir: string): string | undefined {
  try {
    const saved = JSON.parse(readFileSync(join(dir, 'agent.json'), 'utf8')) as { instanceId?: unknown }
    return typeof saved.instanceId === 'string' ? saved.instanceId : undefined
  } catch {
    return undefined
  }
}

/** 0.0.0.0 and :: are where the server listens, not addresses to call. */
function agentEndpoint (url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:')
}

/** One run of an agent: its output, its end, and how to signal it. */
export interface AgentRun {
  stdout: NodeJS.ReadableStream
  stderr: NodeJS.ReadableStream
  /** The process id, or the container's name. */
  id: number | string | undefined
  /** Once it has ended and its last lines are read. */
  ended: Promise<{ code: number | null, signal: string | null }>
  kill (signal: 'SIGTERM' | 'SIGKILL'): void
}

/** Starts one run of the agent whose CLI arguments (after `node`) are `command`. */
export type StartAgent = (name: string, command: string[], log: Logger) => AgentRun

/** The agent as a child process of this one. */
function childProcess (env: NodeJS.ProcessEnv): StartAgent {
  return (_name, command, log) => {
    // stdin is a pipe the agent watches: when this process dies, however, the agent stops too.
    // The SDK's notice about its future Node versions, once per agent start, is not the
    // agent's news: it stays out of the server's log unless the user set the variable.
    const child = spawn(process.execPath, command, {
      env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env, ECS_EMULATOR_AGENT_WATCH_PARENT: '1' },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    // 'close', not 'exit': the agent's last lines are read before it counts as gone.
    const ended = new Promise<{ code: number | null, signal: string | null }>(resolve =>
      child.once('close', (code, signal) => resolve({ code, signal })))
    child.once('error', e => log.error({ err: e.message }, 'agent could not be started'))
    return { stdout: child.stdout!, stderr: child.stderr!, id: child.pid, ended, kill: signal => child.kill(signal) }
  }
}

/** One agent, started again when it dies until it is stopped or ends terminally. */
class Supervised {
  #run: AgentRun | undefined
  #stopping = false
  #wait = RESTART_MIN_MS
  #timer: NodeJS.Timeout | undefined
  #exited: Promise<void> = Promise.resolve()

  constructor (readonly name: string, readonly command: string[], readonly log: Logger,
    readonly builtIn: boolean, readonly start: StartAgent) {
    this.spawn()
  }

  private spawn (): void {
    const started = Date.now()
    const run = this.start(this.name, this.command, this.log)
    this.#run = run
    this.log.info(typeof run.id === 'number' ? { pid: run.id } : { container: run.id }, 'agent started')
    forward(run, this.log)
    this.#exited = run.ended.then(({ code, signal }) => {
      this.#run = undefined
      this.exited(code, signal, Date.now() - started)
    })
  }

  private exited (code: number | null, signal: string | null, ranMs: number): void {
    if (this.#stopping) return
    if (code !== null && NOT_RESTARTED.has(code)) {
      const what = this.builtIn ? 'the built-in agent' : 'the agent'
      this.log.error({ exitCode: code },
        `${what} exited with a terminal error (see its last lines above) and is not restarted; the API keeps serving without its container instance`)
      return
    }
    if (ranMs >= HEALTHY_RUN_MS) this.#wait = RESTART_MIN_MS
    const wait = this.#wait
    this.#wait = Math.min(RESTART_MAX_MS, this.#wait * 2)
    this.log.warn({ exitCode: code, signal, restartInMs: wait }, 'agent exited unexpectedly; restarting')
    this.#timer = setTimeout(() => this.spawn(), wait)
    this.#timer.unref()
  }

  /** SIGTERM (the agent closes its sockets and exits 0), SIGKILL after a grace period. */
  async stop (): Promise<void> {
    this.#stopping = true
    clearTimeout(this.#timer)
    const run = this.#run
    if (run === undefined) return
    const killer = setTimeout(() => run.kill('SIGKILL'), STOP_GRACE_MS)
    run.kill('SIGTERM')
    await this.#exited
    clearTimeout(killer)
  }
}

const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal'
}

/** The agent's JSON log lines as the server's own (bound to the agent); other output as text. */
function forward (run: AgentRun, log: Logger): void {
  createInterface({ input: run.stdout }).on('line', line => {
    let entry: Record<string, unknown> | undefined
    try { entry = JSON.parse(line) as Record<string, unknown> } catch {}
    if (entry === undefined || typeof entry !== 'object' || entry === null) {
      if (line.trim() !== '') log.info({ stream: 'stdout' }, line)
      return
    }
    const { level, msg, time: _time, pid: _pid, hostname: _host, name: _name, ...fields } = entry
    const method = LEVELS[typeof level === 'number' ? level : 30] ?? 'info'
    log[method](fields, typeof msg === 'string' ? msg : '')
  })
  createInterface({ input: run.stderr }).on('line', line => {
    if (line.trim() !== '') log.info({ stream: 'stderr' }, line)
  })
}
