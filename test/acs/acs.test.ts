import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, DeregisterContainerInstanceCommand, DescribeContainerInstancesCommand,
  DiscoverPollEndpointCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type ECSClient
} from '@aws-sdk/client-ecs'
import {
  AttachRolePolicyCommand, CreateRoleCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand
} from '@aws-sdk/client-iam'
import { startEmulator, useEmulator, type Credentials } from '../support/emulator.js'
import { allowPolicy, trustService } from '../support/fixtures.js'
import { assumeRoleAsService } from '../../src/sts/sessions.js'
import { assumeTaskRoles } from '../../src/ecs/task-roles.js'
import { AcsHub, FARGATE_CAPABILITY } from '../../src/acs/hub.js'
import type { TaskDefinition } from '../../src/ecs/task-definition.js'
import type { TaskRecord } from '../../src/ecs/task.js'
import { ACCOUNT, FakeAgent, acsQuery, agentUrl, registerAgent, taskRecord, tcsQuery } from './support.js'

const lines: string[] = []
const t = useEmulator({}, { logLines: lines })
const CLUSTER = 'web'
const CLUSTER_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${CLUSTER}`
const agents: FakeAgent[] = []

/** The instance role's credentials as IMDS would hand them to the agent of `instanceId`. */
function instanceCredentials (role: string, instanceId = `i-${randomUUID().replace(/-/g, '').slice(0, 17)}`): Credentials {
  const r = assumeRoleAsService(t.emu.emulator, {
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, service: 'ec2.amazonaws.com', sessionName: instanceId,
    requestId: randomUUID(), region: 'us-east-1', now: new Date()
  })
  if (!r.ok) throw new Error(`cannot assume ${role}`)
  return { accessKeyId: r.session.accessKeyId, secretAccessKey: r.session.secretAccessKey, sessionToken: r.session.sessionToken }
}

let agentCredentials: Credentials
let agentEcs: ECSClient

/** An agent registered, discovered and connected, as the real one does it. */
async function joinedAgent (extra: { name: string, value?: string }[] = []) {
  const arn = await registerAgent(agentEcs, CLUSTER, extra)
  const agent = await connect(arn)
  return { arn, agent }
}

async function connect (arn: string, credentials = agentCredentials): Promise<FakeAgent> {
  const url = await acsUrl(arn)
  const agent = await FakeAgent.connect(url, { credentials })
  agents.push(agent)
  return agent
}

async function acsUrl (arn: string, query: Record<string, string> = {}): Promise<URL> {
  const { endpoint } = await agentEcs.send(new DiscoverPollEndpointCommand({ cluster: CLUSTER, containerInstance: arn }))
  return agentUrl(endpoint!.replace(/\/acs\/$/, '/'), '/acs/ws', acsQuery(CLUSTER, arn, query))
}

async function describeInstance (arn: string) {
  const out = await t.ecs.send(new DescribeContainerInstancesCommand({ cluster: CLUSTER, containerInstances: [arn] }))
  return out.containerInstances![0]
}

async function until<T> (read: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(v)}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** The next PayloadMessage about `taskArn`. */
async function payloadFor (agent: FakeAgent, taskArn: string, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const m = await agent.next('PayloadMessage', Math.max(deadline - Date.now(), 1))
    if (m.tasks[0].arn === taskArn) return m
  }
}

let td: TaskDefinition

/** A task of `td` placed on `arn`, stored as RunTask stores it, and delivered. */
function placeTask (arn: string | undefined, more: Partial<TaskRecord> = {}): TaskRecord {
  const task = taskRecord(td, { containerInstanceArn: arn, ...more })
  t.emu.emulator.ecs.tasks.create(task)
  t.emu.emulator.acs.deliver(task)
  return task
}

const stored = (taskArn: string) => t.emu.emulator.ecs.tasks.byArn(taskArn)!
const logged = (msg: string) => lines.map(l => JSON.parse(l)).filter(l => l.msg === msg)

beforeAll(async () => {
  t.emu.emulator.acs.configure({ heartbeatMs: 150, manifestEvery: 1000 })
  await t.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }))
  await t.iam.send(new CreateRoleCommand({ RoleName: 'agentRole', AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
  await t.iam.send(new AttachRolePolicyCommand({
    RoleName: 'agentRole', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'
  }))
  agentCredentials = instanceCredentials('agentRole')
  agentEcs = t.emu.clients(agentCredentials).ecs
  const registered = await t.ecs.send(new RegisterTaskDefinitionCommand({
    family: 'app', containerDefinitions: [{ name: 'c1', image: 'busybox:latest', memory: 64, command: ['sleep', '300'] }]
  }))
  td = t.emu.emulator.ecs.taskDefinitions.get({ account: ACCOUNT, region: 'us-east-1' }, 'app',
    registered.taskDefinition!.revision!)!
})

afterAll(async () => {
  for (const a of agents) await a.close()
})

describe('the ACS session', () => {
  it('opens for an agent that registered and discovered its endpoint, and marks it agentConnected', async () => {
    const arn = await registerAgent(agentEcs, CLUSTER)
    const { endpoint } = await agentEcs.send(new DiscoverPollEndpointCommand({ cluster: CLUSTER, containerInstance: arn }))
    expect(endpoint).toBe(`${t.emu.url}/acs/`)
    expect((await describeInstance(arn)).agentConnected).toBe(false)

    const agent = await FakeAgent.connect(agentUrl(t.emu.url, '/acs/ws', acsQuery(CLUSTER, arn, { agentVersion: '1.102.0' })),
      { credentials: agentCredentials })
    agents.push(agent)
    const described = await until(() => describeInstance(arn), i => i.agentConnected === true)
    expect(described.versionInfo).toEqual({ agentVersion: '1.102.0', agentHash: '13d0cb7d', dockerVersion: 'DockerVersion: 20.10.24+dfsg1' })

    const heartbeat = await agent.next('HeartbeatMessage')
    expect(heartbeat).toEqual({ healthy: true, messageId: expect.any(String) })
    agent.send('HeartbeatAckRequest', { messageId: heartbeat.messageId })
    const opened = logged('ACS session opened').at(-1)
    expect(opened).toMatchObject({ containerInstance: arn, principal: expect.stringContaining(':assumed-role/agentRole/i-') })

    await agent.close()
    const after = await until(() => describeInstance(arn), i => i.agentConnected === false)
    expect(after.version).toBeGreaterThan(described.version!)
    expect(logged('ACS session closed').some(l => l.containerInstance === arn)).toBe(true)
  })

  it('closes the session of an agent that stops answering heartbeats', async () => {
    const { arn, agent } = await joinedAgent()
    await until(() => describeInstance(arn), i => i.agentConnected === true)
    await agent.closed
    await until(() => describeInstance(arn), i => i.agentConnected === false)
    expect(logged('agent silent: closing its ACS session').some(l => l.containerInstance === arn)).toBe(true)
  })

  it('ends the session of an instance deregistered while its agent is connected', async () => {
    const { arn, agent } = await joinedAgent()
    agent.ackHeartbeats()
    await agent.next('HeartbeatMessage')
    await t.ecs.send(new DeregisterContainerInstanceCommand({ cluster: CLUSTER, containerInstance: arn }))
    expect(await agent.closed).toEqual({ code: 1008, reason: 'InactiveInstanceException' })
    expect((await describeInstance(arn)).agentConnected).toBe(false)
  })

  it('marks every instance disconnected when the control plane starts', async () => {
    const arn = await registerAgent(agentEcs, CLUSTER)
    const store = t.emu.emulator.ecs.containerInstances
    const id = arn.split('/').pop()!
    const scope = { account: ACCOUNT, region: 'us-east-1' }
    store.save({ ...store.get(scope, CLUSTER, id)!, agentConnected: true })
    const hub = new AcsHub(t.emu.emulator)
    hub.close()
    expect(store.get(scope, CLUSTER, id)!.agentConnected).toBe(false)
  })
})

describe('payloads', () => {
  it('pushes a task placed on the instance and records the agent\'s ack', async () => {
    const { arn, agent } = await joinedAgent()
    agent.ackHeartbeats()
    const task = placeTask(arn)

    const payload = await payloadFor(agent, task.taskArn)
    expect(payload).toMatchObject({
      messageId: expect.any(String), clusterArn: CLUSTER_ARN, containerInstanceArn: arn,
      generatedAt: expect.any(Number), seqNum: expect.any(Number)
    })
    expect(payload.tasks[0]).toMatchObject({
      arn: task.taskArn, taskClusterArn: CLUSTER_ARN, family: 'app', version: String(td.revision),
      desiredStatus: 'RUNNING', containers: [{ name: 'c1', image: 'busybox:latest', memory: 64 }]
    })
    agent.send('AckRequest', { cluster: CLUSTER, containerInstance: arn, messageId: payload.messageId })
    await until(() => stored(task.taskArn).acknowledgedStatus, s => s === 'RUNNING')
    expect(logged('payload acknowledged').some(l => l.taskArn === task.taskArn)).toBe(true)
  })

  it('resends on reconnect what the agent must still hear about, with a higher seqNum', async () => {
    const { arn, agent } = await joinedAgent()
    agent.ackHeartbeats()
    const task = placeTask(arn)
    const first = await payloadFor(agent, task.taskArn)
    await agent.close()

    const again = await connect(arn)
    again.ackHeartbeats()
    const resent = await payloadFor(again, task.taskArn)
    expect(resent.messageId).not.toBe(first.messageId)
    expect(resent.seqNum).toBeGreaterThan(first.seqNum)
    again.send('AckRequest', { cluster: CLUSTER, containerInstance: arn, messageId: resent.messageId })
    await until(() => stored(task.taskArn).acknowledgedStatus, s => s === 'RUNNING')
  })

  it('waits for an agent that is not connected, and sends on its first connection', async () => {
    const arn = await registerAgent(agentEcs, CLUSTER)
    const task = placeTask(arn)
    await until(() => logged('payload waits for the agent to connect'), l => l.some(x => x.taskArn === task.taskArn))
    const agent = await connect(arn)
    agent.ackHeartbeats()
    expect((await payloadFor(agent, task.taskArn)).tasks[0].desiredStatus).toBe('RUNNING')
  })

  it('sends STOPPED, and forgets the task once its STOPPED is acknowledged and reported', async () => {
    const { arn, agent } = await joinedAgent()
    agent.ackHeartbeats()
    const task = placeTask(arn)
    const running = await payloadFor(agent, task.taskArn)
    agent.send('AckRequest', { messageId: running.messageId })

    const tasks = t.emu.emulator.ecs.tasks
    const stopping = { ...stored(task.taskArn), desiredStatus: 'STOPPED' as const, version: 2 }
    tasks.save(stopping)
    t.emu.emulator.acs.deliver(stopping)
    const stop = await payloadFor(agent, task.taskArn)
    expect(stop.tasks[0].desiredStatus).toBe('STOPPED')
    agent.send('AckRequest', { messageId: stop.messageId })
    await until(() => stored(task.taskArn).acknowledgedStatus, s => s === 'STOPPED')
    // A late ack of the RUNNING payload does not undo it.
    agent.send('AckRequest', { messageId: running.messageId })
    tasks.save({ ...stored(task.taskArn), lastStatus: 'STOPPED' })
    expect(tasks.byContainerInstance(arn).map(x => x.taskArn)).not.toContain(task.taskArn)

    await agent.close()
    const again = await connect(arn)
    await again.next('HeartbeatMessage')
    expect(again.all('PayloadMessage').map(m => m.tasks[0].arn)).not.toContain(task.taskArn)
  })

  it('delivers what RunTask places on the connected instance', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'solo' }))
    const soloArn = await registerAgent(agentEcs, 'solo')
    const { endpoint } = await agentEcs.send(new DiscoverPollEndpointCommand({ cluster: 'solo', containerInstance: soloArn }))
    const agent = await FakeAgent.connect(agentUrl(endpoint!.replace(/\/acs\/$/, '/'), '/acs/ws', acsQuery('solo', soloArn)),
      { credentials: agentCredentials })
    agents.push(agent)
    agent.ackHeartbeats()
    await until(() => t.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'solo', containerInstances: [soloArn] })),
      o => o.containerInstances![0].agentConnected === true)

    const run = await t.ecs.send(new RunTaskCommand({ cluster: 'solo', taskDefinition: 'app' }))
    expect(run.failures).toEqual([])
    const taskArn = run.tasks![0].taskArn!
    const payload = await payloadFor(agent, taskArn)
    expect(payload).toMatchObject({ clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/solo`, containerInstanceArn: soloArn })
    agent.send('AckRequest', { messageId: payload.messageId })
    await until(() => stored(taskArn).acknowledgedStatus, s => s === 'RUNNING')
  })

  it('gives a FARGATE task to the first agent that runs Fargate tasks once it connects', async () => {
    const task = placeTask(undefined, { launchType: 'FARGATE', networkMode: 'awsvpc' })
    const plain = await joinedAgent()
    plain.agent.ackHeartbeats()
    await plain.agent.next('HeartbeatMessage')

    const fargate = await joinedAgent([{ name: FARGATE_CAPABILITY }])
    fargate.agent.ackHeartbeats()
    const payload = await payloadFor(fargate.agent, task.taskArn)
    expect(payload).toMatchObject({ clusterArn: CLUSTER_ARN, containerInstanceArn: fargate.arn })
    expect(payload.tasks[0]).toMatchObject({ launchType: 'FARGATE', taskClusterArn: CLUSTER_ARN })
    expect(plain.agent.all('PayloadMessage').map(m => m.tasks[0].arn)).not.toContain(task.taskArn)
    fargate.agent.send('AckRequest', { messageId: payload.messageId })
    await until(() => stored(task.taskArn).acknowledgedStatus, s => s === 'RUNNING')
  })
})

describe('the task manifest', () => {
  beforeAll(() => t.emu.emulator.acs.configure({ manifestEvery: 1 }))
  afterAll(() => t.emu.emulator.acs.configure({ manifestEvery: 1000 }))

  it('lists the instance\'s tasks, and stops the ones the agent runs that ECS does not want', async () => {
    const { arn, agent } = await joinedAgent()
    agent.ackHeartbeats()
    const task = placeTask(arn)
    await payloadFor(agent, task.taskArn)

    const manifest = await agent.next('TaskManifestMessage')
    expect(manifest).toMatchObject({ clusterArn: CLUSTER_ARN, containerInstanceArn: arn, timeline: expect.any(Number) })
    expect(manifest.tasks).toContainEqual({ taskArn: task.taskArn, taskClusterArn: CLUSTER_ARN, desiredStatus: 'RUNNING' })
    agent.send('AckRequest', { messageId: manifest.messageId })

    const stranger = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/${CLUSTER}/ffffffffffffffffffffffffffffffff`
    agent.send('TaskStopVerificationMessage', {
      messageId: manifest.messageId,
      stopCandidates: [{ taskArn: stranger, taskClusterArn: CLUSTER_ARN }, { taskArn: task.taskArn, taskClusterArn: CLUSTER_ARN }]
    })
    const ack = await agent.next('TaskStopVerificationAck')
    expect(ack).toEqual({
      messageId: manifest.messageId, generatedAt: expect.any(Number),
      stopTasks: [{ taskArn: stranger, taskClusterArn: CLUSTER_ARN, desiredStatus: 'STOPPED' }]
    })
  })
})

describe('task credentials', () => {
  beforeAll(async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'appRole', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    t.emu.emulator.acs.configure({ credentialsCheckMs: 100, refreshBeforeSeconds: 6 * 3600 + 60 })
  })
  afterAll(() => t.emu.emulator.acs.configure({ credentialsCheckMs: 60_000, refreshBeforeSeconds: 900 }))

  it('renews them before they expire, and stops once the trust policy no longer allows it', async () => {
    const { arn, agent } = await joinedAgent()
    agent.ackHeartbeats()
    const draft = taskRecord(td, { containerInstanceArn: arn, taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/appRole` })
    const roles = assumeTaskRoles(t.emu.emulator, draft, new Date())
    if (!roles.ok) throw roles.error
    const task = { ...draft, roles: roles.roles }
    t.emu.emulator.ecs.tasks.create(task)
    t.emu.emulator.acs.deliver(task)

    const payload = await payloadFor(agent, task.taskArn)
    const given = payload.tasks[0].roleCredentials
    expect(given).toMatchObject({
      credentialsId: roles.roles.task!.credentialsId, roleArn: `arn:aws:iam::${ACCOUNT}:role/appRole`,
      accessKeyId: expect.stringMatching(/^ASIA/), secretAccessKey: expect.any(String), sessionToken: expect.any(String),
      expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    })
    agent.send('AckRequest', { messageId: payload.messageId })

    const refresh = await agent.next('IAMRoleCredentialsMessage')
    expect(refresh).toMatchObject({
      messageId: expect.any(String), taskArn: task.taskArn, taskClusterArn: CLUSTER_ARN, roleType: 'TaskApplication',
      roleCredentials: { credentialsId: given.credentialsId, roleArn: given.roleArn }
    })
    expect(refresh.roleCredentials.accessKeyId).not.toBe(given.accessKeyId)
    expect(stored(task.taskArn).roles.task!.accessKeyId).toBe(refresh.roleCredentials.accessKeyId)
    agent.send('IAMRoleCredentialsAckRequest', { messageId: refresh.messageId, credentialsId: given.credentialsId,
      expiration: refresh.roleCredentials.expiration })

    await t.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'appRole', PolicyDocument: trustService('ec2.amazonaws.com') }))
    await until(() => logged('task credentials could not be renewed'), l => l.some(x => x.taskArn === task.taskArn))
    const count = agent.all('IAMRoleCredentialsMessage').length
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(agent.all('IAMRoleCredentialsMessage').length).toBe(count)
    expect(logged('task credentials could not be renewed').find(x => x.taskArn === task.taskArn))
      .toMatchObject({ errorCode: 'ClientException', message: expect.stringContaining("ECS was unable to assume the role 'arn:aws:iam::000000000000:role/appRole'") })
  })
})

describe('refused upgrades', () => {
  let arn: string
  beforeAll(async () => { arn = await registerAgent(agentEcs, CLUSTER) })

  const forbidden = { status: 403, body: '{"AccessDeniedException":"Forbidden"}' }

  it('refuses an unsigned upgrade with 403 and AccessDeniedException, as ACS answers', async () => {
    expect(await FakeAgent.refused(await acsUrl(arn), { unsigned: true })).toEqual(forbidden)
    expect(logged('agent connection refused').at(-1)).toMatchObject({ reason: 'not signed' })
  })

  it('refuses a forged signature and an unknown key', async () => {
    expect(await FakeAgent.refused(await acsUrl(arn), { credentials: agentCredentials, secret: 'not-the-secret' })).toEqual(forbidden)
    expect(logged('agent connection refused').at(-1).reason).toMatch(/^InvalidSignatureException/)
    expect(await FakeAgent.refused(await acsUrl(arn), { credentials: { accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' } })).toEqual(forbidden)
  })

  it('refuses a Poll the instance role does not allow, the denial in the decision log', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'narrowRole', AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
    await t.iam.send(new PutRolePolicyCommand({
      RoleName: 'narrowRole', PolicyName: 'register-only',
      PolicyDocument: allowPolicy(['ecs:RegisterContainerInstance', 'ecs:DiscoverPollEndpoint'])
    }))
    const narrow = instanceCredentials('narrowRole', 'i-0aaaaaaaaaaaaaaaa')
    const narrowArn = await registerAgent(t.emu.clients(narrow).ecs, CLUSTER)

    expect(await FakeAgent.refused(await acsUrl(narrowArn), { credentials: narrow })).toEqual(forbidden)
    const [decision] = t.emu.emulator.decisions.query({ action: 'ecs:Poll', decision: 'ImplicitDeny', limit: 1 })
    expect(decision).toMatchObject({
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/narrowRole/i-0aaaaaaaaaaaaaaaa`,
      resource: narrowArn,
      context: expect.objectContaining({ 'ecs:cluster': CLUSTER_ARN })
    })
    expect(decision.message).toBe(`User: arn:aws:sts::${ACCOUNT}:assumed-role/narrowRole/i-0aaaaaaaaaaaaaaaa is not authorized to perform: ecs:Poll on resource: ${narrowArn} because no identity-based policy allows the ecs:Poll action`)
    expect(logged('agent connection refused').at(-1)).toMatchObject({ decisionId: decision.id, status: 403 })
    expect((await describeInstance(narrowArn)).agentConnected).toBe(false)
  })

  it('refuses a deregistered instance with InactiveInstanceException', async () => {
    const gone = await registerAgent(agentEcs, CLUSTER)
    await t.ecs.send(new DeregisterContainerInstanceCommand({ cluster: CLUSTER, containerInstance: gone }))
    const refusal = await FakeAgent.refused(await acsUrl(gone), { credentials: agentCredentials })
    expect(refusal.status).toBe(400)
    expect(JSON.parse(refusal.body)).toEqual({ InactiveInstanceException: `Container instance ${gone.split('/').pop()} is inactive.` })
  })

  it('refuses an instance the cluster does not have', async () => {
    const nobody = `arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/${CLUSTER}/00000000000000000000000000000000`
    const refusal = await FakeAgent.refused(agentUrl(t.emu.url, '/acs/ws', acsQuery(CLUSTER, nobody)), { credentials: agentCredentials })
    expect(refusal.status).toBe(400)
    expect(Object.keys(JSON.parse(refusal.body))).toEqual(['InvalidInstanceException'])
  })
})

describe('shutting down', () => {
  it('closes the control plane with agents still connected, ending their sessions', async () => {
    const emu = await startEmulator()
    let closed = false
    try {
      const ecs = emu.clients().ecs
      await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }))
      const arn = await registerAgent(ecs, CLUSTER)
      const agent = await FakeAgent.connect(agentUrl(emu.url, '/acs/ws', acsQuery(CLUSTER, arn)))
      const tcs = await FakeAgent.connect(agentUrl(emu.url, '/tcs/ws', tcsQuery(CLUSTER, arn)))
      await emu.close()
      closed = true
      expect((await agent.closed).code).toBe(1006)
      expect((await tcs.closed).code).toBe(1006)
    } finally {
      if (!closed) await emu.close()
    }
    expect(emu.violations).toEqual([])
  })
})
