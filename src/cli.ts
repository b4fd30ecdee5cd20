#!/usr/bin/env node
/**
 * `ecs-emulator COMMAND [options]`: dispatches to the command (src/commands/*, src/drill/*)
 * and exits with its code: 0 done, 1 failed, 2 bad usage (the agent's own: 5 terminal).
 */
import { EXIT, wantsHelp } from './commands/io.js'
import { UP_OPTIONS } from './commands/up-options.js'

const USAGE = `usage: ecs-emulator COMMAND [options]      (ecs-emulator COMMAND --help: its options)

commands:
  up          serve the control plane and start the built-in agent (the default command)
  agent       run a container agent that joins a cluster, as on an EC2 instance
  drill       run a scenario, break what it needs, and say where it first went wrong and why
  explain     the chain from a task, service, instance or request to the denial, and the fix
  decisions   the decision log of a running emulator: every authorization, denials marked
  reset       empty a running emulator, and stop what its agents ran
  wait        wait for services to be stable or tasks to run or stop, saying what changes
  version     the version (--json: with Node's; --endpoint URL: a running emulator's too)

up's options (ecs-emulator up --help):
${UP_OPTIONS}
examples:
  ecs-emulator up --iam soft
  ecs-emulator drill fargate-alb-service --break detach:ecsTaskExecutionRole:AmazonECSTaskExecutionRolePolicy
  ecs-emulator decisions --decision ImplicitDeny --since 10m
  ecs-emulator explain arn:aws:ecs:us-east-1:000000000000:task/default/0123abcd
  ecs-emulator reset
  ecs-emulator wait services-stable --cluster demo --services web
`

const DRILL_EXAMPLES = `
examples:
  ecs-emulator drill fargate-alb-service
  ecs-emulator drill ec2-alb-service --break remove-action:ecsInstanceRole:ecs:Poll
  ecs-emulator drill fargate-alb-service --ablate --out reports/
  ecs-emulator drill ./my-scenario.yaml --json > run.json
`

const EXPLAIN_EXAMPLES = `
examples:
  ecs-emulator explain arn:aws:ecs:us-east-1:000000000000:task/default/0123abcd
  ecs-emulator explain i-0123456789abcdef0
  ecs-emulator explain 5f0c2a8e-1d5b-4c39-9f0e-6f1d2c3b4a5e --json     (a request id)
  ecs-emulator decisions --decision ImplicitDeny    (to find what to explain)
`

type Command = (argv: string[]) => Promise<number>

/** Each loaded on demand: none but `up` is on the server's start-up path. */
const COMMANDS: Record<string, Command> = {
  up: async argv => await (await import('./commands/up.js')).upCommand(argv),
  agent: async argv => await (await import('./commands/agent.js')).agentCommand(argv),
  drill: drill,
  explain: explain,
  decisions: async argv => await (await import('./commands/decisions.js')).decisionsCommand(argv),
  reset: async argv => await (await import('./commands/reset.js')).resetCommand(argv),
  wait: async argv => await (await import('./commands/wait.js')).waitCommand(argv),
  version: async argv => await (await import('./commands/version.js')).versionCommand(argv)
}

async function main (argv: string[]): Promise<number> {
  // The SDK warns, once a process, that its releases after January 2027 need Node 22: a notice
  // about this package's own dependency (kept on a version that runs on Node 20), not about
  // anything the user runs. A value the user has set stays.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const [command, ...rest] = argv[0] === undefined || argv[0].startsWith('-') ? ['up', ...argv] : argv
  if (command === 'help' || ((command === 'up' && argv[0] !== 'up') && wantsHelp(rest))) {
    process.stdout.write(USAGE)
    return EXIT.ok
  }
  if (command === 'up' && rest.includes('--version')) return await COMMANDS.version([])
  const run = COMMANDS[command]
  if (run === undefined) {
    process.stderr.write(`ecs-emulator: unknown command '${command}'\n\n${USAGE}`)
    return EXIT.usage
  }
  return await run(rest)
}

async function drill (argv: string[]): Promise<number> {
  const { drillCommand, DRILL_USAGE } = await import('./drill/command.js')
  if (wantsHelp(argv)) {
    process.stdout.write(DRILL_USAGE + DRILL_EXAMPLES)
    return EXIT.ok
  }
  // Every scenario runs tasks: say at once when Docker is not there to run them.
  const { dockerProblem } = await import('./commands/docker.js')
  const problem = await dockerProblem(process.env)
  if (problem !== undefined) {
    process.stderr.write(`ecs-emulator drill: ${problem}\n`)
    return EXIT.failed
  }
  return await drillCommand(argv)
}

async function explain (argv: string[]): Promise<number> {
  const { explainCommand, EXPLAIN_USAGE } = await import('./drill/explain-command.js')
  if (wantsHelp(argv)) {
    process.stdout.write(EXPLAIN_USAGE + EXPLAIN_EXAMPLES)
    return EXIT.ok
  }
  return await explainCommand(argv)
}

main(process.argv.slice(2)).then(code => {
  // `up` returns once stopped; every other command when done. Exit either way: the agent's
  // stdin pipe and the SDK's sockets would hold the process.
  process.exit(code)
}, (e: unknown) => {
  if (e instanceof Error && e.name === 'ScenarioError') {
    process.stderr.write(`ecs-emulator drill: ${e.message}\n`)
    process.exit(EXIT.usage)
  }
  process.stderr.write(`ecs-emulator: ${(e as Error).message}\n`)
  process.exit(EXIT.failed)
})

