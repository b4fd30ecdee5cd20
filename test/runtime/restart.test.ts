/**
 * A control plane restarted while its tasks run loses none of them: the agent reconnects to
 * the new process on the same data, the task is still RUNNING with the same container, and
 * it can still be stopped. Nothing is started twice, and the state's generation is the same (a
 * restart is not a reset).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  CreateClusterCommand, DescribeContainerInstancesCommand, DescribeTasksCommand,
  RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type Task
} from '@aws-sdk/client-ecs'
import { runAgent, type RunningAgent } from '../../agent/main.js'
import {
  DOCKER_SKIP, IMAGES, dockerode, ensureImages, freePort, hasDocker, removeByLabel, testRunLabel
} from '../support/docker.js'
import { startEmulator, type TestEmulator } from '../support/emulator.js'
import { dataDirs, until } from '../agent/fake-engine.js'

const CLUSTER = 'restart'
const LABELS = testRunLabel('runtime-restart')
const dirs = dataDirs()
let emu: TestEmulator | undefined
let agent: RunningAgent | undefined
let port: number
let dataDir: string

const start = async (): Promise<TestEmulator> => {
  emu = await startEmulator({ agent: false, port, dataDir })
  return emu
}

async function describeTask (e: TestEmulator, arn: string): Promise<Task> {
  const { tasks } = await e.clients().ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))
  return tasks![0]
}

describe.skipIf(!hasDocker)(`A control plane restart with tasks running${DOCKER_SKIP}`, () => {
  beforeAll(async () => {
    await ensureImages()
    port = await freePort()
    dataDir = dirs.make()
  })

  afterAll(async () => {
    await agent?.stop()
    await emu?.close()
    await removeByLabel(LABELS)
    dirs.cleanup()
  })

  it('keeps the task: same container, still RUNNING, agent connected again, and stoppable', async () => {
    const first = await start()
    const ecs = first.clients().ecs
    await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }))
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'sleeper',
      containerDefinitions: [{ name: 'main', image: IMAGES.busybox, memory: 16, essential: true, command: ['sleep', '600'], stopTimeout: 1 }]
    }))
    agent = runAgent({
      endpoint: first.url, cluster: CLUSTER, dataDir: dirs.make(), labels: LABELS, timeScale: 0.01,
      log: pino({ level: process.env.ECS_EMULATOR_TEST_LOG ?? 'silent' })
    })
    await agent.connected()
    const { tasks } = await ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'sleeper' }))
    const arn = tasks![0].taskArn!
    const before = await until(async () => {
      const t = await describeTask(first, arn)
      return t.lastStatus === 'RUNNING' ? t : undefined
    }, 'the task to run', 20_000)

    const generation = first.emulator.generation.current()
    await first.close()
    expect(first.violations).toEqual([])
    const second = await start()
    // Not a reset: the agent, which compares it when ACS closes, keeps its instance and task.
    expect(second.emulator.generation.current()).toBe(generation)
    await until(async () => {
      const { containerInstances } = await second.clients().ecs.send(new DescribeContainerInstancesCommand({
        cluster: CLUSTER, containerInstances: [before.containerInstanceArn!]
      }))
      return containerInstances?.[0].agentConnected === true
    }, 'the agent to reconnect', 30_000)

    const after = await describeTask(second, arn)
    expect(after).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING', containerInstanceArn: before.containerInstanceArn })
    expect(after.containers![0].runtimeId).toBe(before.containers![0].runtimeId)
    const running = await dockerode().listContainers({ filters: { label: [`com.amazonaws.ecs.task-arn=${arn}`] } })
    expect(running.map(c => c.Id)).toEqual([before.containers![0].runtimeId])

    await second.clients().ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn }))
    await until(async () => (await describeTask(second, arn)).lastStatus === 'STOPPED', 'the task to stop', 20_000)
    expect(second.violations).toEqual([])
  }, 90_000)
})
