#!/usr/bin/env node
/**
 * `ecs-emulator up [options]`: serve the control plane (and start the built-in agent) until
 * SIGINT or SIGTERM. `ecs-emulator agent [options]`: run a container agent that joins a
 * cluster of a control plane, as the ECS agent does on an EC2 instance.
 */
import { AgentConfigError, AGENT_USAGE, loadAgentConfig } from '../agent/config.js'
import { AgentLauncher } from './agent-launcher.js'
import { ConfigError, loadConfig } from './config.js'
import { startServer } from './server.js'
import { VERSION } from './version.js'

const USAGE = `usage: ecs-emulator [up] [options]
       ecs-emulator agent [options]   (ecs-emulator agent --help)
       ecs-emulator drill SCENARIO [--break MUTATION | --ablate]   (ecs-emulator drill --help)
       ecs-emulator explain ARN|INSTANCE_ID|REQUEST_ID   (ecs-emulator explain --help)

  --port N              port to listen on (default 4566)          ECS_EMULATOR_PORT
  --host H              address to listen on (default 127.0.0.1)  ECS_EMULATOR_HOST
  --data-dir D          where state.db lives, or :memory: (./data) ECS_EMULATOR_DATA_DIR
  --region R            default region (us-east-1)                ECS_EMULATOR_REGION
  --account-id N        the account of test/test (000000000000)   ECS_EMULATOR_ACCOUNT_ID
  --auth strict|open    check SigV4 signatures (strict)           ECS_EMULATOR_AUTH
  --iam enforce|soft    deny what AWS would deny (enforce)        ECS_EMULATOR_IAM
  --log-level L         pino level (info)                         ECS_EMULATOR_LOG_LEVEL
  --no-agent            start no agent (built-in, or RunInstances) ECS_EMULATOR_AGENT=false
  --time-scale X        multiply AWS's delays by X (1)             ECS_EMULATOR_TIME_SCALE
  --registry-port N     ECR registry port on 127.0.0.1 (port + 1) ECS_EMULATOR_REGISTRY_PORT
`

/** Set by the launcher: the agent's stdin is a pipe from its parent, closed when that dies. */
const WATCH_PARENT = 'ECS_EMULATOR_AGENT_WATCH_PARENT'

async function main (argv: string[]): Promise<void> {
  const [command, ...rest] = argv[0]?.startsWith('-') === false ? argv : ['up', ...argv]
  if (command === 'agent') return await agent(rest)
  // Loaded on demand, as the agent is: neither is on the server's start-up path.
  if (command === 'drill') process.exit(await (await import('./drill/command.js')).drillCommand(rest))
  if (command === 'explain') process.exit(await (await import('./drill/explain-command.js')).explainCommand(rest))
  if (command === 'help' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE)
    return
  }
  if (command === 'version' || rest.includes('--version')) {
    process.stdout.write(`${VERSION}\n`)
    return
  }
  if (command !== 'up') throw new ConfigError(`unknown command '${command}'`)
  await up(rest)
}

async function up (argv: string[]): Promise<void> {
  const config = loadConfig(argv)
  const server = await startServer(config)
  const { log } = server.emulator
  const launcher = config.agent
    ? new AgentLauncher({
      log, endpoint: server.url, dataDir: config.dataDir, logLevel: config.logLevel,
      // The agents' back-offs follow the emulator's time scale, unless set for them alone.
      extraArgs: config.timeScale === 1 || process.env.ECS_EMULATOR_AGENT_TIME_SCALE !== undefined
        ? []
        : ['--time-scale', String(config.timeScale)]
    })
    : undefined
  if (launcher !== undefined) {
    server.emulator.ec2.launcher = launcher
    launcher.startBuiltIn()
  } else {
    log.info('no agent: the built-in agent and RunInstances agents are off (--no-agent)')
  }
  const stop = (): void => {
    void (launcher?.close() ?? Promise.resolve()).then(() => server.close()).then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

async function agent (argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(AGENT_USAGE)
    return
  }
  // Loaded here: the agent's SDK clients and Docker client stay off the server's start-up.
  const { runAgent } = await import('../agent/main.js')
  const running = runAgent(loadAgentConfig(argv))
  // `on`, not `once`: Ctrl-C reaches the agent and `up` (which then signals it too), and a
  // second signal must not kill it before it has closed its sockets and the engine.
  const stop = (): void => { void running.stop() }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  if (process.env[WATCH_PARENT] === '1') {
    process.stdin.on('data', () => {}).once('close', stop).once('end', stop)
  }
  process.exit(await running.exited)
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof Error && e.name === 'ScenarioError') {
    process.stderr.write(`ecs-emulator drill: ${e.message}\n`)
    process.exit(2)
  }
  if (e instanceof ConfigError || e instanceof AgentConfigError) {
    const usage = e instanceof AgentConfigError ? AGENT_USAGE : USAGE
    process.stderr.write(`ecs-emulator: ${e.message}\n\n${usage}`)
    process.exit(2)
  }
  process.stderr.write(`ecs-emulator: ${(e as Error).message}\n`)
  process.exit(1)
})
