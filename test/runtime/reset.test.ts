/**
 * The reset contract once tasks run: `POST /_emulator/reset` stops what the tasks started, and
 * what the emulator owns (its built-in instance, profile and role) is there again afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  DescribeContainerInstancesCommand, DescribeTasksCommand, ECSClient, ListContainerInstancesCommand,
  ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand
} from '@aws-sdk/client-ecs'
import { GetInstanceProfileCommand, IAMClient } from '@aws-sdk/client-iam'
import { DOCKER_SKIP, IMAGES, dockerode, ensureImages, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { spawnServer, type ServerProcess } from '../support/process.js'
import { until } from '../agent/fake-engine.js'

const LABELS = testRunLabel('runtime-reset')
const dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-reset-'))
let server: ServerProcess | undefined

afterAll(async () => {
  await server?.stop()
  if (hasDocker) await removeByLabel(LABELS)
  rmSync(dir, { recursive: true, force: true })
})

const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' }

async function connectedInstance (ecs: ECSClient): Promise<string | undefined> {
  const { containerInstanceArns = [] } = await ecs.send(new ListContainerInstancesCommand({}))
  if (containerInstanceArns.length === 0) return undefined
  const { containerInstances = [] } = await ecs.send(new DescribeContainerInstancesCommand({ containerInstances: containerInstanceArns }))
  return containerInstances.find(i => i.agentConnected === true)?.containerInstanceArn
}

describe.skipIf(!hasDocker)(`POST /_emulator/reset with tasks running${DOCKER_SKIP}`, () => {
  it('removes the tasks\' containers and brings the built-in instance back as a new one', async () => {
    await ensureImages()
    const labels = Object.entries(LABELS).map(([k, v]) => `${k}=${v}`).join(',')
    server = await spawnServer(['--data-dir', dir], { ECS_EMULATOR_AGENT: 'true', ECS_EMULATOR_AGENT_LABELS: labels })
    const common = { endpoint: server.url, region: 'us-east-1', credentials: ROOT }
    const ecs = new ECSClient(common)
    const before = await until(() => connectedInstance(ecs), 'the built-in agent to join', 30_000)
    await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'sleeper', containerDefinitions: [{ name: 'main', image: IMAGES.busybox, memory: 16, command: ['sleep', '600'] }]
    }))
    const { tasks } = await ecs.send(new RunTaskCommand({ taskDefinition: 'sleeper' }))
    const arn = tasks![0].taskArn!
    await until(async () => {
      const { tasks } = await ecs.send(new DescribeTasksCommand({ tasks: [arn] }))
      return tasks?.[0]?.lastStatus === 'RUNNING'
    }, 'the task to run', 20_000)

    const answer = await fetch(`${server.url}/_emulator/reset`, { method: 'POST' })
    expect(await answer.json()).toEqual({ reset: true })

    const left = await dockerode().listContainers({ all: true, filters: { label: [`com.amazonaws.ecs.task-arn=${arn}`] } })
    expect(left).toEqual([])
    const after = await until(() => connectedInstance(ecs), 'the built-in agent to join again', 30_000)
    expect(after).not.toBe(before)
    expect((await ecs.send(new ListTasksCommand({}))).taskArns).toEqual([])
    const { InstanceProfile } = await new IAMClient(common).send(new GetInstanceProfileCommand({ InstanceProfileName: 'ecs-emulator-instance-profile' }))
    expect(InstanceProfile?.Roles?.map(r => r.RoleName)).toEqual(['ecs-emulator-instance-role'])
  }, 90_000)
})
