/**
 * Sending the engine's state changes with SubmitTaskStateChange, as the ECS agent's task
 * handler does: in order per task (a task's STOPPED never overtakes its RUNNING), each retried
 * with back-off until it is accepted or a day has passed. Tasks do not wait for each other.
 * An ENI attachment with the task's address is then also sent with SubmitAttachmentStateChanges
 * (once), the one call that carries the address to the control plane.
 */
import type { SubmitTaskStateChangeCommandInput } from '@aws-sdk/client-ecs'
import { Backoff, SUBMIT_BACKOFF, SUBMIT_RETRY_LIMIT_MS, scaled, sleep } from './backoff.js'
import { callError, describeCallError, type EcsApi } from './ecs-api.js'
import type { ContainerStateChange, TaskStateChange } from './engine.js'
import { F, type Logger } from './log.js'

const MAX_REASON = 1024
const MAX_RUNTIME_ID = 255
const MAX_IMAGE_DIGEST = 255

export interface ReporterOptions {
  api: EcsApi
  log: Logger
  /** The cluster as configured (a name), as the ECS agent sends it. */
  cluster: string
  timeScale: number
}

export class StateReporter {
  readonly #o: ReporterOptions
  readonly #stopped = new AbortController()
  /** The tail of each task's queue. */
  readonly #queues = new Map<string, Promise<void>>()

  constructor (options: ReporterOptions) {
    this.#o = options
  }

  /** Queues the change behind the task's earlier ones. */
  report (change: TaskStateChange): void {
    if (this.#stopped.signal.aborted) return
    const previous = this.#queues.get(change.taskArn) ?? Promise.resolve()
    const next = previous.then(() => this.submit(change))
    this.#queues.set(change.taskArn, next)
    void next.then(() => {
      if (this.#queues.get(change.taskArn) === next) this.#queues.delete(change.taskArn)
    })
  }

  /** Resolves when every queued change is sent, or after `timeoutMs`. */
  async flush (timeoutMs: number): Promise<void> {
    const all = Promise.all([...this.#queues.values()])
    await Promise.race([all, sleep(timeoutMs)])
  }

  /** Stops retrying; what is still queued is not sent (a restarted agent reports again). */
  close (): void {
    this.#stopped.abort()
  }

  private async submit (change: TaskStateChange): Promise<void> {
    const signal = this.#stopped.signal
    const input = submission(this.#o.cluster, change)
    const backoff = new Backoff(SUBMIT_BACKOFF, this.#o.timeScale)
    const deadline = Date.now() + scaled(SUBMIT_RETRY_LIMIT_MS, this.#o.timeScale)
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        await this.#o.api.submitTaskStateChange(input)
        this.#o.log.info({ [F.taskArn]: change.taskArn, status: change.status }, 'task state change submitted')
        await this.submitAddresses(change)
        return
      } catch (e) {
        const failure = callError('ecs:SubmitTaskStateChange', e)
        const fields = {
          [F.taskArn]: change.taskArn, status: change.status, [F.call]: failure.call, [F.errorCode]: failure.code, attempt
        }
        const wait = backoff.duration()
        if (Date.now() + wait > deadline) {
          this.#o.log.error(fields, `Could not submit task state change, giving up: ${describeCallError(failure)}`)
          return
        }
        const level = attempt === 1 ? 'error' : 'warn'
        this.#o.log[level](fields, `Could not submit task state change, retrying: ${describeCallError(failure)}`)
        if (!await sleep(wait, signal)) return
      }
    }
  }

  /** The change's attachments that carry an address; a failure is logged, not retried. */
  private async submitAddresses (change: TaskStateChange): Promise<void> {
    const addressed = (change.attachments ?? []).filter(a => a.privateIPv4Address !== undefined)
    if (addressed.length === 0) return
    try {
      await this.#o.api.submitAttachmentStateChanges(clusterOf(change.taskArn, this.#o.cluster), addressed)
    } catch (e) {
      const failure = callError('ecs:SubmitAttachmentStateChanges', e)
      const fields = { [F.taskArn]: change.taskArn, [F.call]: failure.call, [F.errorCode]: failure.code }
      this.#o.log.warn(fields, `Could not submit the task's address: ${describeCallError(failure)}`)
    }
  }
}

/**
 * The cluster a task is in, from its ARN (`task/CLUSTER/ID`): the agent's own cluster for an
 * EC2 task; for a Fargate task the emulator's Fargate capacity runs, whichever cluster it was
 * started in. `configured` for a short ARN.
 */
export function clusterOf (taskArn: string, configured: string): string {
  return /^arn:aws[\w-]*:ecs:[^:]+:\d{12}:task\/([^/]+)\/[^/]+$/.exec(taskArn)?.[1] ?? configured
}

/** The SubmitTaskStateChange request for a change (`ecs_client.go` submitTaskStateChange). */
export function submission (cluster: string, change: TaskStateChange): SubmitTaskStateChangeCommandInput {
  return {
    cluster: clusterOf(change.taskArn, cluster),
    task: change.taskArn,
    status: change.status,
    reason: trim(change.reason ?? '', MAX_REASON),
    containers: change.containers.map(container),
    ...(change.attachments === undefined || change.attachments.length === 0
      ? {}
      : { attachments: change.attachments.map(a => ({ attachmentArn: a.attachmentArn, status: a.status })) }),
    pullStartedAt: change.pullStartedAt,
    pullStoppedAt: change.pullStoppedAt,
    executionStoppedAt: change.executionStoppedAt
  }
}

function container (c: ContainerStateChange) {
  return {
    containerName: c.containerName,
    runtimeId: c.runtimeId === undefined ? undefined : trim(c.runtimeId, MAX_RUNTIME_ID),
    status: c.status,
    exitCode: c.exitCode,
    reason: c.reason === undefined ? undefined : trim(c.reason, MAX_REASON),
    networkBindings: c.networkBindings,
    imageDigest: c.imageDigest === undefined ? undefined : trim(c.imageDigest, MAX_IMAGE_DIGEST)
  }
}

const trim = (s: string, max: number): string => s.length > max ? s.slice(0, max) : s
