/**
 * `POST /_emulator/instances`: an agent asks for (or gets back) the emulated EC2 instance it runs
 * on, and the address of that instance's metadata service. (Filled in by the EC2 work.)
 */
import type { FastifyInstance } from 'fastify'
import type { Emulator } from '../../src/emulator.js'

export function registerInstanceRoutes (_app: FastifyInstance, _emulator: Emulator): void {}
