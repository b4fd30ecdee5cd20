/**
 * What the engine knows of each task, in the agent's words: the status it last sent, the one
 * desired, each container's known status. The plain part (TaskState) is written to
 * `<dataDir>/tasks/<taskId>.json` (mode 0600: it holds the task's credentials) after every
 * transition, so that a restarted agent adopts its running tasks instead of starting them
 * again; ManagedTask adds what lives only in the process.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AcsTask } from '../acs-task.js'
import type { NetworkBinding } from '../engine.js'
import type { LogShipper } from '../startup/log-shipper.js'

/** A container's status as the engine knows it; NONE and CREATED are reported as PENDING. */
export type ContainerKnown = 'NONE' | 'CREATED' | 'RUNNING' | 'STOPPED'
export type TaskSent = 'NONE' | 'PENDING' | 'RUNNING' | 'STOPPED'
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN'

export interface ContainerState {
  name: string
  kind: 'NORMAL' | 'CNI_PAUSE'
  /** The id in this container's metadata URI (`/v4/<metadataId>`). */
  metadataId: string
  known: ContainerKnown
  dockerId?: string
  dockerName?: string
  imageId?: string
  imageDigest?: string
  exitCode?: number
  reason?: string
  health?: HealthStatus
  healthSince?: string
  /** Docker's RFC 3339 timestamps (nanoseconds), as task metadata gives them. */
  createdAt?: string
  startedAt?: string
  finishedAt?: string
  /** Restarts under the definition's restartPolicy, and when the last one was (ISO). */
  restartCount?: number
  lastRestartAt?: string
  ipv4?: string
  /** The pause container's interface (awsvpc), for task metadata. */
  mac?: string
  gateway?: string
  subnet?: string
  /** The mounts, as task metadata lists them. */
  volumes?: { DockerName?: string, Source: string, Destination: string }[]
  networkBindings?: NetworkBinding[]
  logs?: { group: string, stream: string, region: string, shippedNs?: string }
}

export interface TaskState {
  version: 1
  task: AcsTask
  taskId: string
  desired: 'RUNNING' | 'STOPPED'
  sent: TaskSent
  /** Set once stopping has begun; the reason goes in the STOPPED state change. */
  stopping: boolean
  reason?: string
  containers: ContainerState[]
  pause?: ContainerState
  /** Task-scoped Docker volumes made for the task, removed with it. */
  volumes: string[]
  pullStartedAt?: string
  pullStoppedAt?: string
  executionStoppedAt?: string
  /** When the STOPPED state was reached (cleanup counts from here). */
  stoppedAt?: string
}

export const taskIdOf = (taskArn: string): string => taskArn.slice(taskArn.lastIndexOf('/') + 1)

/** The process-side companion of a task's state: log shippers, waiters, timers. */
export class ManagedTask {
  readonly shippers = new Map<string, LogShipper>()
  /** Containers being started again under their restartPolicy (an exit is handled once). */
  readonly restarting = new Set<string>()
  readonly #waiters = new Set<() => void>()
  cleanup: NodeJS.Timeout | undefined
  running: Promise<void> | undefined
  /** The last state change sent, to send each one once. */
  lastReport = ''

  constructor (public state: TaskState) {}

  get arn (): string { return this.state.task.arn }

  /** Every container of the task, the pause container first. */
  all (): ContainerState[] {
    const { pause, containers } = this.state
    return pause === undefined ? containers : [pause, ...containers]
  }

  container (name: string): ContainerState | undefined {
    return this.state.containers.find(c => c.name === name)
  }

  /** Wakes whatever waits for this task to change. */
  changed (): void {
    for (const wake of [...this.#waiters]) wake()
  }

  /** Resolves at the next change, or after `ms`. */
  async nextChange (ms: number): Promise<void> {
    await new Promise<void>(resolve => {
      const wake = () => {
        clearTimeout(timer)
        this.#waiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.#waiters.add(wake)
    })
  }
}

/** One file per task under `<dataDir>/tasks`, written whole (temporary file, then rename). */
export class TaskFiles {
  readonly #dir: string

  constructor (dataDir: string) {
    this.#dir = join(dataDir, 'tasks')
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 })
  }

  save (state: TaskState): void {
    const file = join(this.#dir, `${state.taskId}.json`)
    const temporary = `${file}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 })
    renameSync(temporary, file)
  }

  remove (taskId: string): void {
    rmSync(join(this.#dir, `${taskId}.json`), { force: true })
  }

  /** Every saved task; a file that cannot be read is skipped (and reported to `onBad`). */
  load (onBad: (file: string, e: unknown) => void): TaskState[] {
    const out: TaskState[] = []
    for (const name of readdirSync(this.#dir)) {
      if (!name.endsWith('.json')) continue
      try {
        const state = JSON.parse(readFileSync(join(this.#dir, name), 'utf8')) as TaskState
        if (state.version === 1 && typeof state.task?.arn === 'string') out.push(state)
      } catch (e) {
        onBad(name, e)
      }
    }
    return out
  }
}
