/**
 * The ACS and TCS websockets the agent opens on the control plane's own port. (Filled in by the
 * ACS work.)
 */
import type { Server } from 'node:http'
import type { Emulator } from '../src/emulator.js'

export function attachAgentSockets (_server: Server, _emulator: Emulator): void {}
