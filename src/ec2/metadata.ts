/**
 * The instance metadata service (IMDS) of each emulated EC2 instance: one loopback socket per
 * instance, answering as 169.254.169.254 does. (Filled in by the EC2 work.)
 */
import type { Emulator } from '../emulator.js'

export class MetadataService {
  constructor (readonly emulator: Emulator) {}

  async close (): Promise<void> {}
}
