/**
 * A task engine without Docker for the agent core's tests: it records what the agent hands
 * it and reports what the test tells it to, through the options the agent gave it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import type { AcsCredentials, AcsTask } from '../../agent/acs-task.js'
import type {
  CreateTaskEngine, TaskEngine, TaskEngineOptions, TaskHealthChange, TaskStateChange
} from '../../agent/engine.js'

export class FakeEngine implements TaskEngine {
  readonly applied: AcsTask[] = []
  readonly credentials: { taskArn: string, credentials: AcsCredentials }[] = []
  readonly known = new Map<string, TaskStateChange['status']>()
  started = false
  closed = false

  constructor (readonly options: TaskEngineOptions, readonly adopt: string[] = [],
    readonly onApply?: (task: AcsTask, engine: FakeEngine) => void) {
    for (const arn of adopt) this.known.set(arn, 'RUNNING')
  }

  async start (): Promise<string[]> {
    this.started = true
    return this.adopt
  }

  apply (task: AcsTask): void {
    this.applied.push(task)
    if (!this.known.has(task.arn)) this.known.set(task.arn, 'PENDING')
    this.onApply?.(task, this)
  }

  updateCredentials (taskArn: string, credentials: AcsCredentials): void {
    this.credentials.push({ taskArn, credentials })
  }

  tasks (): { taskArn: string, status: TaskStateChange['status'] }[] {
    return [...this.known].map(([taskArn, status]) => ({ taskArn, status }))
  }

  async close (): Promise<void> {
    this.closed = true
  }

  /** Reports a change as the Docker engine would, with one container per task container. */
  report (task: AcsTask, status: TaskStateChange['status'], more: Partial<TaskStateChange> = {}): void {
    this.known.set(task.arn, status)
    this.options.report({
      taskArn: task.arn,
      status,
      containers: task.containers.map(c => ({
        containerName: c.name, runtimeId: `runtime-${c.name}`, status, ...(status === 'STOPPED' ? { exitCode: 0 } : {})
      })),
      ...more
    })
  }

  reportHealth (change: TaskHealthChange): void {
    this.options.reportHealth(change)
  }
}

/** A factory that keeps every engine it made (one per agent start). */
export function fakeEngines (adopt: string[] = [], onApply?: (task: AcsTask, engine: FakeEngine) => void):
  { create: CreateTaskEngine, made: FakeEngine[], last: () => FakeEngine } {
  const made: FakeEngine[] = []
  const create: CreateTaskEngine = options => {
    const engine = new FakeEngine(options, adopt, onApply)
    made.push(engine)
    return engine
  }
  return {
    create,
    made,
    last: () => {
      const e = made.at(-1)
      if (e === undefined) throw new Error('no engine was made yet')
      return e
    }
  }
}

/** A logger whose JSON lines land in `lines`. */
export function captureLog (): { log: pino.Logger, lines: string[], text: () => string } {
  const lines: string[] = []
  const log = pino({ level: 'debug' }, { write: (line: string) => { lines.push(line) } })
  return { log, lines, text: () => lines.join('') }
}

/** The tests' one wait, here for the many files that take it from here. */
export { until } from '../support/until.js'

/** Temporary data directories, removed by `cleanup()`. */
export function dataDirs (): { make: () => string, cleanup: () => void } {
  const made: string[] = []
  return {
    make: () => {
      const dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-agent-test-'))
      made.push(dir)
      return dir
    },
    cleanup: () => { for (const d of made) rmSync(d, { recursive: true, force: true }) }
  }
}
