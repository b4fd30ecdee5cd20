/**
 * What one pass of the scheduler does with a replica service's counts, as a pure function:
 * how many tasks of the PRIMARY deployment to start and which tasks to stop, within the
 * deployment configuration (reference §6.1). `maximumPercent` of the desired count, rounded
 * down, bounds the tasks on their way to or in RUNNING; `minimumHealthyPercent`, rounded up,
 * the healthy ones that must stay while older deployments are replaced.
 */

export interface TaskView {
  taskArn: string
  /** RUNNING, and healthy in every target group and its container health checks. */
  healthy: boolean
  /** Under task scale-in protection (UpdateTaskProtection): neither scale-in nor a deployment stops it. */
  protected?: boolean
}

export interface RolloutInput {
  desiredCount: number
  minimumHealthyPercent: number
  maximumPercent: number
  /** Tasks of the PRIMARY deployment that are not asked to stop, oldest first. */
  primary: TaskView[]
  /** Tasks of older deployments that are not asked to stop, oldest first. */
  older: TaskView[]
}

export interface RolloutPlan {
  start: number
  stop: string[]
  /** Nothing can move: the configuration allows neither a start nor a stop. */
  blocked: boolean
}

export function planRollout (r: RolloutInput): RolloutPlan {
  const maxTotal = Math.floor(r.desiredCount * r.maximumPercent / 100)
  const minHealthy = Math.ceil(r.desiredCount * r.minimumHealthyPercent / 100)
  const stop: string[] = []

  const stoppable = (t: TaskView): boolean => t.protected !== true

  // Scale-in: the primary's extra tasks go, those that are not healthy first, then the newest;
  // a protected task stays, and the service stays above its desired count until it is not.
  let primary = r.primary
  if (primary.length > r.desiredCount) {
    const candidates = primary.filter(stoppable)
    const order = [...candidates.filter(t => !t.healthy).reverse(), ...candidates.filter(t => t.healthy).reverse()]
    const leaving = new Set(order.slice(0, primary.length - r.desiredCount).map(t => t.taskArn))
    stop.push(...leaving)
    primary = primary.filter(t => !leaving.has(t.taskArn))
  }

  // Older deployments: what is not healthy goes at once; healthy tasks down to the minimum.
  // Protected ones stay, and the deployment waits for them.
  const healthy = primary.filter(t => t.healthy).length + r.older.filter(t => t.healthy).length
  const leaving = r.older.filter(t => !t.healthy && stoppable(t))
  stop.push(...leaving.map(t => t.taskArn))
  const spareable = r.older.filter(t => t.healthy && stoppable(t))
  const spare = Math.max(0, Math.min(spareable.length, healthy - minHealthy))
  stop.push(...spareable.slice(0, spare).map(t => t.taskArn))
  const remaining = primary.length + r.older.length - leaving.length - spare

  const start = Math.max(0, Math.min(r.desiredCount - primary.length, maxTotal - remaining))
  const everyoneHealthy = primary.every(t => t.healthy) && r.older.every(t => t.healthy)
  const blocked = start === 0 && stop.length === 0 && primary.length < r.desiredCount &&
    everyoneHealthy
  return { start, stop, blocked }
}

/**
 * How many failed tasks trip the deployment circuit breaker: half the desired count, at least
 * 3 and at most 200 (reference §6.1).
 */
export const circuitBreakerThreshold = (desiredCount: number): number =>
  Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)))
