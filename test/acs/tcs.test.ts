import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, DiscoverPollEndpointCommand, RegisterTaskDefinitionCommand, type ECSClient
} from '@aws-sdk/client-ecs'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { useEmulator, type Credentials } from '../support/emulator.js'
import { allowPolicy, trustService } from '../support/fixtures.js'
import { assumeRoleAsService } from '../../src/sts/sessions.js'
import type { TaskDefinition } from '../../src/ecs/task-definition.js'
import { ACCOUNT, FakeAgent, agentUrl, registerAgent, taskRecord, tcsQuery } from './support.js'

const lines: string[] = []
const t = useEmulator({}, { logLines: lines })
const CLUSTER = 'metrics'
const agents: FakeAgent[] = []
let td: TaskDefinition

function instanceCredentials (role: string, instanceId: string): Credentials {
  const r = assumeRoleAsService(t.emu.emulator, {
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, service: 'ec2.amazonaws.com', sessionName: instanceId,
    requestId: randomUUID(), region: 'us-east-1', now: new Date()
  })
  if (!r.ok) throw new Error(`cannot assume ${role}`)
  return { accessKeyId: r.session.accessKeyId, secretAccessKey: r.session.secretAccessKey, sessionToken: r.session.sessionToken }
}

let credentials: Credentials
let ecs: ECSClient

/** The TCS socket at `telemetryEndpoint` + `ws`, as the agent opens it. */
async function telemetry (arn: string): Promise<URL> {
  const { telemetryEndpoint } = await ecs.send(new DiscoverPollEndpointCommand({ cluster: CLUSTER, containerInstance: arn }))
  expect(telemetryEndpoint).toBe(`${t.emu.url}/tcs/`)
  return agentUrl(telemetryEndpoint!.replace(/\/tcs\/$/, '/'), '/tcs/ws', tcsQuery(CLUSTER, arn))
}

const logged = (msg: string) => lines.map(l => JSON.parse(l)).filter(l => l.msg === msg)

beforeAll(async () => {
  t.emu.emulator.acs.configure({ heartbeatMs: 100 })
  await t.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }))
  await t.iam.send(new CreateRoleCommand({ RoleName: 'agentRole', AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
  await t.iam.send(new PutRolePolicyCommand({
    RoleName: 'agentRole', PolicyName: 'agent',
    PolicyDocument: allowPolicy(['ecs:RegisterContainerInstance', 'ecs:DiscoverPollEndpoint', 'ecs:StartTelemetrySession'])
  }))
  credentials = instanceCredentials('agentRole', 'i-0bbbbbbbbbbbbbbbb')
  ecs = t.emu.clients(credentials).ecs
  const registered = await t.ecs.send(new RegisterTaskDefinitionCommand({
    family: 'checked',
    containerDefinitions: [
      { name: 'web', image: 'busybox:latest', memory: 64, healthCheck: { command: ['CMD-SHELL', 'true'] } },
      { name: 'side', image: 'busybox:latest', memory: 64, essential: false }
    ]
  }))
  td = t.emu.emulator.ecs.taskDefinitions.get({ account: ACCOUNT, region: 'us-east-1' }, 'checked',
    registered.taskDefinition!.revision!)!
})

afterAll(async () => {
  for (const a of agents) await a.close()
})

describe('the TCS session', () => {
  it('acks each publish behind its signed header block, and sends heartbeats', async () => {
    const arn = await registerAgent(ecs, CLUSTER)
    const agent = await FakeAgent.connect(await telemetry(arn), { credentials })
    agents.push(agent)
    expect(await agent.next('HeartbeatMessage')).toEqual({ healthy: true })

    await agent.sendSigned('PublishMetricsRequest', {
      metadata: { cluster: CLUSTER, containerInstance: arn, idle: true, fin: true, messageId: randomUUID() },
      taskMetrics: [], timestamp: Date.now() / 1000
    }, credentials)
    expect(await agent.next('AckPublishMetric')).toEqual({})
    await agent.sendSigned('PublishInstanceStatusRequest', {
      metadata: { cluster: CLUSTER, containerInstance: arn, requestId: randomUUID() },
      statuses: [{ type: 'ContainerRuntime', status: 'OK', lastUpdated: Date.now() / 1000 }], timestamp: Date.now() / 1000
    }, credentials)
    expect(await agent.next('AckPublishInstanceStatus')).toEqual({})
    expect(logged('TCS session opened').at(-1)).toMatchObject({ containerInstance: arn })
  })

  it('applies the container health the agent publishes to the task', async () => {
    const arn = await registerAgent(ecs, CLUSTER)
    const task = taskRecord(td, { cluster: CLUSTER, containerInstanceArn: arn, clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${CLUSTER}` })
    t.emu.emulator.ecs.tasks.create(task)
    const agent = await FakeAgent.connect(await telemetry(arn), { credentials })
    agents.push(agent)

    await agent.sendSigned('PublishHealthRequest', {
      metadata: { cluster: CLUSTER, containerInstance: arn, fin: true, messageId: randomUUID() },
      timestamp: Date.now() / 1000,
      tasks: [{
        taskArn: task.taskArn, taskDefinitionFamily: 'checked', taskDefinitionVersion: String(td.revision),
        containers: [{ containerName: 'web', healthStatus: 'HEALTHY', statusSince: Date.now() / 1000 }]
      }]
    }, credentials)
    expect(await agent.next('AckPublishHealth')).toEqual({})
    const healthy = t.emu.emulator.ecs.tasks.byArn(task.taskArn)!
    expect(healthy.healthStatus).toBe('HEALTHY')
    expect(healthy.containers.find(c => c.name === 'web')!.healthStatus).toBe('HEALTHY')

    await agent.sendSigned('PublishHealthRequest', {
      metadata: { cluster: CLUSTER, containerInstance: arn, fin: true, messageId: randomUUID() },
      tasks: [{ taskArn: task.taskArn, containers: [{ containerName: 'web', healthStatus: 'UNHEALTHY' }] }]
    }, credentials)
    await agent.next('AckPublishHealth')
    expect(t.emu.emulator.ecs.tasks.byArn(task.taskArn)!.healthStatus).toBe('UNHEALTHY')
    expect(logged('task health changed').at(-1)).toMatchObject({ taskArn: task.taskArn, healthStatus: 'UNHEALTHY' })
  })

  it('ignores health for a task another instance runs', async () => {
    const arn = await registerAgent(ecs, CLUSTER)
    const other = await registerAgent(ecs, CLUSTER)
    const task = taskRecord(td, { cluster: CLUSTER, containerInstanceArn: other, clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${CLUSTER}` })
    t.emu.emulator.ecs.tasks.create(task)
    const agent = await FakeAgent.connect(await telemetry(arn), { credentials })
    agents.push(agent)

    await agent.sendSigned('PublishHealthRequest', {
      tasks: [{ taskArn: task.taskArn, containers: [{ containerName: 'web', healthStatus: 'UNHEALTHY' }] }]
    }, credentials)
    await agent.next('AckPublishHealth')
    expect(t.emu.emulator.ecs.tasks.byArn(task.taskArn)!.healthStatus).toBe('UNKNOWN')
  })

  it('refuses a telemetry session the instance role does not allow', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'quietRole', AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
    await t.iam.send(new PutRolePolicyCommand({
      RoleName: 'quietRole', PolicyName: 'agent', PolicyDocument: allowPolicy(['ecs:RegisterContainerInstance', 'ecs:Poll'])
    }))
    const quiet = instanceCredentials('quietRole', 'i-0cccccccccccccccc')
    const arn = await registerAgent(t.emu.clients(quiet).ecs, CLUSTER)
    const refusal = await FakeAgent.refused(agentUrl(t.emu.url, '/tcs/ws', tcsQuery(CLUSTER, arn)), { credentials: quiet })
    expect(refusal).toEqual({ status: 403, body: '{"AccessDeniedException":"Forbidden"}' })
    const [decision] = t.emu.emulator.decisions.query({ action: 'ecs:StartTelemetrySession', limit: 1 })
    expect(decision).toMatchObject({ decision: 'ImplicitDeny', resource: arn })
  })
})
