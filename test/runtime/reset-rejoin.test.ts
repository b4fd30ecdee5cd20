/**
 * A reset under an agent the emulator did not start (`ecs-emulator agent` by hand, the compose
 * file's `agent` service): the agent learns of it from the state's generation, removes what its
 * tasks left, and joins `default` again as a new container instance that runs tasks (an agent of
 * another cluster, which the reset removed, stops). Both while
 * connected (its ACS session is closed by the reset) and when it was down during the reset.
 */
import { describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  CreateClusterCommand, DescribeContainerInstancesCommand, DescribeTasksCommand, ListContainerInstancesCommand,
  RegisterTaskDefinitionCommand, RunTaskCommand
} from '@aws-sdk/client-ecs'
import { runAgent, type RunningAgent } from '../../agent/main.js'
import { DOCKER_SKIP, IMAGES, dockerode, ensureImages, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { useEmulator } from '../support/emulator.js'
import { dataDirs, until } from '../agent/fake-engine.js'

const LABELS = testRunLabel('runtime-reset-rejoin')
const t = useEmulator({ agent: false })
const dirs = dataDirs()
const quiet = pino({ level: process.env.ECS_EMULATOR_TEST_LOG ?? 'silent' })

const startAgent = (dataDir: string, cluster = 'default'): RunningAgent => runAgent({
  endpoint: t.emu.url, cluster, dataDir, labels: LABELS, timeScale: 0.01, log: quiet
})

async function connectedInstance (): Promise<string | undefined> {
  const { containerInstanceArns = [] } = await t.ecs.send(new ListContainerInstancesCommand({ cluster: 'default' }))
    .catch(() => ({ containerInstanceArns: [] }))
  if (containerInstanceArns.length === 0) return undefined
  const { containerInstances = [] } = await t.ecs.send(new DescribeContainerInstancesCommand({
    cluster: 'default', containerInstances: containerInstanceArns
  }))
  return containerInstances.find(i => i.agentConnected === true && i.status === 'ACTIVE')?.containerInstanceArn
}

/** A sleeping task, RUNNING on the agent; its ARN. */
async function runningTask (): Promise<string> {
  await t.ecs.send(new RegisterTaskDefinitionCommand({
    family: 'sleeper', containerDefinitions: [{ name: 'main', image: IMAGES.busybox, memory: 16, command: ['sleep', '600'] }]
  }))
  const { tasks, failures } = await t.ecs.send(new RunTaskCommand({ taskDefinition: 'sleeper' }))
  expect(failures).toEqual([])
  const arn = tasks![0].taskArn!
  await until(async () => {
    const { tasks } = await t.ecs.send(new DescribeTasksCommand({ tasks: [arn] }))
    return tasks?.[0]?.lastStatus === 'RUNNING'
  }, 'the task to run', 30_000)
  return arn
}

const containersOf = async (taskArn: string): Promise<unknown[]> =>
  await dockerode().listContainers({ all: true, filters: { label: [`com.amazonaws.ecs.task-arn=${taskArn}`] } })

const reset = async (): Promise<void> => {
  const answer = await fetch(`${t.emu.url}/_emulator/reset`, { method: 'POST' })
  expect(await answer.json()).toEqual({ reset: true })
}

describe.skipIf(!hasDocker)(`a reset under an agent started elsewhere${DOCKER_SKIP}`, () => {
  it('closes its session; the agent removes its tasks\' containers and joins again as a new instance', async () => {
    await ensureImages()
    const agent = startAgent(dirs.make())
    try {
      await agent.connected()
      const before = await until(connectedInstance, 'the agent to join', 30_000)
      const task = await runningTask()
      const generation = (await (await fetch(`${t.emu.url}/_emulator/health`)).json() as { generation: string }).generation

      await reset()
      const health = await (await fetch(`${t.emu.url}/_emulator/health`)).json() as { generation: string }
      expect(health.generation).not.toBe(generation)
      await until(async () => (await containersOf(task)).length === 0, 'the reset task\'s container to be removed', 30_000)
      const after = await until(connectedInstance, 'the agent to join again', 30_000)
      expect(after).not.toBe(before)
      expect(agent.containerInstanceArn).toBe(after)

      // The new instance runs tasks: the cluster, the instance role and the task definition are new.
      const next = await runningTask()
      expect(await containersOf(next)).toHaveLength(1)
    } finally {
      await agent.stop()
      await removeByLabel(LABELS)
    }
  }, 120_000)

  it('an agent of a cluster the reset removed stops as the ECS agent does when its cluster is not found', async () => {
    await ensureImages()
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'gone-after-reset' }))
    const agent = startAgent(dirs.make(), 'gone-after-reset')
    try {
      await agent.connected()
      await reset()
      expect(await agent.exited).toBe(5)
    } finally {
      await agent.stop()
      await removeByLabel(LABELS)
    }
  }, 60_000)

  it('an agent down during the reset removes what its tasks left when it starts again', async () => {
    await ensureImages()
    const dir = dirs.make()
    let agent = startAgent(dir)
    try {
      await agent.connected()
      const before = await until(connectedInstance, 'the agent to join', 30_000)
      const task = await runningTask()
      await agent.stop()
      expect(await containersOf(task)).toHaveLength(1) // a stopped agent leaves its containers running

      await reset()
      agent = startAgent(dir)
      await agent.connected()
      expect(await containersOf(task)).toEqual([])
      const after = await until(connectedInstance, 'the agent to join again', 30_000)
      expect(after).not.toBe(before)
    } finally {
      await agent.stop()
      await removeByLabel(LABELS)
      dirs.cleanup()
    }
  }, 120_000)
})
