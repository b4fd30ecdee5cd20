/**
 * Waiting as the ECS agent waits: exponential back-off with jitter
 * (`ecs-agent/utils/retry/backoff.go`), every duration multiplied by the configured time
 * scale, and sleeps that end early when the agent stops.
 */

export interface BackoffSpec {
  minMs: number
  maxMs: number
  /** Up to this fraction of each duration is added at random. */
  jitter: number
  multiple: number
}

/** RegisterContainerInstance's transient-error retries (`ecs_client.go`: 3 s to 192 s, 1 h). */
export const RCI_BACKOFF: BackoffSpec = { minMs: 3_000, maxMs: 192_000, jitter: 0.2, multiple: 2 }
export const RCI_RETRY_LIMIT_MS = 3_600_000

/** Reconnecting to ACS (`acs/session/session.go`). */
export const ACS_BACKOFF: BackoffSpec = { minMs: 250, maxMs: 120_000, jitter: 0.2, multiple: 1.5 }

/** Reconnecting to TCS (`tcs/handler/handler.go`). */
export const TCS_BACKOFF: BackoffSpec = { minMs: 1_000, maxMs: 60_000, jitter: 0.2, multiple: 2 }

/** Resubmitting a state change (`eventhandler`: 1 s to 30 s; given up after a day). */
export const SUBMIT_BACKOFF: BackoffSpec = { minMs: 1_000, maxMs: 30_000, jitter: 0.2, multiple: 1.3 }
export const SUBMIT_RETRY_LIMIT_MS = 86_400_000

export class Backoff {
  #next: number

  constructor (readonly spec: BackoffSpec, readonly scale: number) {
    this.#next = spec.minMs
  }

  /** The next wait, in (scaled) milliseconds. */
  duration (): number {
    const base = this.#next
    this.#next = Math.min(this.spec.maxMs, this.#next * this.spec.multiple)
    return scaled(addJitter(base, base * this.spec.jitter), this.scale)
  }

  reset (): void {
    this.#next = this.spec.minMs
  }
}

export const addJitter = (ms: number, maxJitterMs: number): number => ms + Math.random() * maxJitterMs

export const scaled = (ms: number, scale: number): number => Math.max(1, Math.round(ms * scale))

/** Resolves after `ms`, or as soon as `signal` aborts (then with false). */
export function sleep (ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false)
  return new Promise(resolve => {
    const done = (completed: boolean): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', aborted)
      resolve(completed)
    }
    const aborted = (): void => done(false)
    const timer = setTimeout(() => done(true), ms)
    signal?.addEventListener('abort', aborted, { once: true })
  })
}
