/**
 * A container definition's restartPolicy, on the real Docker engine, as the ECS agent applies
 * it: an exit after restartAttemptPeriod starts the same container again and the task goes on;
 * an ignored exit code, an exit before the period and a stop the task was told of end the task.
 * The engine's time scale (0.01) makes the 60 s period 0.6 s.
 */
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AcsContainer } from '../../agent/acs-task.js'
import { DOCKER_SKIP, dockerode, ensureImages, hasDocker } from '../support/docker.js'
import { acsTask, container, getJson, reported, startHarness, taskIdOf, type Harness } from './engine-harness.js'

const AWSLOGS = {
  LogConfig: {
    Type: 'awslogs',
    Config: { 'awslogs-group': '/ecs/restarts', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs', 'awslogs-create-group': 'true' }
  }
}

/** Prints a line, runs `seconds`, exits with `code`. */
const runFor = (seconds: number, code: number, more: Partial<AcsContainer> = {}) =>
  container('app', { command: ['sh', '-c', `echo run; sleep ${seconds}; exit ${code}`], hostConfig: AWSLOGS, stopTimeout: 1, ...more })

const sleep = async (ms: number) => await new Promise(resolve => setTimeout(resolve, ms))

describe.skipIf(!hasDocker)(`a container's restartPolicy ${DOCKER_SKIP}`, () => {
  let h: Harness

  beforeAll(async () => {
    await ensureImages()
    h = await startHarness('engine-restart')
    await h.restart({ timeScale: 0.01 })
  }, 60_000)

  afterAll(async () => { await h?.close() }, 60_000)

  it('starts the same container again after each exit, with its output in the same stream, until the task is stopped', async () => {
    const task = acsTask({ containers: [runFor(1, 3, { restartPolicy: { enabled: true, restartAttemptPeriod: 60 } })] })
    h.engine.apply(task)
    const running = await reported(h, task, 'RUNNING')
    const id = running.containers[0].runtimeId!
    const docker = dockerode().getContainer(id)
    const firstStart = (await docker.inspect()).State.StartedAt

    const env = (await docker.inspect()).Config.Env
    const path = new URL(env.find(e => e.startsWith('ECS_CONTAINER_METADATA_URI_V4='))!.split('=')[1]).pathname
    const restartCount = async () => ((await getJson(`${h.endpointUrl()}${path}`)).body as { RestartCount?: number }).RestartCount
    // Present for a container whose definition enables the policy (it may have restarted already).
    expect(await restartCount()).toEqual(expect.any(Number))

    const deadline = Date.now() + 20_000
    while ((await restartCount())! < 2 && Date.now() < deadline) await sleep(100)
    expect(await restartCount()).toBeGreaterThanOrEqual(2)
    expect((await docker.inspect()).State.StartedAt).not.toBe(firstStart)
    expect(h.reports.filter(r => r.taskArn === task.arn).map(r => r.status)).not.toContain('STOPPED')

    h.engine.apply({ ...task, desiredStatus: 'STOPPED' })
    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.containers[0].runtimeId).toBe(id)
    const events = await h.emu.clients().logs.send(new GetLogEventsCommand({
      logGroupName: '/ecs/restarts', logStreamName: `ecs/app/${taskIdOf(task)}`, startFromHead: true
    }))
    // The first run's line and, in the same stream, the second's (which ran its period, since
    // a second restart followed); a later run may be stopped before it prints.
    expect(events.events!.filter(e => e.message === 'run').length).toBeGreaterThanOrEqual(2)
  })

  it('lets an ignored exit code, and an exit before restartAttemptPeriod, stop the task', async () => {
    const ignored = acsTask({ containers: [runFor(1, 3, { restartPolicy: { enabled: true, ignoredExitCodes: [3], restartAttemptPeriod: 60 } })] })
    const early = acsTask({ containers: [runFor(0.2, 4, { restartPolicy: { enabled: true, restartAttemptPeriod: 1800 } })] })
    const disabled = acsTask({ containers: [runFor(1, 5, { restartPolicy: { enabled: false, restartAttemptPeriod: 60 } })] })
    for (const task of [ignored, early, disabled]) h.engine.apply(task)
    for (const [task, exitCode] of [[ignored, 3], [early, 4], [disabled, 5]] as const) {
      const stopped = await reported(h, task, 'STOPPED')
      expect(stopped.reason).toBe('Essential container in task exited')
      expect(stopped.containers[0]).toMatchObject({ status: 'STOPPED', exitCode })
    }
  })
})
