/**
 * `ecs-emulator up [options]`: serve the control plane, and start the built-in agent, until
 * Ctrl-C (SIGINT) or SIGTERM. Says what is wrong and what to do when the port is taken or
 * Docker is not running, and when the built-in agent has joined.
 */
import { createServer } from 'node:net'
import { loadAgentConfig } from '../../agent/config.js'
import { AgentLauncher, type LauncherOptions } from '../agent-launcher.js'
import { ConfigError, loadConfig, type Config } from '../config.js'
import type { Logger } from '../log.js'
import { startServer, type RunningServer } from '../server.js'
import { dockerProblem } from './docker.js'
import { callEmulator, EXIT, pause, PROCESS_IO, stopSignal, wantsHelp, type CommandIo } from './io.js'
import { UP_OPTIONS } from './up-options.js'

export const UP_USAGE = `usage: ecs-emulator up [options]      (or ecs-emulator [options])

Serves the AWS endpoint of ECS, IAM, STS, EC2, ELBv2, ECR, EFS, CloudWatch Logs, Secrets
Manager and SSM on one port until Ctrl-C. With Docker running, the built-in agent joins the
default cluster as a container instance (and runs its Fargate tasks).

${UP_OPTIONS}
examples:
  ecs-emulator up
  ecs-emulator up --port 0 --data-dir :memory:          a free port, nothing kept
  ecs-emulator up --iam soft                            log what IAM would deny, deny nothing
  ECS_EMULATOR_AUTH=open ecs-emulator up --no-agent     any credentials, no Docker needed
then, in another shell:
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \\
    aws --endpoint-url http://127.0.0.1:4566 ecs list-clusters
`

/** How long `up` waits for the built-in agent to join before it says that it has not. */
const JOIN_WAIT_MS = 60_000
const JOIN_POLL_MS = 250

export interface UpOptions {
  /** The server's logger (tests capture its lines); else pino on stdout, pretty on a TTY. */
  log?: Logger
  /** Added to every agent's command line (tests: `--label`). */
  agentArgs?: string[]
}

export async function upCommand (argv: string[], io: CommandIo = PROCESS_IO,
  options: UpOptions = {}): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(UP_USAGE)
    return EXIT.ok
  }
  let config: Config
  try {
    config = loadConfig(argv, io.env)
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
    io.err(`ecs-emulator up: ${e.message}\n\n${UP_USAGE}`)
    return EXIT.usage
  }

  const server = await listen(config, io, options.log)
  if (server === undefined) return EXIT.failed
  const signal = stopSignal(io)
  const launcher = await startAgents(server, config, io, options, signal)

  await new Promise<void>(resolve => {
    if (signal.aborted) resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
  })
  await launcher?.close()
  await server.close()
  return EXIT.ok
}

// --- listening ------------------------------------------------------------------------------

/** The running server, or undefined once what went wrong has been said. */
async function listen (config: Config, io: CommandIo,
  log: Logger | undefined): Promise<RunningServer | undefined> {
  try {
    return await startServer(config, { log })
  } catch (e) {
    // The registry listens first, on the next port: a second `up` fails there, but it is the
    // API's port that the user chose and should change.
    const inUse = (e as { code?: string }).code === 'EADDRINUSE' ||
      (config.port !== 0 && await portInUse(config.host, config.port))
    io.err(`ecs-emulator up: ${inUse ? await portMessage(config) : (e as Error).message}\n`)
    return undefined
  }
}

async function portMessage (config: Config): Promise<string> {
  const message = `port ${config.port} is in use: pass --port N (0 takes a free one)`
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`
  const emulator = await callEmulator(url, '/_emulator/health').then(() => true, () => false)
  if (!emulator) return message
  return `${message}; an emulator already answers at ${url} (\`ecs-emulator reset\` empties it)`
}

async function portInUse (host: string, port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const probe = createServer()
    probe.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE'))
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(false)))
  })
}

// --- agents ---------------------------------------------------------------------------------

async function startAgents (server: RunningServer, config: Config, io: CommandIo, options: UpOptions,
  signal: AbortSignal): Promise<AgentLauncher | undefined> {
  const { log } = server.emulator
  if (!config.agent) {
    log.info('no agent: the built-in agent and RunInstances agents are off (--no-agent)')
    return undefined
  }
  // The agents' back-offs follow the emulator's time scale, unless set for them alone.
  const scaled = config.timeScale === 1 || io.env.ECS_EMULATOR_AGENT_TIME_SCALE !== undefined
    ? []
    : ['--time-scale', String(config.timeScale)]
  const launcher = new AgentLauncher({
    log, endpoint: server.url, dataDir: config.dataDir, logLevel: config.logLevel,
    extraArgs: [...scaled, ...(options.agentArgs ?? [])], env: io.env as NodeJS.ProcessEnv,
    ...(config.agentEndpoint === undefined ? {} : { agentEndpoint: config.agentEndpoint }),
    ...(config.agentImage === undefined ? {} : { container: agentContainer(config.agentImage, io.env) })
  })
  server.emulator.ec2.launcher = launcher
  if (!config.builtInAgent) {
    log.info(config.agentImage === undefined
      ? 'no built-in agent (--no-built-in-agent): RunInstances starts an agent per instance'
      : `no built-in agent (--no-built-in-agent): RunInstances starts an agent per instance, as a container of ${config.agentImage}`)
    return launcher
  }

  // Without Docker the agent still starts, and ends with its own terminal line: this one says
  // what to do about it first.
  const problem = await dockerProblem(io.env)
  if (problem !== undefined) {
    log.error(`${problem}. The built-in agent cannot run tasks without it and stops; the API serves on: restart \`up\` once Docker runs, or pass --no-agent to start without an agent`)
  } else {
    log.info('starting the built-in agent: it joins cluster default as a container instance')
  }
  launcher.startBuiltIn()
  if (problem === undefined) void announceJoin(server, signal)
  return launcher
}

/**
 * Agents as containers of `image`: they get the agent's own variables (ECS_EMULATOR_AGENT_*,
 * the time scale) and carry ECS_EMULATOR_AGENT_LABELS on their containers too.
 */
function agentContainer (image: string, env: CommandIo['env']): LauncherOptions['container'] {
  const passed = Object.entries(env).filter(([k, v]) => v !== undefined &&
    (k.startsWith('ECS_EMULATOR_AGENT_') || k === 'ECS_EMULATOR_TIME_SCALE'))
  return { image, env: passed.map(([k, v]) => `${k}=${v}`), labels: agentLabels(env) }
}

/** As the agent reads them (agent/config.ts); bad ones are the agent's to report, when it starts. */
function agentLabels (env: CommandIo['env']): Record<string, string> {
  try {
    return { ...loadAgentConfig([], { ECS_EMULATOR_AGENT_LABELS: env.ECS_EMULATOR_AGENT_LABELS }).labels }
  } catch {
    return {}
  }
}

/** Says when the built-in agent's container instance is connected, or that it is not yet. */
async function announceJoin (server: RunningServer, signal: AbortSignal): Promise<void> {
  const { emulator } = server
  const scope = { account: emulator.config.accountId, region: emulator.config.region }
  const started = Date.now()
  while (!signal.aborted) {
    let joined: string | undefined
    try {
      joined = emulator.ecs.containerInstances.list(scope, 'default')
        .find(i => i.agentConnected && i.status === 'ACTIVE')?.containerInstanceArn
    } catch {
      return // closed
    }
    const waited = Date.now() - started
    if (joined !== undefined) {
      emulator.log.info({ containerInstanceArn: joined, waitedMs: waited },
        `the built-in agent joined cluster default in ${(waited / 1000).toFixed(1)} s: tasks can run`)
      return
    }
    if (waited >= JOIN_WAIT_MS) {
      emulator.log.warn(`the built-in agent has not joined cluster default after ${JOIN_WAIT_MS / 1000} s: its log lines (agent: built-in) say why`)
      return
    }
    await pause(JOIN_POLL_MS, signal)
  }
}
