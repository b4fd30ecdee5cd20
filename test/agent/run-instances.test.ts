/**
 * Capacity added as AWS users add it: RunInstances with the ECS-optimized AMI, an instance
 * profile and `ECS_CLUSTER=...` user data starts an agent process (dist/cli.js, through the
 * launcher) that joins that cluster; TerminateInstances stops it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2'
import { GetParameterCommand } from '@aws-sdk/client-ssm'
import {
  CreateClusterCommand, DescribeContainerInstancesCommand, ListContainerInstancesCommand, type ContainerInstance
} from '@aws-sdk/client-ecs'
import { AgentLauncher } from '../../src/agent-launcher.js'
import { useEmulator } from '../support/emulator.js'
import { DOCKER_SKIP, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { dataDirs, until } from './fake-engine.js'

const t = useEmulator({ agent: false })
const LABELS = testRunLabel('agent-run-instances')
const dirs = dataDirs()
let launcher: AgentLauncher | undefined

beforeAll(() => {
  if (!hasDocker) return
  const labels = Object.entries(LABELS).map(([k, v]) => `${k}=${v}`).join(',')
  launcher = new AgentLauncher({
    log: pino({ level: process.env.ECS_EMULATOR_TEST_LOG ?? 'silent' }), endpoint: t.emu.url, dataDir: dirs.make(),
    extraArgs: ['--time-scale', '0.01'], env: { ...process.env, ECS_EMULATOR_AGENT_LABELS: labels }
  })
  t.emu.emulator.ec2.launcher = launcher
})

afterAll(async () => {
  await launcher?.close()
  dirs.cleanup()
  if (hasDocker) await removeByLabel(LABELS)
})

async function instances (cluster: string): Promise<ContainerInstance[]> {
  const list = await t.ecs.send(new ListContainerInstancesCommand({ cluster, status: 'ACTIVE' }))
  if (list.containerInstanceArns?.length === 0) return []
  const out = await t.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: list.containerInstanceArns }))
  return out.containerInstances ?? []
}

describe.skipIf(!hasDocker)(`RunInstances with ECS_CLUSTER in its user data ${DOCKER_SKIP}`, () => {
  it('starts an agent that joins the cluster; TerminateInstances takes it away', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'fleet' }))
    const ec2 = new EC2Client({ endpoint: t.emu.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 })
    const ami = await t.ssm.send(new GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id' }))
    const userData = Buffer.from('#!/bin/bash\necho ECS_CLUSTER=fleet >> /etc/ecs/ecs.config\n').toString('base64')
    const run = await ec2.send(new RunInstancesCommand({
      ImageId: ami.Parameter!.Value!, InstanceType: 't3.small', MinCount: 1, MaxCount: 1, UserData: userData,
      IamInstanceProfile: { Name: 'ecs-emulator-instance-profile' }
    }))
    const instanceId = run.Instances![0].InstanceId!

    const joined = await until(async () => {
      const [ci] = await instances('fleet')
      return ci?.agentConnected === true ? ci : undefined
    }, 'the instance\'s agent in fleet')
    expect(joined.ec2InstanceId).toBe(instanceId)

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }))
    await until(async () => (await instances('fleet')).length === 0, 'no ACTIVE instance left')
  })
})
