import { beforeAll, describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, DeleteClusterCommand, DescribeClustersCommand,
  DescribeContainerInstancesCommand, DescribeTasksCommand, ListContainerInstancesCommand,
  ListTagsForResourceCommand, ListTasksCommand, RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand, RunTaskCommand, StartTaskCommand, StopTaskCommand,
  SubmitAttachmentStateChangesCommand, SubmitContainerStateChangeCommand,
  SubmitTaskStateChangeCommand, TagResourceCommand, UpdateTaskProtectionCommand,
  GetTaskProtectionCommand, type ECSClient,
  type RegisterTaskDefinitionCommandInput, type Resource
} from '@aws-sdk/client-ecs'
import { CreateRoleCommand } from '@aws-sdk/client-iam'
import { useEmulator } from '../support/emulator.js'
import { applyContainerHealth, reportTask } from '../../src/ecs/task-state.js'
import { defaultSubnet } from '../../src/ec2/network.js'
import { ACCOUNT, allowPolicy, clusterArn, failure, policyDocument, trustService, userWithKey } from '../support/fixtures.js'

const t = useEmulator()
// Transient statuses (DEPROVISIONING ...) are looked at before they move on: here only
// `taskLifecycle.run()` moves them.
beforeAll(() => { t.emu.emulator.taskLifecycle.dwellMs = 600_000 })
const scope = { account: ACCOUNT, region: 'us-east-1' }
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`
/** The default subnet of us-east-1a (awsvpc tasks need one that exists in EC2). */
const subnetId = () => defaultSubnet(t.emu.emulator.ec2.store, scope)!.id

/** What the agent offers (without awslogs, which a test asks for on purpose). */
const AGENT_ATTRIBUTES: { name: string, value?: string }[] = [
  { name: 'ecs.os-type', value: 'linux' },
  { name: 'com.amazonaws.ecs.capability.task-iam-role' },
  { name: 'ecs.capability.execution-role-ecr-pull' },
  { name: 'ecs.capability.task-eni' },
  { name: 'ecs.capability.container-health-check' },
  { name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }
]

let clusters = 0
let instances = 0

interface InstanceSpec { cpu?: number, memory?: number, attributes?: { name: string, value?: string }[], connected?: boolean, zone?: string }

/** A new cluster with the given container instances, agents connected unless told otherwise. */
async function cluster (specs: InstanceSpec[] = [{}]): Promise<{ name: string, instances: string[] }> {
  const name = `c${clusters++}`
  await t.ecs.send(new CreateClusterCommand({ clusterName: name }))
  const arns: string[] = []
  for (const s of specs) arns.push(await register(name, s))
  return { name, instances: arns }
}

async function register (clusterName: string, s: InstanceSpec): Promise<string> {
  const resources: Resource[] = [
    { name: 'CPU', type: 'INTEGER', integerValue: s.cpu ?? 2048 },
    { name: 'MEMORY', type: 'INTEGER', integerValue: s.memory ?? 4096 },
    { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22', '2375', '2376', '51678', '51679'] },
    { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [] }
  ]
  const { containerInstance } = await t.ecs.send(new RegisterContainerInstanceCommand({
    cluster: clusterName,
    instanceIdentityDocument: JSON.stringify({
      instanceId: `i-0${String(instances++).padStart(16, '0')}`, region: 'us-east-1',
      availabilityZone: s.zone ?? 'us-east-1a', instanceType: 't3.medium', accountId: ACCOUNT,
      imageId: 'ami-0abcdef1234567890', architecture: 'x86_64'
    }),
    totalResources: resources,
    attributes: [...AGENT_ATTRIBUTES, ...(s.attributes ?? [])]
  }))
  const arn = containerInstance!.containerInstanceArn!
  if (s.connected !== false) connect(clusterName, arn)
  return arn
}

/** What the ACS hub does when the agent's websocket opens. */
function connect (clusterName: string, arn: string): void {
  const store = t.emu.emulator.ecs.containerInstances
  const i = store.get(scope, clusterName, arn.split('/').pop()!)!
  store.save({ ...i, agentConnected: true })
}

let families = 0
async function taskDefinition (more: Partial<RegisterTaskDefinitionCommandInput> = {}): Promise<string> {
  const { taskDefinition: td } = await t.ecs.send(new RegisterTaskDefinitionCommand({
    family: `app${families++}`,
    containerDefinitions: [{ name: 'web', image: 'nginx', cpu: 256, memory: 512 }],
    ...more
  }))
  return td!.taskDefinitionArn!
}

async function describeInstance (clusterName: string, arn: string) {
  const out = await t.ecs.send(new DescribeContainerInstancesCommand({ cluster: clusterName, containerInstances: [arn] }))
  return out.containerInstances![0]
}

const remaining = (i: { remainingResources?: Resource[] }, name: string) =>
  i.remainingResources!.find(r => r.name === name)!

async function run (clusterName: string, taskDefinition: string, more: object = {}, client: ECSClient = t.ecs) {
  return client.send(new RunTaskCommand({ cluster: clusterName, taskDefinition, ...more }))
}

describe('RunTask', () => {
  it('places an EC2 task PENDING, books its cpu and memory, and shows the Task shape', async () => {
    const c = await cluster()
    const td = await taskDefinition({ containerDefinitions: [{ name: 'web', image: 'nginx', cpu: 256, memory: 512 }] })
    const before = Date.now() / 1000
    const { tasks, failures } = await run(c.name, td, { startedBy: 'me' })
    expect(failures).toEqual([])
    expect(tasks).toHaveLength(1)
    const task = tasks![0]
    expect(task).toEqual({
      attachments: [],
      attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
      availabilityZone: 'us-east-1a',
      clusterArn: clusterArn(c.name),
      containerInstanceArn: c.instances[0],
      containers: [{
        containerArn: expect.stringMatching(new RegExp(`^arn:aws:ecs:us-east-1:${ACCOUNT}:container/${c.name}/[0-9a-f]{32}/[0-9a-f-]{36}$`)),
        taskArn: task.taskArn,
        name: 'web',
        image: 'nginx',
        lastStatus: 'PENDING',
        networkBindings: [],
        networkInterfaces: [],
        healthStatus: 'UNKNOWN',
        cpu: '256',
        memory: '512'
      }],
      cpu: '256',
      createdAt: expect.any(Date),
      desiredStatus: 'RUNNING',
      enableExecuteCommand: false,
      group: `family:app${families - 1}`,
      healthStatus: 'UNKNOWN',
      lastStatus: 'PENDING',
      launchType: 'EC2',
      memory: '512',
      overrides: { containerOverrides: [{ name: 'web' }], inferenceAcceleratorOverrides: [] },
      startedBy: 'me',
      tags: [],
      taskArn: expect.stringMatching(new RegExp(`^arn:aws:ecs:us-east-1:${ACCOUNT}:task/${c.name}/[0-9a-f]{32}$`)),
      taskDefinitionArn: td,
      version: 1
    })
    expect(task.createdAt!.getTime() / 1000).toBeGreaterThanOrEqual(Math.floor(before))

    const instance = await describeInstance(c.name, c.instances[0])
    expect(remaining(instance, 'CPU').integerValue).toBe(2048 - 256)
    expect(remaining(instance, 'MEMORY').integerValue).toBe(4096 - 512)
    expect(instance.pendingTasksCount).toBe(1)
    expect(instance.runningTasksCount).toBe(0)
  })

  it('authorizes ecs:RunTask on the task definition with the cluster and task keys', async () => {
    const c = await cluster()
    const td = await taskDefinition({ cpu: '512', memory: '1024' })
    await run(c.name, td, { enableExecuteCommand: true, tags: [{ key: 'team', value: 'a' }] })
    const [decision] = t.emu.emulator.decisions.query({ action: 'ecs:RunTask', limit: 1 })
    expect(decision).toMatchObject({
      resource: td,
      context: {
        'ecs:cluster': clusterArn(c.name), 'ecs:enable-execute-command': 'true',
        'ecs:task-cpu': 512, 'ecs:task-memory': 1024, 'aws:TagKeys': ['team']
      }
    })
  })

  it('books static host ports, and refuses a second task on the same port with RESOURCE:PORTS', async () => {
    const c = await cluster()
    const td = await taskDefinition({
      containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128, portMappings: [{ containerPort: 80, hostPort: 8080 }] }]
    })
    expect((await run(c.name, td)).failures).toEqual([])
    const instance = await describeInstance(c.name, c.instances[0])
    expect(remaining(instance, 'PORTS').stringSetValue).toEqual(['22', '2375', '2376', '51678', '51679', '8080'])
    const second = await run(c.name, td)
    expect(second.tasks).toEqual([])
    expect(second.failures).toEqual([{ arn: c.instances[0], reason: 'RESOURCE:PORTS' }])
  })

  it('books the container port of a host-network task', async () => {
    const c = await cluster()
    const td = await taskDefinition({
      networkMode: 'host',
      containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128, portMappings: [{ containerPort: 9000, protocol: 'udp' }] }]
    })
    await run(c.name, td)
    const instance = await describeInstance(c.name, c.instances[0])
    expect(remaining(instance, 'PORTS_UDP').stringSetValue).toEqual(['9000'])
    expect((await run(c.name, td)).failures).toEqual([{ arn: c.instances[0], reason: 'RESOURCE:PORTS_UDP' }])
  })

  it('answers RESOURCE:MEMORY and RESOURCE:CPU for each instance that cannot take the task', async () => {
    const c = await cluster([{ cpu: 1024, memory: 256 }, { cpu: 128, memory: 4096 }])
    const td = await taskDefinition({ containerDefinitions: [{ name: 'web', image: 'nginx', cpu: 512, memory: 512 }] })
    const { tasks, failures } = await run(c.name, td)
    expect(tasks).toEqual([])
    expect(failures).toEqual([
      { arn: c.instances[0], reason: 'RESOURCE:MEMORY' },
      { arn: c.instances[1], reason: 'RESOURCE:CPU' }
    ])
  })

  it('answers AGENT for an instance whose agent is not connected', async () => {
    const c = await cluster([{ connected: false }])
    const { failures } = await run(c.name, await taskDefinition())
    expect(failures).toEqual([{ arn: c.instances[0], reason: 'AGENT' }])
  })

  it('answers ATTRIBUTE, naming it, when the instance lacks an attribute the definition requires', async () => {
    const c = await cluster()
    const td = await taskDefinition({
      containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128, logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-region': 'us-east-1' } } }]
    })
    const { failures } = await run(c.name, td)
    expect(failures).toEqual([{ arn: c.instances[0], reason: 'ATTRIBUTE', detail: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }])
  })

  it('places partly with count: the tasks that fit, and failures for the rest', async () => {
    const c = await cluster([{ memory: 1024 }])
    const td = await taskDefinition({ containerDefinitions: [{ name: 'web', image: 'nginx', memory: 400 }] })
    const { tasks, failures } = await run(c.name, td, { count: 3 })
    expect(tasks).toHaveLength(2)
    expect(failures).toEqual([{ arn: c.instances[0], reason: 'RESOURCE:MEMORY' }])
  })

  it('fails with InvalidParameterException when the cluster has no container instance', async () => {
    const c = await cluster([])
    const e = await failure(run(c.name, await taskDefinition()))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('No Container Instances were found in your cluster.')
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(run('nowhere', await taskDefinition()))
    expect(e.name).toBe('ClusterNotFoundException')
    expect(e.message).toBe('Cluster not found.')
  })

  it('fails with ClientException when the task definition is missing', async () => {
    const c = await cluster()
    const e = await failure(run(c.name, 'nothing-here:3'))
    expect(e.name).toBe('ClientException')
    expect(e.message).toBe('TaskDefinition not found.')
  })

  it('refuses more than 10 tasks', async () => {
    const c = await cluster()
    const e = await failure(run(c.name, await taskDefinition(), { count: 11 }))
    expect(e.name).toBe('InvalidParameterException')
  })

  it('honours memberOf constraints (the cluster query language) and distinctInstance', async () => {
    const c = await cluster([{ attributes: [{ name: 'stack', value: 'blue' }] }, { attributes: [{ name: 'stack', value: 'green' }] }])
    const td = await taskDefinition({ containerDefinitions: [{ name: 'web', image: 'nginx', memory: 64 }] })
    const green = await run(c.name, td, { count: 2, placementConstraints: [{ type: 'memberOf', expression: 'attribute:stack == green' }] })
    expect(green.tasks!.map(x => x.containerInstanceArn)).toEqual([c.instances[1], c.instances[1]])
    const none = await run(c.name, td, { placementConstraints: [{ type: 'memberOf', expression: 'attribute:stack == red' }] })
    expect(none.failures).toEqual([
      { arn: c.instances[0], reason: 'MemberOf placement constraint unsatisfied.' },
      { arn: c.instances[1], reason: 'MemberOf placement constraint unsatisfied.' }
    ])

    const distinct = await run(c.name, td, { count: 3, group: 'spread-me', placementConstraints: [{ type: 'distinctInstance' }] })
    expect(new Set(distinct.tasks!.map(x => x.containerInstanceArn)).size).toBe(2)
    expect(distinct.failures).toEqual([
      { arn: c.instances[0], reason: 'DistinctInstance placement constraint unsatisfied.' },
      { arn: c.instances[1], reason: 'DistinctInstance placement constraint unsatisfied.' }
    ])

    const byGroup = await run(c.name, td, { placementConstraints: [{ type: 'memberOf', expression: 'task:group == spread-me' }] })
    expect(byGroup.tasks).toHaveLength(1)
    const listed = (filter: string) => t.ecs.send(new ListContainerInstancesCommand({ cluster: c.name, filter }))
    expect((await listed('task:group == spread-me')).containerInstanceArns).toEqual(c.instances)
    expect((await listed('task:group in [nobody, other]')).containerInstanceArns).toEqual([])
    expect((await listed('not(task:group == spread-me)')).containerInstanceArns).toEqual([])
  })

  it('binpacks on memory and spreads over an attribute', async () => {
    const c = await cluster([{ memory: 4096, zone: 'us-east-1a' }, { memory: 2048, zone: 'us-east-1b' }])
    const td = await taskDefinition({ containerDefinitions: [{ name: 'web', image: 'nginx', memory: 256 }] })
    const packed = await run(c.name, td, { count: 3, placementStrategy: [{ type: 'binpack', field: 'memory' }] })
    expect(packed.tasks!.map(x => x.containerInstanceArn)).toEqual([c.instances[1], c.instances[1], c.instances[1]])
    const spread = await run(c.name, td, { count: 2, group: 'zones', placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }] })
    expect(new Set(spread.tasks!.map(x => x.availabilityZone))).toEqual(new Set(['us-east-1a', 'us-east-1b']))
  })

  it('applies container and task overrides, and shows them back', async () => {
    const c = await cluster()
    const td = await taskDefinition({
      containerDefinitions: [
        { name: 'web', image: 'nginx', cpu: 128, memory: 256, environment: [{ name: 'A', value: '1' }] },
        { name: 'side', image: 'busybox', memory: 64, essential: false }
      ]
    })
    const overrides = {
      containerOverrides: [{ name: 'web', command: ['sleep', '1'], environment: [{ name: 'B', value: '2' }], cpu: 512, memory: 1024 }],
      memory: '2048'
    }
    const { tasks } = await run(c.name, td, { overrides })
    const task = tasks![0]
    expect(task.overrides).toEqual({
      containerOverrides: [overrides.containerOverrides[0], { name: 'side' }], memory: '2048', inferenceAcceleratorOverrides: []
    })
    expect(task.memory).toBe('2048')
    expect(task.cpu).toBe('512')
    expect(task.containers!.map(x => [x.name, x.cpu, x.memory])).toEqual([['web', '512', '1024'], ['side', '0', '64']])
    const instance = await describeInstance(c.name, c.instances[0])
    expect(remaining(instance, 'MEMORY').integerValue).toBe(4096 - 2048)
    expect(remaining(instance, 'CPU').integerValue).toBe(2048 - 512)
  })

  it('refuses an override for a container the definition does not have', async () => {
    const c = await cluster()
    const e = await failure(run(c.name, await taskDefinition(), { overrides: { containerOverrides: [{ name: 'ghost' }] } }))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Override for container named ghost is not a container in the TaskDefinition.')
  })

  it('tags the tasks (with the definition\'s when propagated) and lists them with TAGS', async () => {
    const c = await cluster()
    const td = await taskDefinition({ tags: [{ key: 'from', value: 'td' }] })
    const { tasks } = await run(c.name, td, { tags: [{ key: 'team', value: 'a' }], propagateTags: 'TASK_DEFINITION' })
    const arn = tasks![0].taskArn!
    expect(tasks![0].tags).toEqual([{ key: 'from', value: 'td' }, { key: 'team', value: 'a' }])
    const plain = await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))
    expect(plain.tasks![0].tags).toEqual([])
    await t.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'more', value: 'x' }] }))
    const tagged = await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn], include: ['TAGS'] }))
    expect(tagged.tasks![0].tags).toEqual([{ key: 'from', value: 'td' }, { key: 'team', value: 'a' }, { key: 'more', value: 'x' }])
    const listed = await t.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))
    expect(listed.tags).toHaveLength(3)
  })

  it('places many concurrent calls without over-committing an instance', async () => {
    const c = await cluster([{ memory: 2048, cpu: 8192 }, { memory: 1024, cpu: 8192 }])
    const td = await taskDefinition({ containerDefinitions: [{ name: 'web', image: 'nginx', memory: 256 }] })
    const results = await Promise.all(Array.from({ length: 30 }, () => run(c.name, td)))
    const placed = results.flatMap(r => r.tasks ?? [])
    expect(placed).toHaveLength(12)
    expect(results.filter(r => r.failures!.length > 0)).toHaveLength(18)
    for (const arn of c.instances) {
      const instance = await describeInstance(c.name, arn)
      expect(remaining(instance, 'MEMORY').integerValue).toBe(0)
      expect(instance.pendingTasksCount).toBe(placed.filter(x => x.containerInstanceArn === arn).length)
    }
  })
})

describe('RunTask roles', () => {
  it('checks iam:PassRole on each role, with iam:PassedToService', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'appRole', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    await t.iam.send(new CreateRoleCommand({ RoleName: 'otherRole', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    const c = await cluster()
    const td = await taskDefinition({ taskRoleArn: 'appRole' })
    const dev = await userWithKey(t.iam, 'runner', policyDocument(
      { Effect: 'Allow', Action: 'ecs:RunTask', Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: role('appRole'), Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } }
    ))
    const client = t.emu.clients(dev).ecs
    const { tasks } = await run(c.name, td, {}, client)
    expect(tasks).toHaveLength(1)

    const e = await failure(run(c.name, td, { overrides: { taskRoleArn: role('otherRole') } }, client))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/runner is not authorized to perform: iam:PassRole on resource: ${role('otherRole')} because no identity-based policy allows the iam:PassRole action`)
  })

  it('is refused for a narrow user without ecs:RunTask', async () => {
    const c = await cluster()
    const td = await taskDefinition()
    const dev = await userWithKey(t.iam, 'reader', allowPolicy('ecs:DescribeTasks'))
    const e = await failure(run(c.name, td, {}, t.emu.clients(dev).ecs))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/reader is not authorized to perform: ecs:RunTask on resource: ${td} because no identity-based policy allows the ecs:RunTask action`)
  })

  it('assumes the task and execution roles as ecs-tasks.amazonaws.com, session named after the task', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'execRole', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    const c = await cluster()
    const td = await taskDefinition({ taskRoleArn: 'appRole', executionRoleArn: 'execRole' })
    const { tasks } = await run(c.name, td)
    const task = t.emu.emulator.ecs.tasks.byArn(tasks![0].taskArn!)!
    expect(task.roles.task).toMatchObject({ roleArn: role('appRole'), credentialsId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
    expect(task.roles.execution).toMatchObject({ roleArn: role('execRole') })
    const session = t.emu.emulator.sessions.get(task.roles.task!.accessKeyId)!
    expect(session).toMatchObject({ roleName: 'appRole', roleSessionName: task.id })
    const [assumed] = t.emu.emulator.decisions.query({ action: 'sts:AssumeRole', principal: 'ecs-tasks.amazonaws.com', limit: 1 })
    expect(assumed).toMatchObject({ onBehalfOf: task.taskArn, context: { 'aws:SourceArn': task.taskArn, 'aws:SourceAccount': ACCOUNT } })
  })

  it('fails with ClientException when the role does not trust ecs-tasks.amazonaws.com', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'ec2Role', AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
    const c = await cluster()
    const td = await taskDefinition({ executionRoleArn: 'ec2Role' })
    const e = await failure(run(c.name, td))
    expect(e.name).toBe('ClientException')
    expect(e.message).toBe(`ECS was unable to assume the role '${role('ec2Role')}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`)
    const instance = await describeInstance(c.name, c.instances[0])
    expect(instance.pendingTasksCount).toBe(0)
  })
})

describe('RunTask on Fargate', () => {
  const fargate = { requiresCompatibilities: ['FARGATE' as const], networkMode: 'awsvpc' as const, cpu: '256', memory: '512' }
  const network = { awsvpcConfiguration: { subnets: [] as string[], assignPublicIp: 'ENABLED' as const } }
  beforeAll(() => { network.awsvpcConfiguration.subnets.push(subnetId()) })

  it('starts PROVISIONING with an ENI attachment, platform 1.4.0 and no container instance', async () => {
    const c = await cluster([])
    const td = await taskDefinition({ ...fargate, containerDefinitions: [{ name: 'web', image: 'nginx' }] })
    const { tasks } = await run(c.name, td, { launchType: 'FARGATE', networkConfiguration: network })
    const task = tasks![0]
    expect(task).toMatchObject({
      lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING', launchType: 'FARGATE', capacityProviderName: 'FARGATE',
      platformVersion: '1.4.0', platformFamily: 'Linux', cpu: '256', memory: '512', ephemeralStorage: { sizeInGiB: 20 },
      attachments: [{
        id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'ElasticNetworkInterface', status: 'PRECREATED',
        details: expect.arrayContaining([{ name: 'subnetId', value: network.awsvpcConfiguration.subnets[0] }])
      }]
    })
    expect(task.containerInstanceArn).toBeUndefined()
    expect(task.containers![0].networkInterfaces).toEqual([])
  })

  it('takes FARGATE from a capacity provider strategy', async () => {
    const name = `cp${clusters++}`
    await t.ecs.send(new CreateClusterCommand({ clusterName: name, capacityProviders: ['FARGATE_SPOT'] }))
    const td = await taskDefinition(fargate)
    const { tasks } = await run(name, td, { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }], networkConfiguration: network })
    expect(tasks![0]).toMatchObject({ launchType: 'FARGATE', capacityProviderName: 'FARGATE_SPOT' })
    const e = await failure(run(name, td, { launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }], networkConfiguration: network }))
    expect(e.name).toBe('InvalidParameterException')
  })

  it('refuses awsvpc without a network configuration, and a network configuration for bridge', async () => {
    const c = await cluster()
    const e = await failure(run(c.name, await taskDefinition(fargate), { launchType: 'FARGATE' }))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("Network Configuration must be provided when networkMode 'awsvpc' is specified.")
    const bridge = await failure(run(c.name, await taskDefinition(), { networkConfiguration: network }))
    expect(bridge.message).toBe('Network Configuration is not valid for the given networkMode of this task definition.')
    const publicIp = await failure(run(c.name, await taskDefinition({ networkMode: 'awsvpc' }), { networkConfiguration: network }))
    expect(publicIp.message).toBe('Assign public IP is not supported for this launch type.')
  })

  it('refuses a definition that is not Fargate-compatible', async () => {
    const c = await cluster()
    const td = await taskDefinition({ containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128, privileged: true }] })
    const e = await failure(run(c.name, td, { launchType: 'FARGATE', networkConfiguration: network }))
    expect(e.name).toBe('ClientException')
    expect(e.message).toBe('Task definition does not support launch_type FARGATE.')
  })
})

describe('StartTask', () => {
  it('starts one task on each named instance, MISSING for one the cluster does not have', async () => {
    const c = await cluster([{}, {}])
    const td = await taskDefinition()
    const missing = `arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/${c.name}/0123456789abcdef0123456789abcdef`
    const { tasks, failures } = await t.ecs.send(new StartTaskCommand({
      cluster: c.name, taskDefinition: td, containerInstances: [c.instances[0], c.instances[1].split('/').pop()!, missing]
    }))
    expect(tasks!.map(x => x.containerInstanceArn)).toEqual(c.instances)
    expect(failures).toEqual([{ arn: missing, reason: 'MISSING' }])
    const [decision] = t.emu.emulator.decisions.query({ action: 'ecs:StartTask', limit: 1 })
    expect(decision.context).toMatchObject({ 'ecs:cluster': clusterArn(c.name), 'ecs:container-instances': [...c.instances, missing] })
  })
})

/** The agent's report, as the agent sends it. */
const report = (clusterName: string, task: string, status: string, more: object = {}) =>
  t.ecs.send(new SubmitTaskStateChangeCommand({ cluster: clusterName, task, status, ...more }))

describe('task lifecycle', () => {
  it('moves PENDING → RUNNING → STOPPING → STOPPED on the agent\'s reports and StopTask, and returns the reservation', async () => {
    const c = await cluster()
    const td = await taskDefinition({
      containerDefinitions: [{ name: 'web', image: 'nginx', memory: 512, portMappings: [{ containerPort: 80, hostPort: 8080 }] }]
    })
    const arn = (await run(c.name, td)).tasks![0].taskArn!
    const ack = await report(c.name, arn, 'RUNNING', {
      pullStartedAt: new Date(), pullStoppedAt: new Date(),
      containers: [{ containerName: 'web', status: 'RUNNING', runtimeId: 'abc', networkBindings: [{ bindIP: '0.0.0.0', containerPort: 80, hostPort: 8080, protocol: 'tcp' }] }]
    })
    expect(ack.acknowledgment).toBe('ACK')
    let [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task).toMatchObject({ lastStatus: 'RUNNING', connectivity: 'CONNECTED', version: 2 })
    expect(task.startedAt).toBeInstanceOf(Date)
    expect(task.pullStartedAt).toBeInstanceOf(Date)
    expect(task.containers![0]).toMatchObject({ lastStatus: 'RUNNING', runtimeId: 'abc', networkBindings: [{ hostPort: 8080 }] })
    let instance = await describeInstance(c.name, c.instances[0])
    expect([instance.runningTasksCount, instance.pendingTasksCount]).toEqual([1, 0])
    const clusterNow = (await t.ecs.send(new DescribeClustersCommand({ clusters: [c.name], include: ['STATISTICS'] }))).clusters![0]
    expect(clusterNow.runningTasksCount).toBe(1)
    expect(clusterNow.statistics).toContainEqual({ name: 'runningEC2TasksCount', value: '1' })
    const refused = await failure(t.ecs.send(new DeleteClusterCommand({ cluster: c.name })))
    expect(refused.name).toBe('ClusterContainsTasksException')

    const stopped = await t.ecs.send(new StopTaskCommand({ cluster: c.name, task: arn }))
    expect(stopped.task).toMatchObject({ lastStatus: 'STOPPING', desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user', version: 3 })
    expect(stopped.task!.stoppingAt).toBeInstanceOf(Date)

    await report(c.name, arn, 'STOPPED', { containers: [{ containerName: 'web', status: 'STOPPED', exitCode: 143 }] });
    [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task).toMatchObject({ lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' })
    expect(task.containers![0]).toMatchObject({ lastStatus: 'STOPPED', exitCode: 143 })
    expect(task.stoppedAt).toBeInstanceOf(Date)
    expect(task.executionStoppedAt).toBeInstanceOf(Date)
    instance = await describeInstance(c.name, c.instances[0])
    expect([instance.runningTasksCount, instance.pendingTasksCount]).toEqual([0, 0])
    expect(remaining(instance, 'MEMORY').integerValue).toBe(4096)
    expect(remaining(instance, 'PORTS').stringSetValue).toEqual(['22', '2375', '2376', '51678', '51679'])
    expect(t.emu.emulator.ecs.tasks.byContainerInstance(c.instances[0])).toEqual([])
  })

  it('stops a running task with EssentialContainerExited when an essential container exits', async () => {
    const c = await cluster()
    const arn = (await run(c.name, await taskDefinition())).tasks![0].taskArn!
    await report(c.name, arn, 'RUNNING')
    await report(c.name, arn, 'RUNNING', { containers: [{ containerName: 'web', status: 'STOPPED', exitCode: 1 }] })
    let [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task).toMatchObject({ lastStatus: 'STOPPING', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' })
    await report(c.name, arn, 'STOPPED');
    [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited', containers: [{ exitCode: 1 }] })
  })

  it('marks a task that stops before it ran TaskFailedToStart, with the agent\'s reason and the denial behind it', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'bareExec', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    const c = await cluster()
    const arn = (await run(c.name, await taskDefinition({ executionRoleArn: 'bareExec' }))).tasks![0].taskArn!
    const record = t.emu.emulator.ecs.tasks.byArn(arn)!
    const session = t.emu.emulator.sessions.get(record.roles.execution!.accessKeyId)!
    const asExecution = t.emu.clients({ accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken })
    const denied = await failure(asExecution.ecs.send(new ListTasksCommand({ cluster: c.name })))
    expect(denied.name).toBe('AccessDeniedException')

    await report(c.name, arn, 'PENDING')
    const reason = 'ResourceInitializationError: unable to pull secrets or registry auth'
    await report(c.name, arn, 'STOPPED', { reason, containers: [{ containerName: 'web', status: 'STOPPED', reason }] })
    const [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: reason })
    const [decision] = t.emu.emulator.decisions.query({ principal: `arn:aws:sts::${ACCOUNT}:assumed-role/bareExec/${record.id}`, limit: 1 })
    expect(t.emu.emulator.ecs.tasks.byArn(arn)!.stoppedDecisionId).toBe(decision.id)
  })

  it('accepts the cluster as an ARN, and refuses a task it does not know', async () => {
    const c = await cluster()
    const arn = (await run(c.name, await taskDefinition())).tasks![0].taskArn!
    await report(clusterArn(c.name), arn, 'RUNNING')
    const e = await failure(report(c.name, `${arn.slice(0, -4)}ffff`, 'RUNNING'))
    expect(e.name).toBe('InvalidParameterException')
  })
})

describe('StopTask', () => {
  it('keeps the given reason, and the first stop\'s', async () => {
    const c = await cluster()
    const arn = (await run(c.name, await taskDefinition())).tasks![0].taskArn!
    const first = await t.ecs.send(new StopTaskCommand({ cluster: c.name, task: arn.split('/').pop()!, reason: 'done' }))
    expect(first.task).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: 'done', lastStatus: 'PENDING' })
    const second = await t.ecs.send(new StopTaskCommand({ cluster: c.name, task: arn }))
    expect(second.task).toMatchObject({ stoppedReason: 'done', version: first.task!.version })
  })

  it('fails with InvalidParameterException for a task that does not exist', async () => {
    const c = await cluster()
    const e = await failure(t.ecs.send(new StopTaskCommand({ cluster: c.name, task: '0123456789abcdef0123456789abcdef' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('The referenced task was not found.')
  })
})

describe('DescribeTasks', () => {
  it('answers MISSING for a task it does not know, by the ARN the reference makes', async () => {
    const c = await cluster()
    const { tasks, failures } = await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: ['0123456789abcdef0123456789abcdef'] }))
    expect(tasks).toEqual([])
    expect(failures).toEqual([{ arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/${c.name}/0123456789abcdef0123456789abcdef`, reason: 'MISSING' }])
  })
})

describe('a stopped task', () => {
  it('is listed and described for an hour after it stops, then MISSING with its tags gone; a running one stays', async () => {
    const c = await cluster()
    const td = await taskDefinition()
    const [stopping, running] = (await run(c.name, td, { count: 2, tags: [{ key: 'team', value: 'a' }] })).tasks!.map(x => x.taskArn!)
    for (const arn of [stopping, running]) await report(c.name, arn, 'RUNNING')
    await t.ecs.send(new StopTaskCommand({ cluster: c.name, task: stopping }))
    await report(c.name, stopping, 'STOPPED')
    const stoppedAt = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [stopping] }))).tasks![0].stoppedAt!.getTime()
    const describe = async () => await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [stopping, running] }))
    const listed = async (desiredStatus: 'RUNNING' | 'STOPPED') =>
      (await t.ecs.send(new ListTasksCommand({ cluster: c.name, desiredStatus }))).taskArns

    t.emu.emulator.expireStoppedTasks(stoppedAt + 3_599_000)
    expect((await describe()).tasks!.map(x => x.lastStatus)).toEqual(['STOPPED', 'RUNNING'])
    expect(await listed('STOPPED')).toEqual([stopping])

    t.emu.emulator.expireStoppedTasks(stoppedAt + 3_601_000)
    const after = await describe()
    expect(after.tasks!.map(x => x.taskArn)).toEqual([running])
    expect(after.failures).toEqual([{ arn: stopping, reason: 'MISSING' }])
    expect(await listed('STOPPED')).toEqual([])
    expect(await listed('RUNNING')).toEqual([running])
    expect(t.emu.emulator.tags.list(stopping)).toEqual([])
    expect(t.emu.emulator.tags.list(running)).toEqual([{ key: 'team', value: 'a' }])
  })
})

describe('ListTasks', () => {
  it('filters by family, container instance, desired status, startedBy and launch type, and pages', async () => {
    const c = await cluster([{}, {}])
    const a = await taskDefinition()
    const b = await taskDefinition()
    const familyA = a.split('/').pop()!.split(':')[0]
    const first = (await t.ecs.send(new StartTaskCommand({ cluster: c.name, taskDefinition: a, containerInstances: [c.instances[0]], startedBy: 'ci' }))).tasks![0]
    const second = (await t.ecs.send(new StartTaskCommand({ cluster: c.name, taskDefinition: a, containerInstances: [c.instances[1]] }))).tasks![0]
    const third = (await t.ecs.send(new StartTaskCommand({ cluster: c.name, taskDefinition: b, containerInstances: [c.instances[1]] }))).tasks![0]
    await t.ecs.send(new StopTaskCommand({ cluster: c.name, task: third.taskArn }))
    const list = async (more: object) => (await t.ecs.send(new ListTasksCommand({ cluster: c.name, ...more }))).taskArns

    expect(await list({})).toEqual([first.taskArn, second.taskArn])
    expect(await list({ family: familyA })).toEqual([first.taskArn, second.taskArn])
    expect(await list({ containerInstance: c.instances[1] })).toEqual([second.taskArn])
    expect(await list({ desiredStatus: 'STOPPED' })).toEqual([third.taskArn])
    expect(await list({ desiredStatus: 'PENDING' })).toEqual([])
    expect(await list({ startedBy: 'ci' })).toEqual([first.taskArn])
    expect(await list({ launchType: 'FARGATE' })).toEqual([])
    const page = await t.ecs.send(new ListTasksCommand({ cluster: c.name, maxResults: 1 }))
    expect(page.taskArns).toEqual([first.taskArn])
    const next = await t.ecs.send(new ListTasksCommand({ cluster: c.name, maxResults: 1, nextToken: page.nextToken }))
    expect(next.taskArns).toEqual([second.taskArn])
    expect(next.nextToken).toBeUndefined()
  })
})

describe('the agent\'s other reports', () => {
  it('SubmitContainerStateChange updates one container', async () => {
    const c = await cluster()
    const td = await taskDefinition({
      containerDefinitions: [{ name: 'web', image: 'nginx', memory: 64 }, { name: 'side', image: 'busybox', memory: 64, essential: false }]
    })
    const arn = (await run(c.name, td)).tasks![0].taskArn!
    await report(c.name, arn, 'RUNNING')
    const ack = await t.ecs.send(new SubmitContainerStateChangeCommand({ cluster: c.name, task: arn, containerName: 'side', status: 'STOPPED', exitCode: 0, runtimeId: 'r1' }))
    expect(ack.acknowledgment).toBe('ACK')
    const [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING', version: 3 })
    expect(task.containers!.find(x => x.name === 'side')).toMatchObject({ lastStatus: 'STOPPED', exitCode: 0, runtimeId: 'r1' })
  })

  it('SubmitAttachmentStateChanges and the task\'s own reports move an awsvpc task\'s ENI', async () => {
    const c = await cluster()
    const td = await taskDefinition({ networkMode: 'awsvpc' })
    const network = { awsvpcConfiguration: { subnets: [subnetId()] } }
    const { tasks } = await run(c.name, td, { networkConfiguration: network })
    const arn = tasks![0].taskArn!
    expect(tasks![0].lastStatus).toBe('PROVISIONING')
    const attachment = tasks![0].attachments![0]
    await t.ecs.send(new SubmitAttachmentStateChangesCommand({
      cluster: c.name, attachments: [{ attachmentArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:attachment/${attachment.id!}`, status: 'ATTACHED' }]
    }))
    let [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task.attachments![0].status).toBe('ATTACHED')
    // This emulator's agent adds the address it got; ECS's wire shape has no member for it.
    const record = t.emu.emulator.ecs.tasks.byArn(arn)!
    const addressed = reportTask(record, { attachments: [{ attachmentArn: attachment.id!, status: 'ATTACHED', privateIPv4Address: '172.18.0.5' }] }, new Date())
    expect(addressed.attachments[0].details).toContainEqual({ name: 'privateIPv4Address', value: '172.18.0.5' })
    expect(addressed.attachments[0].details).toContainEqual({ name: 'privateDnsName', value: 'ip-172-18-0-5.ec2.internal' })
    expect(addressed.containers[0].networkInterfaces).toEqual([{ attachmentId: attachment.id, privateIpv4Address: '172.18.0.5' }])
    await report(c.name, arn, 'STOPPED', { reason: 'CannotPullContainerError: pull access denied' });
    // Never started: PROVISIONING → PENDING → DEPROVISIONING (the ENI detached) → STOPPED.
    [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task).toMatchObject({ lastStatus: 'DEPROVISIONING', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: pull access denied' })
    expect(task.attachments![0].status).toBe('DETACHING')
    expect(task.stoppedAt).toBeUndefined()
    t.emu.emulator.taskLifecycle.run();
    [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart' })
    expect(task.attachments![0].status).toBe('DELETED')
    expect(task.stoppedAt).toBeInstanceOf(Date)
  })

  it('applyContainerHealth sets the containers\' and the task\'s health', async () => {
    const c = await cluster()
    const td = await taskDefinition({
      containerDefinitions: [
        { name: 'web', image: 'nginx', memory: 64, healthCheck: { command: ['CMD-SHELL', 'true'] } },
        { name: 'side', image: 'busybox', memory: 64 }
      ]
    })
    const arn = (await run(c.name, td)).tasks![0].taskArn!
    applyContainerHealth(t.emu.emulator, arn, [{ containerName: 'web', healthStatus: 'HEALTHY' }])
    let [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task.healthStatus).toBe('HEALTHY')
    expect(task.containers!.map(x => x.healthStatus)).toEqual(['HEALTHY', 'UNKNOWN'])
    applyContainerHealth(t.emu.emulator, arn, [{ containerName: 'web', healthStatus: 'UNHEALTHY' }]);
    [task] = (await t.ecs.send(new DescribeTasksCommand({ cluster: c.name, tasks: [arn] }))).tasks!
    expect(task.healthStatus).toBe('UNHEALTHY')
  })
})

describe('task protection', () => {
  it('UpdateTaskProtection protects for the given minutes; GetTaskProtection reads it back', async () => {
    const c = await cluster()
    const arn = (await run(c.name, await taskDefinition())).tasks![0].taskArn!
    const missing = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/${c.name}/0123456789abcdef0123456789abcdef`
    const before = Date.now()
    const updated = await t.ecs.send(new UpdateTaskProtectionCommand({ cluster: c.name, tasks: [arn, missing], protectionEnabled: true, expiresInMinutes: 60 }))
    expect(updated.protectedTasks).toEqual([{ taskArn: arn, protectionEnabled: true, expirationDate: expect.any(Date) }])
    expect(updated.protectedTasks![0].expirationDate!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 3_600_000 - 1000)
    expect(updated.failures).toEqual([{ arn: missing, reason: 'MISSING' }])
    const got = await t.ecs.send(new GetTaskProtectionCommand({ cluster: c.name, tasks: [arn] }))
    expect(got.protectedTasks).toEqual(updated.protectedTasks)
    await t.ecs.send(new UpdateTaskProtectionCommand({ cluster: c.name, tasks: [arn], protectionEnabled: false }))
    const off = await t.ecs.send(new GetTaskProtectionCommand({ cluster: c.name }))
    expect(off.protectedTasks).toEqual([{ taskArn: arn, protectionEnabled: false }])
  })
})
