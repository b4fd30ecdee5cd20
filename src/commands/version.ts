/**
 * `ecs-emulator version [--json] [--endpoint URL]`: this CLI's version; with --endpoint, a
 * running emulator's too, and the modes it runs in.
 */
import { VERSION } from '../version.js'
import {
  callEmulator, commandOptions, EmulatorUnreachable, EXIT, PROCESS_IO, type CommandIo
} from './io.js'

export const VERSION_USAGE = `usage: ecs-emulator version [--json] [--endpoint URL]

  --json           {"version": ..., "node": ...}, and "emulator" with --endpoint
  --endpoint URL   also ask the emulator there (GET /_emulator/health): its version, region,
                   account and its --auth and --iam modes

examples:
  ecs-emulator version
  ecs-emulator version --json --endpoint http://127.0.0.1:4566
`

const SPEC = { values: ['--endpoint'], switches: ['--json'] }

interface Health { version: string, auth: string, iam: string, region: string, accountId: string }

export async function versionCommand (argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const parsed = commandOptions('version', argv, SPEC, VERSION_USAGE, io)
  if (typeof parsed === 'number') return parsed
  const json = parsed.switches.has('--json')
  const endpoint = parsed.values['--endpoint']?.replace(/\/+$/, '')

  let emulator: Health | undefined
  if (endpoint !== undefined) {
    try {
      emulator = (await callEmulator<Health>(endpoint, '/_emulator/health')).body
    } catch (e) {
      if (!(e instanceof EmulatorUnreachable)) throw e
      io.err(`ecs-emulator version: ${e.message}\n`)
      return EXIT.failed
    }
  }

  if (json) {
    const asked = emulator === undefined ? {} : { emulator: pick(emulator, endpoint!) }
    io.out(JSON.stringify({ version: VERSION, node: process.version, ...asked }) + '\n')
  } else {
    io.out(`${VERSION}\n`)
    if (emulator !== undefined) {
      io.out(`emulator at ${endpoint!}: ${emulator.version}, region ${emulator.region}, account ` +
        `${emulator.accountId}, --auth ${emulator.auth}, --iam ${emulator.iam}\n`)
    }
  }
  return EXIT.ok
}

const pick = (h: Health, endpoint: string): Health & { endpoint: string } => ({
  endpoint, version: h.version, region: h.region, accountId: h.accountId, auth: h.auth, iam: h.iam
})
