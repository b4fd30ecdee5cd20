/**
 * The statuses ECS moves tasks through by itself (ACTIVATING, DEACTIVATING, DEPROVISIONING):
 * a short while after a task enters one, it moves on (`advance` in task-state.ts). Also run at
 * start-up, so that a restart in between finishes what was under way. A service's task held in
 * DEACTIVATING while its targets drain (`deactivateUntil`) moves on when the hold ends, and
 * only then is its agent told to stop it.
 */
import type { Emulator } from '../emulator.js'
import { TRANSIENT, advance, commitTask } from './task-state.js'

/** How long a transient status shows: the work ECS does there is short, and none of it is emulated yet. */
const DWELL_MS = 50

export class TaskLifecycle {
  #timer: NodeJS.Timeout | undefined
  #held: NodeJS.Timeout | undefined
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
    let held: number | undefined
    for (const task of this.emulator.ecs.tasks.inStatus(TRANSIENT)) {
      const next = advance(task, now)
      if (next === task) {
        if (task.deactivateUntil !== undefined) held = Math.min(held ?? Infinity, task.deactivateUntil)
        continue
      }
      commitTask(this.emulator, task, next, now)
      if (task.deactivateUntil !== undefined) this.emulator.acs.deliver(next)
    }
    if (held !== undefined) this.#wakeAt(held)
  }

  #wakeAt (at: number): void {
    clearTimeout(this.#held)
    this.#held = setTimeout(() => this.run(), Math.max(0, at - Date.now()) + 5).unref()
  }

  close (): void {
    clearTimeout(this.#timer)
    clearTimeout(this.#held)
    this.#timer = undefined
  }
}
