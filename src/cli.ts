#!/usr/bin/env node
/**
 * `ecs-emulator up [options]`: serve the control plane until SIGINT or SIGTERM.
 */
import { ConfigError, loadConfig } from './config.js'
import { startServer } from './server.js'
import { VERSION } from './version.js'

const USAGE = `usage: ecs-emulator [up] [options]

  --port N              port to listen on (default 4566)          ECS_EMULATOR_PORT
  --host H              address to listen on (default 127.0.0.1)  ECS_EMULATOR_HOST
  --data-dir D          where state.db lives, or :memory: (./data) ECS_EMULATOR_DATA_DIR
  --region R            default region (us-east-1)                ECS_EMULATOR_REGION
  --account-id N        the account of test/test (000000000000)   ECS_EMULATOR_ACCOUNT_ID
  --auth strict|open    check SigV4 signatures (strict)           ECS_EMULATOR_AUTH
  --iam enforce|soft    deny what AWS would deny (enforce)        ECS_EMULATOR_IAM
  --log-level L         pino level (info)                         ECS_EMULATOR_LOG_LEVEL
`

async function main (argv: string[]): Promise<void> {
  const [command, ...rest] = argv[0]?.startsWith('-') === false ? argv : ['up', ...argv]
  if (command === 'help' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(USAGE)
    return
  }
  if (command === 'version' || rest.includes('--version')) {
    process.stdout.write(`${VERSION}\n`)
    return
  }
  if (command !== 'up') throw new ConfigError(`unknown command '${command}'`)
  const server = await startServer(loadConfig(rest))
  const stop = (): void => { void server.close().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`ecs-emulator: ${e.message}\n\n${USAGE}`)
    process.exit(2)
  }
  process.stderr.write(`ecs-emulator: ${(e as Error).message}\n`)
  process.exit(1)
})
