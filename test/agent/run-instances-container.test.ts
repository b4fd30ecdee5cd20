/**
 * RunInstances when the control plane runs in a container (docker-compose.yml): the launcher
 * starts each instance's agent as a sibling container of the emulator's image, on the host's
 * network, and that agent joins the cluster its user data names and runs its tasks.
 * TerminateInstances and a reset take the agent container away with what its tasks left.
 * The image here is the offline Node one with this checkout mounted at /app (dist/ built).
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2'
import { GetParameterCommand } from '@aws-sdk/client-ssm'
import {
  CreateClusterCommand, DescribeContainerInstancesCommand, DescribeTasksCommand, ListContainerInstancesCommand,
  RegisterTaskDefinitionCommand, RunTaskCommand, type ContainerInstance
} from '@aws-sdk/client-ecs'
import { AgentLauncher } from '../../src/agent-launcher.js'
import { AGENT_CONTAINER_LABEL } from '../../src/agent-container.js'
import { useEmulator } from '../support/emulator.js'
import { DOCKER_SKIP, IMAGES, dockerode, ensureImages, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { dataDirs, until } from './fake-engine.js'

const t = useEmulator({ agent: false })
const LABELS = testRunLabel('agent-run-instances-container')
const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url))
const dirs = dataDirs()
let launcher: AgentLauncher | undefined

beforeAll(async () => {
  if (!hasDocker) return
  await ensureImages()
  const labels = Object.entries(LABELS).map(([k, v]) => `${k}=${v}`).join(',')
  launcher = new AgentLauncher({
    log: pino({ level: process.env.ECS_EMULATOR_TEST_LOG ?? 'silent' }), endpoint: t.emu.url, dataDir: dirs.make(),
    extraArgs: ['--time-scale', '0.01'],
    container: {
      image: IMAGES.node, cli: '/app/dist/cli.js', binds: [`${CHECKOUT}:/app:ro`],
      env: [`ECS_EMULATOR_AGENT_LABELS=${labels}`], labels: LABELS
    }
  })
  t.emu.emulator.ec2.launcher = launcher
}, 60_000)

afterAll(async () => {
  await launcher?.close()
  if (hasDocker) await removeByLabel(LABELS)
  dirs.cleanup()
}, 30_000)

const ec2 = (): EC2Client => new EC2Client({
  endpoint: t.emu.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1
})

async function joined (cluster: string): Promise<ContainerInstance | undefined> {
  const list = await t.ecs.send(new ListContainerInstancesCommand({ cluster, status: 'ACTIVE' }))
  if (list.containerInstanceArns?.length === 0) return undefined
  const out = await t.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: list.containerInstanceArns }))
  return out.containerInstances?.find(i => i.agentConnected === true)
}

async function launch (cluster: string): Promise<string> {
  await t.ecs.send(new CreateClusterCommand({ clusterName: cluster }))
  const ami = await t.ssm.send(new GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id' }))
  const run = await ec2().send(new RunInstancesCommand({
    ImageId: ami.Parameter!.Value!, InstanceType: 't3.small', MinCount: 1, MaxCount: 1,
    UserData: Buffer.from(`#!/bin/bash\necho ECS_CLUSTER=${cluster} >> /etc/ecs/ecs.config\n`).toString('base64'),
    IamInstanceProfile: { Name: 'ecs-emulator-instance-profile' }
  }))
  return run.Instances![0].InstanceId!
}

const agentContainers = async (instanceId: string): Promise<unknown[]> =>
  await dockerode().listContainers({ all: true, filters: { label: [`${AGENT_CONTAINER_LABEL}=${instanceId}`] } })

const taskContainers = async (taskArn: string): Promise<unknown[]> =>
  await dockerode().listContainers({ all: true, filters: { label: [`com.amazonaws.ecs.task-arn=${taskArn}`] } })

async function runningTask (cluster: string): Promise<string> {
  await t.ecs.send(new RegisterTaskDefinitionCommand({
    family: 'sleeper', containerDefinitions: [{ name: 'main', image: IMAGES.busybox, memory: 16, command: ['sleep', '600'] }]
  }))
  const { tasks, failures } = await t.ecs.send(new RunTaskCommand({ cluster, taskDefinition: 'sleeper' }))
  expect(failures).toEqual([])
  const arn = tasks![0].taskArn!
  await until(async () => {
    const { tasks } = await t.ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn] }))
    return tasks?.[0]?.lastStatus === 'RUNNING'
  }, 'the task to run on the container agent', 60_000)
  return arn
}

describe.skipIf(!hasDocker)(`RunInstances with the agents as containers${DOCKER_SKIP}`, () => {
  it('starts the instance\'s agent as a container that joins and runs tasks; TerminateInstances removes both', async () => {
    const instanceId = await launch('boxed')
    const instance = await until(() => joined('boxed'), 'the container agent to join boxed', 60_000)
    expect(instance.ec2InstanceId).toBe(instanceId)
    const [agent] = await agentContainers(instanceId) as { State: string, Labels: Record<string, string>, HostConfig: { NetworkMode: string } }[]
    expect(agent.State).toBe('running')
    expect(agent.HostConfig.NetworkMode).toBe('host')
    expect(agent.Labels).toMatchObject(LABELS)

    const task = await runningTask('boxed')
    await ec2().send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }))
    await until(async () => (await agentContainers(instanceId)).length === 0, 'the agent container to go', 30_000)
    await until(async () => (await taskContainers(task)).length === 0, 'the task\'s container to go', 30_000)
  }, 150_000)

  it('a reset stops the agent container and removes what its tasks left', async () => {
    const instanceId = await launch('boxed-reset')
    await until(() => joined('boxed-reset'), 'the container agent to join', 60_000)
    const task = await runningTask('boxed-reset')

    const answer = await fetch(`${t.emu.url}/_emulator/reset`, { method: 'POST' })
    expect(await answer.json()).toEqual({ reset: true })
    expect(await agentContainers(instanceId)).toEqual([])
    expect(await taskContainers(task)).toEqual([])
  }, 150_000)
})
