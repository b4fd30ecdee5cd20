/**
 * The control plane's side of ACS: one session per connected container instance, the payloads
 * waiting for their acks, heartbeats and credential refreshes. (Filled in by the ACS work.)
 */
import type { Emulator } from '../emulator.js'
import type { TaskRecord } from '../ecs/task.js'

export interface AcsHubOptions {
  /** Milliseconds between HeartbeatMessages (20 s, as the real ACS). */
  heartbeatMs?: number
}

export class AcsHub {
  constructor (readonly emulator: Emulator, readonly options: AcsHubOptions = {}) {}

  /** Tells the task's instance (now, or when its agent next connects) the task's desired status. */
  deliver (_task: TaskRecord): void {}

  close (): void {}
}
