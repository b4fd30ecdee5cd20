// A user's integration test with the emulator's testcontainers module: the emulator in a
// container, a task run through the ECS API, and stop() taking the task's container away.
// ECS_EMULATOR_IMAGE names the image (`ecs-emulator:local` by default); the repository's suite
// (../module.test.ts) also passes labels for what it starts and a file for what it saw.
import { writeFileSync } from 'node:fs'
import {
  CreateClusterCommand, DescribeClustersCommand, DescribeTasksCommand, ECSClient,
  RegisterTaskDefinitionCommand, RunTaskCommand
} from '@aws-sdk/client-ecs'
import { getContainerRuntimeClient } from 'testcontainers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EcsEmulatorContainer } from 'ecs-emulator/testcontainers'

const image = process.env.ECS_EMULATOR_IMAGE ?? 'ecs-emulator:local'
const labels = JSON.parse(process.env.ECS_EMULATOR_TEST_LABELS ?? '{}')

describe('EcsEmulatorContainer', () => {
  let emulator
  let ecs
  let taskContainerId

  beforeAll(async () => {
    emulator = await new EcsEmulatorContainer(image)
      .withLabels(labels)
      .withTaskLabels(labels)
      .withTimeScale(0.05)
      .start()
    ecs = new ECSClient(emulator.getClientConfig())
  })

  afterAll(async () => {
    ecs?.destroy()
    await emulator?.stop()
  })

  it('answers the ECS API through getClientConfig()', async () => {
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'default' }))

    expect(cluster.clusterArn).toBe(`arn:aws:ecs:${emulator.getRegion()}:000000000000:cluster/default`)
    expect(emulator.getEndpoint()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('runs a task as a container on the host engine', async () => {
    const { taskDefinition } = await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'testcontainers-probe',
      containerDefinitions: [{
        name: 'main', image: 'ecs-emulator/busybox:latest', memory: 32, essential: true,
        command: ['sleep', '600']
      }]
    }))
    const { tasks: [task] } = await ecs.send(new RunTaskCommand({
      cluster: 'default', taskDefinition: taskDefinition.taskDefinitionArn
    }))
    const running = await untilRunning(task.taskArn)
    taskContainerId = running.containers[0].runtimeId

    const info = await inspect(taskContainerId)
    expect(info.State.Running).toBe(true)
    if (process.env.ECS_EMULATOR_TEST_RESULT) {
      writeFileSync(process.env.ECS_EMULATOR_TEST_RESULT, JSON.stringify({ taskContainerId }))
    }
  })

  it('removes the task\'s container when it stops', async () => {
    await emulator.stop()

    await expect(inspect(taskContainerId)).rejects.toMatchObject({ statusCode: 404 })
  })

  async function untilRunning (taskArn) {
    for (const started = Date.now(); Date.now() - started < 30_000;) {
      const described = new DescribeTasksCommand({ cluster: 'default', tasks: [taskArn] })
      const { tasks: [task] } = await ecs.send(described)
      if (task.lastStatus === 'RUNNING') return task
      if (task.lastStatus === 'STOPPED') throw new Error(`the task stopped: ${task.stoppedReason}`)
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    throw new Error(`${taskArn} is not RUNNING after 30 s`)
  }
})

describe('EcsEmulatorContainer without the agent', () => {
  const volume = `ecs-emulator-state-${Date.now().toString(36)}`

  beforeAll(async () => {
    const { dockerode } = (await getContainerRuntimeClient()).container
    await dockerode.createVolume({ Name: volume, Labels: labels })
  })

  afterAll(async () => {
    const { dockerode } = (await getContainerRuntimeClient()).container
    await dockerode.getVolume(volume).remove().catch(() => {})
  })

  it('keeps its state on a data volume from one container to the next', async () => {
    const start = () => new EcsEmulatorContainer(image).withLabels(labels).withAgent(false)
      .withDataVolume(volume).withRegion('eu-west-1').start()
    const first = await start()
    const created = await withEcs(first, ecs =>
      ecs.send(new CreateClusterCommand({ clusterName: 'kept' })))
    await first.stop()

    const second = await start()
    const { clusters } = await withEcs(second, ecs =>
      ecs.send(new DescribeClustersCommand({ clusters: ['kept'] })))
    await second.stop()

    expect(first.getEndpoint()).toMatch(/^http:\/\/[^/]+:\d+$/)
    expect(clusters.map(c => c.clusterArn)).toEqual([created.cluster.clusterArn])
    expect(created.cluster.clusterArn).toBe('arn:aws:ecs:eu-west-1:000000000000:cluster/kept')
  })
})

async function withEcs (started, call) {
  const ecs = new ECSClient(started.getClientConfig())
  try {
    return await call(ecs)
  } finally {
    ecs.destroy()
  }
}

async function inspect (id) {
  return await (await getContainerRuntimeClient()).container.getById(id).inspect()
}
