/**
 * `ecs-emulator reset [--endpoint URL] [--json]`: `POST /_emulator/reset` on a running
 * emulator, which empties its state and stops what its agents ran.
 */
import {
  callEmulator, commandOptions, endpointOf, EmulatorUnreachable, EXIT, PROCESS_IO,
  type CommandIo
} from './io.js'

export const RESET_USAGE = `usage: ecs-emulator reset [--endpoint URL] [--json]

Empties a running emulator, as a fresh start with the same options: every cluster, task
definition, task, service, container instance, load balancer, role, user, secret, parameter,
log group, repository and decision is gone. The agents it started stop, and the containers
and networks they ran are removed; the built-in agent of \`up\` joins the default cluster again.
Agents started elsewhere see the new state and join their cluster again as new instances.

  --endpoint URL   the emulator (default AWS_ENDPOINT_URL, else http://127.0.0.1:4566)
  --json           print {"endpoint": URL, "reset": true}

examples:
  ecs-emulator reset
  ecs-emulator reset --endpoint http://127.0.0.1:4600
  curl -X POST http://127.0.0.1:4566/_emulator/reset      (the same, without the CLI)
`

const SPEC = { values: ['--endpoint'], switches: ['--json'] }

export async function resetCommand (argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const parsed = commandOptions('reset', argv, SPEC, RESET_USAGE, io)
  if (typeof parsed === 'number') return parsed
  const endpoint = endpointOf(parsed, io.env)

  try {
    const { body } = await callEmulator<{ reset?: boolean }>(endpoint, '/_emulator/reset',
      { method: 'POST' })
    if (body.reset !== true) {
      throw new EmulatorUnreachable(`${endpoint} did not reset: is it an ecs-emulator?`)
    }
  } catch (e) {
    if (!(e instanceof EmulatorUnreachable)) throw e
    io.err(`ecs-emulator reset: ${e.message}\n`)
    return EXIT.failed
  }

  io.out(parsed.switches.has('--json')
    ? JSON.stringify({ endpoint, reset: true }) + '\n'
    : `reset ${endpoint}: its state is empty, and what its agents ran is stopped and removed\n`)
  return EXIT.ok
}
