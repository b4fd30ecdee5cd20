/**
 * The agent core against a real control plane in this process: joining, ACS work reaching
 * the engine, state changes reaching DescribeTasks, restarts, and the instance role's
 * missing permissions failing as on AWS. The task engine is a fake (no Docker needed).
 */
import { afterAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  CreateClusterCommand, DescribeContainerInstancesCommand, DescribeTasksCommand,
  ListContainerInstancesCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand,
  type ContainerInstance, type RegisterTaskDefinitionCommandInput
} from '@aws-sdk/client-ecs'
import {
  AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, PutRolePolicyCommand
} from '@aws-sdk/client-iam'
import { runAgent, type AgentOptions, type RunningAgent } from '../../agent/main.js'
import { agentAttributes, type DockerHost } from '../../agent/capabilities.js'
import { AGENT_HASH, AGENT_VERSION } from '../../agent/version.js'
import { useEmulator } from '../support/emulator.js'
import { allowPolicy, trustService } from '../support/fixtures.js'
import { captureLog, dataDirs, fakeEngines, until, type FakeEngine } from './fake-engine.js'

const t = useEmulator({ agent: false })
const dirs = dataDirs()
const running: RunningAgent[] = []

afterAll(async () => {
  await Promise.all(running.map(a => a.stop()))
  dirs.cleanup()
})

const HOST: DockerHost = {
  ncpu: 2, memTotal: 4 * 1024 ** 3, serverVersion: '20.10.24+dfsg1', apiVersion: '1.41', minApiVersion: '1.12'
}

const quiet = pino({ level: process.env.ECS_EMULATOR_TEST_LOG ?? 'silent' })

function start (options: AgentOptions): RunningAgent {
  const agent = runAgent({ endpoint: t.emu.url, timeScale: 0.005, dockerInfo: HOST, dataDir: dirs.make(), log: quiet, ...options })
  running.push(agent)
  return agent
}

async function instances (cluster: string): Promise<ContainerInstance[]> {
  const list = await t.ecs.send(new ListContainerInstancesCommand({ cluster }))
  if (list.containerInstanceArns?.length === 0) return []
  const out = await t.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: list.containerInstanceArns }))
  return out.containerInstances ?? []
}

async function instance (cluster: string, arn: string): Promise<ContainerInstance> {
  const out = await t.ecs.send(new DescribeContainerInstancesCommand({ cluster, containerInstances: [arn] }))
  return out.containerInstances![0]
}

const createCluster = async (name: string): Promise<void> => {
  await t.ecs.send(new CreateClusterCommand({ clusterName: name }))
}

async function runTask (cluster: string, family: string,
  more: Partial<RegisterTaskDefinitionCommandInput> = {}): Promise<string> {
  await t.ecs.send(new RegisterTaskDefinitionCommand({
    family,
    containerDefinitions: [{ name: 'app', image: 'ecs-emulator/busybox:latest', memory: 64, essential: true, command: ['sleep', '3600'] }],
    ...more
  }))
  const out = await t.ecs.send(new RunTaskCommand({ cluster, taskDefinition: family, launchType: 'EC2' }))
  expect(out.failures).toEqual([])
  return out.tasks![0].taskArn!
}

const describeTask = async (cluster: string, arn: string) =>
  (await t.ecs.send(new DescribeTasksCommand({ cluster, tasks: [arn] }))).tasks![0]

/** An instance profile whose role (trusted by EC2) has only `actions`. */
async function profileAllowing (name: string, actions: string[]): Promise<void> {
  await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
  await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'agent', PolicyDocument: allowPolicy(actions) }))
  await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }))
  await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }))
}

describe('joining a cluster', () => {
  it('registers an ACTIVE, connected container instance in default, creating the cluster, with every attribute echoed', async () => {
    const engines = fakeEngines()
    const agent = start({ createEngine: engines.create, fargateCapacity: true })
    await agent.connected()

    const arn = agent.containerInstanceArn!
    const ci = await until(async () => {
      const found = await instance('default', arn)
      return found.agentConnected === true ? found : undefined
    }, 'agentConnected')
    expect(ci).toMatchObject({ status: 'ACTIVE', agentConnected: true, ec2InstanceId: agent.instanceId })
    expect(ci.versionInfo).toEqual({ agentVersion: AGENT_VERSION, agentHash: AGENT_HASH, dockerVersion: 'DockerVersion: 20.10.24+dfsg1' })
    const sent = agentAttributes(HOST, { fargateCapacity: true })
    for (const a of sent) expect(ci.attributes).toContainEqual(a.value === undefined ? { name: a.name } : a)
    expect(ci.attributes).toContainEqual({ name: 'ecs-emulator.capability.fargate' })
    expect(ci.attributes).toContainEqual({ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.41' })
    expect(ci.attributes?.find(a => a.name === 'com.amazonaws.ecs.capability.docker-remote-api.1.42')).toBeUndefined()
    expect(ci.attributes?.map(a => a.name)).toContain('ecs.availability-zone')
    const resources = Object.fromEntries((ci.registeredResources ?? []).map(r => [r.name, r]))
    expect(resources.CPU).toMatchObject({ type: 'INTEGER', integerValue: 2048 })
    expect(resources.MEMORY).toMatchObject({ type: 'INTEGER', integerValue: 4096 })
    expect(resources.PORTS).toMatchObject({ type: 'STRINGSET', stringSetValue: ['22', '2375', '2376', '51678', '51679'] })
    expect(resources.PORTS_UDP).toMatchObject({ type: 'STRINGSET', stringSetValue: [] })

    const engine = engines.last()
    expect(engine.started).toBe(true)
    expect(engine.options).toMatchObject({ cluster: 'default', containerInstanceArn: arn, instanceId: agent.instanceId, region: 'us-east-1' })
    await expect(engine.options.instanceCredentials()).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/) })

    expect(await agent.stop()).toBe(0)
    expect(engine.closed).toBe(true)
    await until(async () => (await instance('default', arn)).agentConnected === false, 'agentConnected false')
  })

  it('comes back after being killed as the same container instance, and reports the tasks it adopted', async () => {
    await createCluster('restarts')
    const dataDir = dirs.make()
    const first = fakeEngines([], (task, engine) => setImmediate(() => engine.report(task, 'RUNNING')))
    const a = start({ cluster: 'restarts', dataDir, createEngine: first.create })
    await a.connected()
    const arn = a.containerInstanceArn!
    const taskArn = await runTask('restarts', 'restarts-app')
    await until(async () => (await describeTask('restarts', taskArn)).lastStatus === 'RUNNING', 'RUNNING')

    await a.kill()
    await until(async () => (await instance('restarts', arn)).agentConnected === false, 'agentConnected false')

    const { log, text } = captureLog()
    const second = fakeEngines([taskArn])
    const b = start({ cluster: 'restarts', dataDir, createEngine: second.create, log })
    await b.connected()
    expect(b.containerInstanceArn).toBe(arn)
    expect(b.instanceId).toBe(a.instanceId)
    await until(async () => (await instance('restarts', arn)).agentConnected === true, 'agentConnected true')
    expect(await instances('restarts')).toHaveLength(1)
    await until(() => text().includes('task state change submitted'), 'the adopted task reported')
    expect(text()).toContain('adopted a running task')
    expect((await describeTask('restarts', taskArn)).lastStatus).toBe('RUNNING')
    await b.stop()
  })
})

describe('tasks from ACS', () => {
  it('hands RunTask\'s task to the engine, whose RUNNING and STOPPED reach DescribeTasks', async () => {
    await createCluster('work')
    const engines = fakeEngines([], (task, engine) => {
      setImmediate(() => engine.report(task, task.desiredStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
        task.desiredStatus === 'STOPPED' ? { executionStoppedAt: new Date() } : {}))
    })
    const agent = start({ cluster: 'work', createEngine: engines.create })
    await agent.connected()

    const taskArn = await runTask('work', 'work-app')
    const engine = engines.last()
    const applied = await until(() => engine.applied.find(x => x.arn === taskArn), 'the task in the engine')
    expect(applied).toMatchObject({ arn: taskArn, desiredStatus: 'RUNNING', family: 'work-app', version: '1' })
    expect(applied.containers.map(c => c.name)).toEqual(['app'])
    const task = await until(async () => {
      const d = await describeTask('work', taskArn)
      return d.lastStatus === 'RUNNING' ? d : undefined
    }, 'RUNNING in DescribeTasks')
    expect(task.containers?.[0]).toMatchObject({ name: 'app', lastStatus: 'RUNNING', runtimeId: 'runtime-app' })
    expect(task.containerInstanceArn).toBe(agent.containerInstanceArn)

    await t.ecs.send(new StopTaskCommand({ cluster: 'work', task: taskArn }))
    await until(() => engine.applied.find(x => x.arn === taskArn && x.desiredStatus === 'STOPPED'), 'the stop in the engine')
    const stopped = await until(async () => {
      const d = await describeTask('work', taskArn)
      return d.lastStatus === 'STOPPED' ? d : undefined
    }, 'STOPPED in DescribeTasks')
    expect(stopped).toMatchObject({ desiredStatus: 'STOPPED', stopCode: 'UserInitiated' })
    await agent.stop()
  })
})

describe('credentials and health', () => {
  it('gives the engine the task role\'s credentials from the payload', async () => {
    await createCluster('roles')
    await t.iam.send(new CreateRoleCommand({ RoleName: 'app-task-role', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    const engines = fakeEngines()
    const agent = start({ cluster: 'roles', createEngine: engines.create })
    await agent.connected()

    const taskArn = await runTask('roles', 'roles-app', { taskRoleArn: 'arn:aws:iam::000000000000:role/app-task-role' })
    const engine = engines.last()
    const given = await until(() => engine.credentials.find(c => c.taskArn === taskArn), 'credentials in the engine')
    expect(given.credentials).toMatchObject({
      roleArn: 'arn:aws:iam::000000000000:role/app-task-role', roleType: 'TaskApplication',
      accessKeyId: expect.stringMatching(/^ASIA/), credentialsId: expect.any(String)
    })
    expect(engine.applied.find(x => x.arn === taskArn)?.roleCredentials?.credentialsId).toBe(given.credentials.credentialsId)
    await agent.stop()
  })

  it('publishes the engine\'s container health over TCS, which DescribeTasks shows', async () => {
    await createCluster('health')
    const engines = fakeEngines([], (task, engine) => setImmediate(() => engine.report(task, 'RUNNING')))
    const agent = start({ cluster: 'health', createEngine: engines.create })
    await agent.connected()
    const taskArn = await runTask('health', 'health-app', {
      containerDefinitions: [{
        name: 'app', image: 'ecs-emulator/busybox:latest', memory: 64, essential: true,
        healthCheck: { command: ['CMD-SHELL', 'true'], interval: 5, retries: 1 }
      }]
    })
    await until(async () => (await describeTask('health', taskArn)).lastStatus === 'RUNNING', 'RUNNING')

    engines.last().reportHealth({
      taskArn, family: 'health-app', version: '1',
      containers: [{ containerName: 'app', healthStatus: 'HEALTHY', statusSince: new Date() }]
    })
    const task = await until(async () => {
      const d = await describeTask('health', taskArn)
      return d.healthStatus === 'HEALTHY' ? d : undefined
    }, 'HEALTHY in DescribeTasks')
    expect(task.containers?.[0].healthStatus).toBe('HEALTHY')
    await agent.stop()
  })
})

describe('the instance role\'s permissions', () => {
  it('never joins without ecs:RegisterContainerInstance: the log names the denied call and the agent exits 1, to be restarted (reference § 3.5)', async () => {
    await createCluster('locked')
    await profileAllowing('no-register', ['ecs:DiscoverPollEndpoint', 'ecs:Poll', 'ecs:StartTelemetrySession', 'ecs:SubmitTaskStateChange'])
    const { log, lines } = captureLog()
    const engines = fakeEngines()
    const agent = start({ cluster: 'locked', instanceProfile: 'no-register', createEngine: engines.create, log })

    expect(await agent.exited).toBe(1)
    expect(engines.made).toEqual([])
    expect(await instances('locked')).toEqual([])
    const denied = lines.map(l => JSON.parse(l) as { call?: string, errorCode?: string, msg: string })
      .find(l => l.call === 'ecs:RegisterContainerInstance')
    expect(denied).toMatchObject({ errorCode: 'AccessDeniedException' })
    expect(denied?.msg).toMatch(new RegExp(
      `^Received terminal error from RegisterContainerInstance call, exiting: ecs:RegisterContainerInstance: AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role/no-register/${agent.instanceId} is not authorized to perform: ecs:RegisterContainerInstance on resource: arn:aws:ecs:us-east-1:000000000000:cluster/locked`))
  })

  it('never joins from an instance profile without a role, retrying with the reason in its log', async () => {
    await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'empty-profile' }))
    const { log, lines } = captureLog()
    const engines = fakeEngines()
    const agent = start({ cluster: 'locked', instanceProfile: 'empty-profile', createEngine: engines.create, log })

    const retries = (): string[] => lines.map(l => JSON.parse(l) as { call?: string, msg: string })
      .filter(l => l.call === 'ecs:RegisterContainerInstance').map(l => l.msg)
    await until(() => retries().length >= 2, 'two attempts')
    expect(retries()[0]).toMatch(/^Received non-terminal error from RegisterContainerInstance call, retrying with exponential backoff: ecs:RegisterContainerInstance: ImdsError: the instance has no IAM role/)
    expect(engines.made).toEqual([])
    expect(await agent.stop()).toBe(0)
  })

  it('runs its tasks without ecs:SubmitTaskStateChange, but they stay PENDING, the denied call logged as it retries', async () => {
    await createCluster('no-submit')
    await profileAllowing('no-submit', ['ecs:RegisterContainerInstance', 'ecs:DiscoverPollEndpoint', 'ecs:Poll', 'ecs:StartTelemetrySession'])
    const { log, lines } = captureLog()
    const engines = fakeEngines([], (task, engine) => { setImmediate(() => engine.report(task, 'RUNNING')) })
    const agent = start({ cluster: 'no-submit', instanceProfile: 'no-submit', createEngine: engines.create, log })
    await agent.connected()
    const taskArn = await runTask('no-submit', 'no-submit-app')

    const refused = (): { msg: string }[] => lines.map(l => JSON.parse(l) as { call?: string, msg: string })
      .filter(l => l.call === 'ecs:SubmitTaskStateChange')
    await until(() => refused().length >= 2, 'two refused state changes')
    expect(refused()[0].msg).toMatch(/^Could not submit task state change, retrying: ecs:SubmitTaskStateChange: AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role\/no-submit\/i-[0-9a-f]+ is not authorized to perform: ecs:SubmitTaskStateChange on resource: arn:aws:ecs:us-east-1:000000000000:cluster\/no-submit because no identity-based policy allows the ecs:SubmitTaskStateChange action/)
    expect((await describeTask('no-submit', taskArn)).lastStatus).toBe('PENDING')
    expect(await agent.stop()).toBe(0)
  })

  it('joins without ecs:Poll but stays disconnected, logging the denied ecs:Poll as it retries', async () => {
    await createCluster('no-poll')
    await profileAllowing('no-poll', ['ecs:RegisterContainerInstance', 'ecs:DiscoverPollEndpoint', 'ecs:StartTelemetrySession', 'ecs:SubmitTaskStateChange'])
    const { log, lines } = captureLog()
    const agent = start({ cluster: 'no-poll', instanceProfile: 'no-poll', createEngine: fakeEngines().create, log })

    const polls = (): { msg: string }[] => lines.map(l => JSON.parse(l) as { call?: string, msg: string })
      .filter(l => l.call === 'ecs:Poll')
    await until(() => polls().length >= 3, 'three refused ACS connections')
    expect(polls()[0].msg).toBe('Failed to connect to ACS: ecs:Poll: AccessDeniedException: Forbidden')
    const [ci] = await instances('no-poll')
    expect(ci).toMatchObject({ status: 'ACTIVE', agentConnected: false, containerInstanceArn: agent.containerInstanceArn })
    expect(await agent.stop()).toBe(0)
  })
})
