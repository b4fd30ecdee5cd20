/**
 * A task's life on the agent, as a list of steps: PENDING (pull started), start-up steps,
 * containers started in dependsOn order, RUNNING once every essential container runs, then —
 * when the task is to stop (StopTask, an essential container's exit, a start-up failure) —
 * every container stopped in reverse dependency order, the logs flushed, STOPPED reported,
 * and after the cleanup wait the containers, task volumes and pause container removed.
 */
import { StartupFailure } from '../startup/failure.js'
import { trimReason } from '../startup/sdk-errors.js'
import {
  beginStop, definitionOf, handleExit, refresh, startContainer, stopContainer
} from './containers.js'
import { now, within, type Runtime } from './runtime.js'
import { prepareTask, type Prepared } from './startup.js'
import type { ContainerState, ManagedTask } from './state.js'
import { removeVolumes } from './volumes.js'

/** How long a wait for dependencies sleeps before it looks again (changes wake it sooner). */
const POLL_MS = 1000
/** How long STOPPED waits for the last log lines to be sent. */
const FLUSH_LIMIT_MS = 15_000
/** The pause container does nothing on SIGTERM: it is given a second. */
const PAUSE_STOP_SECONDS = 1

export async function runTask (rt: Runtime, mt: ManagedTask): Promise<void> {
  const s = mt.state
  if (s.sent === 'STOPPED') return rt.scheduleCleanup(mt)
  if (!s.stopping) {
    try {
      if (s.sent === 'NONE') {
        s.pullStartedAt ??= now()
        rt.report(mt, 'PENDING')
      }
      const prepared = created(mt) ? UNPREPARED : await prepareTask(rt, mt)
      if (!s.stopping) await startContainers(rt, mt, prepared)
      await untilStopping(rt, mt)
    } catch (e) {
      if (rt.closed) return
      failed(rt, mt, e)
    }
  }
  if (rt.closed) return
  await stopTask(rt, mt)
}

/** Every container exists already (an adopted task): the start-up steps were done. */
const created = (mt: ManagedTask): boolean =>
  mt.all().every(c => c.dockerId !== undefined || c.known === 'STOPPED')

const UNPREPARED: Prepared = {
  images: new Map(), secrets: { environment: new Map(), logOptions: new Map() }, sources: new Map()
}

/** A start-up failure: the containers it names get its text, and so does the task. */
function failed (rt: Runtime, mt: ManagedTask, e: unknown): void {
  if (!(e instanceof StartupFailure)) {
    rt.log.error({ err: e, taskArn: mt.arn }, 'task start-up failed')
  }
  const text = e instanceof StartupFailure ? e.reason : `CannotStartContainerError: ${(e as Error).message}`
  const reason = trimReason(text)
  for (const name of e instanceof StartupFailure ? e.containerNames : []) {
    const c = mt.container(name)
    if (c !== undefined) c.reason ??= reason
  }
  beginStop(rt, mt, reason)
}

async function untilStopping (rt: Runtime, mt: ManagedTask): Promise<void> {
  while (!mt.state.stopping && !rt.closed) await mt.nextChange(60_000)
}

// --- starting ---------------------------------------------------------------------------------

async function startContainers (rt: Runtime, mt: ManagedTask, prepared: Prepared): Promise<void> {
  while (!mt.state.stopping && !rt.closed) {
    const waiting = mt.state.containers.filter(c => c.known === 'NONE' || c.known === 'CREATED')
    if (waiting.length === 0) return
    let progressed = false
    for (const c of waiting) {
      if (mt.state.stopping || rt.closed) return
      const verdict = dependencies(mt, c)
      if (verdict === 'wait') continue
      progressed = true
      if (verdict === 'ready') await startOne(rt, mt, c, prepared)
      else neverStarts(rt, mt, c, verdict.reason)
    }
    if (!progressed) await mt.nextChange(POLL_MS)
  }
}

async function startOne (rt: Runtime, mt: ManagedTask, c: ContainerState,
  prepared: Prepared): Promise<void> {
  try {
    await startContainer(rt, mt, c, prepared)
  } catch (e) {
    if (!(e instanceof StartupFailure)) throw e
    neverStarts(rt, mt, c, e.reason)
    return
  }
  refresh(rt, mt)
}

/** The container will not run: an essential one takes the task down with its reason. */
function neverStarts (rt: Runtime, mt: ManagedTask, c: ContainerState, reason: string): void {
  c.known = 'STOPPED'
  c.reason ??= trimReason(reason)
  rt.save(mt)
  if (definitionOf(mt, c.name)?.essential !== false) beginStop(rt, mt, trimReason(reason))
  mt.changed()
  refresh(rt, mt)
}

type Verdict = 'ready' | 'wait' | { reason: string }

interface Dependency { containerName: string, condition: 'START' | 'COMPLETE' | 'SUCCESS' | 'HEALTHY' }

/**
 * dependsOn, and the implicit START dependencies of links and volumesFrom, resolved as the
 * agent's dependency graph resolves them (agent/engine/dependencygraph/graph.go): a SUCCESS
 * dependency that exited non-zero, or one that will never start, fails the target; a
 * COMPLETE/SUCCESS/HEALTHY dependency times out after its own startTimeout from its start.
 * (unconfirmed) the agent prints its container structures in these texts; names stand in.
 */
function dependencies (mt: ManagedTask, c: ContainerState): Verdict {
  const def = definitionOf(mt, c.name)!
  const started = (containerName: string): Dependency => ({ containerName, condition: 'START' })
  const implicit = [
    ...(def.links ?? []).map(l => started(l.split(':')[0])),
    ...(def.volumesFrom ?? []).flatMap(v => v.sourceContainer === undefined ? [] : [started(v.sourceContainer)])
  ]
  let verdict: Verdict = 'ready'
  for (const d of [...(def.dependsOn ?? []), ...implicit]) {
    const one = dependency(mt, c, d)
    if (typeof one === 'object') return one
    if (one === 'wait') verdict = 'wait'
  }
  return verdict
}

function dependency (mt: ManagedTask, target: ContainerState, d: Dependency): Verdict {
  const on = mt.container(d.containerName)
  const graph = `container ordering dependency [${d.containerName}] for target [${target.name}]`
  if (on === undefined) return { reason: `dependency graph: ${graph} does not exist.` }
  if (on.known === 'STOPPED' && on.startedAt === undefined) {
    return { reason: `dependency graph: failed to resolve ${graph} because dependency will never start` }
  }
  if (d.condition === 'SUCCESS' && on.known === 'STOPPED' && on.exitCode !== 0) {
    return { reason: `dependency graph: failed to resolve ${graph} as dependency did not exit successfully.` }
  }
  if (d.condition !== 'START' && on.known !== 'STOPPED' && timedOut(mt, on)) {
    return { reason: `dependency graph: ${graph} has timed out.` }
  }
  switch (d.condition) {
    case 'START': return on.known === 'RUNNING' || on.known === 'STOPPED' ? 'ready' : 'wait'
    case 'COMPLETE': return on.known === 'STOPPED' && on.exitCode !== undefined ? 'ready' : 'wait'
    case 'SUCCESS': return on.known === 'STOPPED' && on.exitCode === 0 ? 'ready' : 'wait'
    case 'HEALTHY': return on.health === 'HEALTHY' ? 'ready' : 'wait'
  }
}

function timedOut (mt: ManagedTask, on: ContainerState): boolean {
  const seconds = definitionOf(mt, on.name)?.startTimeout ?? 0
  if (seconds <= 0 || on.startedAt === undefined) return false
  return Date.now() > Date.parse(on.startedAt) + seconds * 1000
}

// --- stopping ---------------------------------------------------------------------------------

/** Stops everything, flushes the logs, reports STOPPED, schedules the cleanup. */
export async function stopTask (rt: Runtime, mt: ManagedTask): Promise<void> {
  const s = mt.state
  for (const c of s.containers) if (c.known === 'NONE' || c.known === 'CREATED') c.known = 'STOPPED'
  rt.save(mt)
  await stopInWaves(rt, mt)
  await flushLogs(rt, mt)
  if (s.pause !== undefined && s.pause.known !== 'STOPPED') {
    await stopContainer(rt, mt, s.pause, PAUSE_STOP_SECONDS)
  }
  if (rt.closed) return
  s.executionStoppedAt ??= now()
  s.stoppedAt ??= s.executionStoppedAt
  rt.save(mt)
  rt.report(mt, 'STOPPED')
  rt.scheduleCleanup(mt)
}

/**
 * Dependents first: each wave is the running containers no other running container depends
 * on (dependsOn, links, volumesFrom); a cycle stops what remains at once.
 */
async function stopInWaves (rt: Runtime, mt: ManagedTask): Promise<void> {
  for (;;) {
    const running = mt.state.containers.filter(c => c.known === 'RUNNING')
    if (running.length === 0) return
    const needed = (c: ContainerState) => running.some(o => o !== c && dependsOnName(mt, o, c.name))
    const wave = running.filter(c => !needed(c))
    await Promise.all((wave.length > 0 ? wave : running).map(async c => await stopOne(rt, mt, c)))
  }
}

/** A container Docker cannot stop is given up on (CannotStopContainerError), not retried. */
async function stopOne (rt: Runtime, mt: ManagedTask, c: ContainerState): Promise<void> {
  try {
    await stopContainer(rt, mt, c)
  } catch (e) {
    rt.log.error({ err: e, dockerId: c.dockerId, taskArn: mt.arn }, 'cannot stop container')
    c.known = 'STOPPED'
    c.reason ??= trimReason(`CannotStopContainerError: ${(e as Error).message}`)
    rt.save(mt)
  }
}

function dependsOnName (mt: ManagedTask, c: ContainerState, name: string): boolean {
  const def = definitionOf(mt, c.name)
  if (def === undefined) return false
  return (def.dependsOn ?? []).some(d => d.containerName === name) ||
    (def.links ?? []).some(l => l.split(':')[0] === name) ||
    (def.volumesFrom ?? []).some(v => v.sourceContainer === name)
}

async function flushLogs (rt: Runtime, mt: ManagedTask): Promise<void> {
  await within(Promise.all([...mt.shippers.values()].map(async s => await s.finished())), FLUSH_LIMIT_MS)
  mt.shippers.clear()
}

/** Removes the task's containers (the pause container last) and its task-scoped volumes. */
export async function cleanupTask (rt: Runtime, mt: ManagedTask): Promise<void> {
  // mt.all() lists the pause container first: it goes last.
  for (const c of [...mt.all()].reverse()) {
    if (c.dockerId === undefined) continue
    try {
      await rt.docker.getContainer(c.dockerId).remove({ force: true, v: true })
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) {
        rt.log.warn({ err: e, dockerId: c.dockerId, taskArn: mt.arn }, 'cannot remove container')
      }
    }
  }
  try {
    await removeVolumes(rt.docker, mt.state.volumes)
  } catch (e) {
    rt.log.warn({ err: e, taskArn: mt.arn }, 'cannot remove task volumes')
  }
}

/** An exit Docker reported while the agent was away, or missed events: ask Docker. */
export async function reconcile (rt: Runtime, mt: ManagedTask): Promise<void> {
  for (const c of mt.state.containers) {
    if (c.known === 'RUNNING') await handleExit(rt, mt, c)
  }
}
