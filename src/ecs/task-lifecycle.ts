/**
 * The statuses ECS moves tasks through by itself (ACTIVATING, DEACTIVATING, DEPROVISIONING):
 * a short while after a task enters one, it moves on (`advance` in task-state.ts). Also run at
 * start-up, so that a restart in between finishes what was under way.
 */
import type { Emulator } from '../emulator.js'
import { TRANSIENT, advance, commitTask } from './task-state.js'

/** How long a transient status shows: the work ECS does there is short, and none of it is emulated yet. */
const DWELL_MS = 50

export class TaskLifecycle {
  #timer: NodeJS.Timeout | undefined
  #dwellMs = DWELL_MS

  constructor (private readonly emulator: Emulator) {}

  /** Tests that watch each status hold it longer (and move on with `run()`). */
  set dwellMs (ms: number) {
    this.close()
    this.#dwellMs = ms
  }

  /** Moves every task in a transient status on, after the dwell. */
  soon (): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined
      this.run()
    }, this.#dwellMs).unref()
  }

  run (now = new Date()): void {
    for (const task of this.emulator.ecs.tasks.inStatus(TRANSIENT)) {
      commitTask(this.emulator, task, advance(task, now), now)
    }
  }

  close (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
