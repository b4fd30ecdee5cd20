/**
 * `ecs-emulator agent [options]`: a container agent that joins a cluster of a control plane,
 * as the ECS agent does on an EC2 instance. Runs until SIGINT or SIGTERM; its exit code is the
 * ECS agent's (5: terminal, not to be restarted).
 */
import { AgentConfigError, AGENT_USAGE, loadAgentConfig, type AgentConfig } from '../../agent/config.js'
import { dockerProblem } from './docker.js'
import { EXIT, PROCESS_IO, wantsHelp, type CommandIo } from './io.js'

export const AGENT_EXAMPLES = `
examples:
  ecs-emulator agent --cluster web                           join cluster web of 127.0.0.1:4566
  ecs-emulator agent --endpoint http://10.0.0.5:4566 --cluster web --label team=a
  ecs-emulator agent --cluster default --fargate-capacity    also run the cluster's Fargate tasks

The agent runs until Ctrl-C (its tasks' containers keep running, for the next start to adopt).
After POST /_emulator/reset it removes what its tasks left and joins its cluster again as a new
container instance: default is made again; with another cluster, which the reset removed, it
stops (exit 5) as the ECS agent does when its cluster is not found.
`

/** Set by the launcher: the agent's stdin is a pipe from its parent, closed when that dies. */
const WATCH_PARENT = 'ECS_EMULATOR_AGENT_WATCH_PARENT'
/** The ECS agent's terminal exit code (`exitcodes.ExitTerminal`). */
const EXIT_TERMINAL = 5

export async function agentCommand (argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(AGENT_USAGE + AGENT_EXAMPLES)
    return EXIT.ok
  }
  let config: AgentConfig
  try {
    config = loadAgentConfig(argv, io.env as NodeJS.ProcessEnv)
  } catch (e) {
    if (!(e instanceof AgentConfigError)) throw e
    io.err(`ecs-emulator agent: ${e.message}\n\n${AGENT_USAGE}`)
    return EXIT.usage
  }
  const supervised = io.env[WATCH_PARENT] === '1'
  // Started by hand: say at once what to do. Started by `up`, which asked already, the
  // agent's own log line says it.
  const problem = supervised ? undefined : await dockerProblem({ DOCKER_HOST: config.dockerHost })
  if (problem !== undefined) {
    io.err(`ecs-emulator agent: ${problem}\n`)
    return EXIT_TERMINAL
  }

  // Loaded here: the agent's SDK clients and Docker client stay off the server's start-up.
  const { runAgent } = await import('../../agent/main.js')
  const running = runAgent(config)
  // `on`, not `once`: Ctrl-C reaches the agent and `up` (which then signals it too), and a
  // second signal must not kill it before it has closed its sockets and the engine.
  const stop = (): void => { void running.stop() }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  if (supervised) process.stdin.on('data', () => {}).once('close', stop).once('end', stop)
  return await running.exited
}
