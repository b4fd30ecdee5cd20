/**
 * awsvpc tasks and the emulated EC2: the network configuration checked against EC2's subnets
 * and groups, the task's ENI made in EC2 on placement, attached with the address the agent
 * reports and deleted once the task is STOPPED; and what becomes of a container instance's
 * tasks when it is deregistered with force. The agent is played with its own API calls.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  CreateClusterCommand, DeregisterContainerInstanceCommand, DescribeContainerInstancesCommand,
  DescribeTasksCommand, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand,
  RunTaskCommand, StopTaskCommand, SubmitTaskStateChangeCommand, type RegisterTaskDefinitionCommandInput,
  type Resource, type Task
} from '@aws-sdk/client-ecs'
import { useEmulator, ROOT } from '../support/emulator.js'
import { ACCOUNT, failure } from '../support/fixtures.js'
import { EcsApi } from '../../agent/ecs-api.js'
import { StateReporter } from '../../agent/reporter.js'
import { ec2Call, ec2Ok, filters, items } from '../ec2/client.js'

const t = useEmulator()
// Each transient status (ACTIVATING, DEPROVISIONING ...) is looked at before it moves on:
// here only `taskLifecycle.run()` moves it.
beforeAll(() => { t.emu.emulator.taskLifecycle.dwellMs = 600_000 })
const ec2 = (action: string, params = {}) => ec2Ok(t.emu.url, action, params)
/** The agent's own client, for SubmitAttachmentStateChanges with the task's address. */
const agentApi = () => new EcsApi(t.emu.url, 'us-east-1', async () => ROOT)

let clusters = 0
let instances = 0
let families = 0

/** The default subnets by zone letter ('a', 'b', ...) and the default VPC's default group. */
async function defaults (): Promise<{ subnets: Record<string, string>, vpcId: string, groupId: string }> {
  const found = items((await ec2('DescribeSubnets', filters(['default-for-az', ['true']]))).subnetSet)
  const subnets = Object.fromEntries(found.map((s: any) => [s.availabilityZone.slice(-1), s.subnetId]))
  const vpcId = found[0].vpcId
  const groups = items((await ec2('DescribeSecurityGroups', filters(['vpc-id', [vpcId]], ['group-name', ['default']]))).securityGroupInfo)
  return { subnets, vpcId, groupId: groups[0].groupId }
}

/** A cluster with one connected container instance of `ec2InstanceId` in us-east-1a. */
async function cluster (ec2InstanceId = `i-0${String(instances++).padStart(16, '0')}`) {
  const name = `net${clusters++}`
  await t.ecs.send(new CreateClusterCommand({ clusterName: name }))
  const resources: Resource[] = [
    { name: 'CPU', type: 'INTEGER', integerValue: 2048 },
    { name: 'MEMORY', type: 'INTEGER', integerValue: 4096 },
    { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22'] },
    { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [] }
  ]
  const { containerInstance } = await t.ecs.send(new RegisterContainerInstanceCommand({
    cluster: name,
    instanceIdentityDocument: JSON.stringify({
      instanceId: ec2InstanceId, region: 'us-east-1', availabilityZone: 'us-east-1a',
      instanceType: 't3.medium', accountId: ACCOUNT, imageId: 'ami-0abcdef1234567890', architecture: 'x86_64'
    }),
    totalResources: resources,
    attributes: [{ name: 'ecs.capability.task-eni' }]
  }))
  const arn = containerInstance!.containerInstanceArn!
  const store = t.emu.emulator.ecs.containerInstances
  const i = store.get({ account: ACCOUNT, region: 'us-east-1' }, name, arn.split('/').pop()!)!
  store.save({ ...i, agentConnected: true })
  return { name, instanceArn: arn, ec2InstanceId }
}

async function taskDefinition (more: Partial<RegisterTaskDefinitionCommandInput> = {}): Promise<string> {
  const { taskDefinition: td } = await t.ecs.send(new RegisterTaskDefinitionCommand({
    family: `net${families++}`,
    networkMode: 'awsvpc',
    containerDefinitions: [{ name: 'web', image: 'nginx', cpu: 256, memory: 512 }],
    ...more
  }))
  return td!.taskDefinitionArn!
}

const fargate = { requiresCompatibilities: ['FARGATE' as const], cpu: '256', memory: '512' }

async function run (clusterName: string, taskDefinition: string, more: object) {
  return t.ecs.send(new RunTaskCommand({ cluster: clusterName, taskDefinition, ...more }))
}

async function describe1 (clusterName: string, arn: string): Promise<Task> {
  return (await t.ecs.send(new DescribeTasksCommand({ cluster: clusterName, tasks: [arn] }))).tasks![0]
}

const detail = (task: Task, name: string) =>
  task.attachments![0].details!.find(d => d.name === name)?.value
const attachmentArn = (task: Task) =>
  `arn:aws:ecs:us-east-1:${ACCOUNT}:attachment/${task.attachments![0].id!}`

/** The task's ENI as DescribeNetworkInterfaces lists it (found by its description). */
async function eniOf (task: Task): Promise<any> {
  const found = items((await ec2('DescribeNetworkInterfaces', filters(['description', [attachmentArn(task)]]))).networkInterfaceSet)
  return found[0]
}

const report = (clusterName: string, task: string, status: string, more: object = {}) =>
  t.ecs.send(new SubmitTaskStateChangeCommand({ cluster: clusterName, task, status, ...more }))

describe('RunTask with awsvpc', () => {
  it('makes the ENI in EC2 on placement, attaches it at the address the agent reports, and deletes it when the task stops', async () => {
    const { subnets, vpcId, groupId } = await defaults()
    const c = await cluster()
    const td = await taskDefinition()
    const network = { awsvpcConfiguration: { subnets: [subnets.b, subnets.a] } }
    const { tasks, failures } = await run(c.name, td, { networkConfiguration: network })
    expect(failures).toEqual([])
    const task = tasks![0]
    // The instance is in us-east-1a: the interface goes in that zone's subnet.
    expect(task).toMatchObject({ lastStatus: 'PROVISIONING', availabilityZone: 'us-east-1a' })
    expect(task.attachments).toEqual([{
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'ElasticNetworkInterface', status: 'PRECREATED',
      details: [{ name: 'subnetId', value: subnets.a }]
    }])

    const eni = await eniOf(task)
    expect(eni).toMatchObject({
      subnetId: subnets.a, vpcId, availabilityZone: 'us-east-1a', interfaceType: 'interface',
      status: 'available', requesterManaged: 'true', requesterId: '578734482556', ownerId: ACCOUNT,
      description: attachmentArn(task)
    })
    expect(items(eni.groupSet)).toEqual([{ groupId, groupName: 'default' }])
    expect(eni.attachment).toBeUndefined()
    expect(items(eni.tagSet)).toEqual([])

    await agentApi().submitAttachmentStateChanges(c.name, [
      { attachmentArn: attachmentArn(task), status: 'ATTACHED', privateIPv4Address: '172.18.0.5' }
    ])
    const attached = await describe1(c.name, task.taskArn!)
    expect(attached.attachments![0]).toEqual({
      id: task.attachments![0].id, type: 'ElasticNetworkInterface', status: 'ATTACHED',
      details: [
        { name: 'subnetId', value: subnets.a },
        { name: 'networkInterfaceId', value: eni.networkInterfaceId },
        { name: 'macAddress', value: eni.macAddress },
        { name: 'privateDnsName', value: 'ip-172-18-0-5.ec2.internal' },
        { name: 'privateIPv4Address', value: '172.18.0.5' }
      ]
    })
    expect(attached.containers![0].networkInterfaces).toEqual([{ attachmentId: task.attachments![0].id, privateIpv4Address: '172.18.0.5' }])
    const inUse = await eniOf(task)
    expect(inUse).toMatchObject({
      status: 'in-use', privateIpAddress: '172.18.0.5', privateDnsName: 'ip-172-18-0-5.ec2.internal',
      attachment: { instanceId: c.ec2InstanceId, instanceOwnerId: ACCOUNT, deviceIndex: '1', status: 'attached', deleteOnTermination: 'false' }
    })

    await report(c.name, task.taskArn!, 'RUNNING')
    await report(c.name, task.taskArn!, 'STOPPED', { attachments: [{ attachmentArn: attachmentArn(task), status: 'DETACHED' }] })
    const deprovisioning = await describe1(c.name, task.taskArn!)
    expect(deprovisioning).toMatchObject({ lastStatus: 'DEPROVISIONING', attachments: [{ status: 'DETACHING' }] })
    t.emu.emulator.taskLifecycle.run()
    const stopped = await describe1(c.name, task.taskArn!)
    expect(stopped).toMatchObject({ lastStatus: 'STOPPED' })
    expect(stopped.attachments![0].status).toBe('DELETED')
    const gone = await ec2Call(t.emu.url, 'DescribeNetworkInterfaces', { 'NetworkInterfaceId.1': eni.networkInterfaceId })
    expect([gone.code, gone.message]).toEqual(['InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${eni.networkInterfaceId}' does not exist`])
  })

  it('fails with InvalidParameterException naming the subnets when one does not exist', async () => {
    const { subnets } = await defaults()
    const c = await cluster()
    const td = await taskDefinition()
    const missing = 'subnet-00000000000000000'
    const e = await failure(run(c.name, td, { networkConfiguration: { awsvpcConfiguration: { subnets: [subnets.a, missing] } } }))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe(`Error retrieving subnet information for [${subnets.a}, ${missing}]: The subnet ID '${missing}' does not exist (ErrorCode: InvalidSubnetID.NotFound)`)
    const none = await failure(run(c.name, td, { networkConfiguration: { awsvpcConfiguration: { subnets: [] } } }))
    expect([none.name, none.message]).toEqual(['InvalidParameterException', 'subnets can not be empty.'])
  })

  it('fails with InvalidParameterException for subnets of two VPCs, and groups that are missing or of another VPC', async () => {
    const { subnets } = await defaults()
    const vpc = (await ec2('CreateVpc', { CidrBlock: '10.20.0.0/16' })).vpc.vpcId
    const other = (await ec2('CreateSubnet', { VpcId: vpc, CidrBlock: '10.20.1.0/24', AvailabilityZone: 'us-east-1a' })).subnet.subnetId
    const foreign = (await ec2('CreateSecurityGroup', { GroupName: 'foreign', GroupDescription: 'x', VpcId: vpc })).groupId
    const c = await cluster()
    const td = await taskDefinition()
    const attempt = (awsvpcConfiguration: object) => failure(run(c.name, td, { networkConfiguration: { awsvpcConfiguration } }))

    const twoVpcs = await attempt({ subnets: [subnets.a, other] })
    expect([twoVpcs.name, twoVpcs.message]).toEqual(['InvalidParameterException', 'Subnets must all belong to the same VPC.'])
    const ghost = 'sg-00000000000000000'
    const missing = await attempt({ subnets: [subnets.a], securityGroups: [ghost] })
    expect([missing.name, missing.message]).toEqual(['InvalidParameterException',
      `Error retrieving security group information for [${ghost}]: The security group '${ghost}' does not exist (ErrorCode: InvalidGroup.NotFound)`])
    const elsewhere = await attempt({ subnets: [subnets.a], securityGroups: [foreign] })
    expect([elsewhere.name, elsewhere.message]).toEqual(['InvalidParameterException',
      `Security group ${foreign} does not appear to belong to the same VPC as the input subnets.`])
    const publicIp = await attempt({ subnets: [subnets.a], assignPublicIp: 'ENABLED' })
    expect(publicIp.message).toBe('Assign public IP is not supported for this launch type.')
  })

  it('puts the given security groups on the ENI, and runs in a subnet of another VPC', async () => {
    const vpc = (await ec2('CreateVpc', { CidrBlock: '10.30.0.0/16' })).vpc.vpcId
    const subnet = (await ec2('CreateSubnet', { VpcId: vpc, CidrBlock: '10.30.1.0/24', AvailabilityZone: 'us-east-1a' })).subnet.subnetId
    const group = (await ec2('CreateSecurityGroup', { GroupName: 'app', GroupDescription: 'app', VpcId: vpc })).groupId
    const c = await cluster()
    const { tasks } = await run(c.name, await taskDefinition(), { networkConfiguration: { awsvpcConfiguration: { subnets: [subnet], securityGroups: [group] } } })
    const eni = await eniOf(tasks![0])
    expect(eni).toMatchObject({ subnetId: subnet, vpcId: vpc, privateIpAddress: '10.30.1.4' })
    expect(items(eni.groupSet)).toEqual([{ groupId: group, groupName: 'app' }])
  })

  it('fails to place with LOCATION when no subnet is in an instance\'s zone', async () => {
    const { subnets } = await defaults()
    const c = await cluster()
    const { tasks, failures } = await run(c.name, await taskDefinition(), { networkConfiguration: { awsvpcConfiguration: { subnets: [subnets.c] } } })
    expect(tasks).toEqual([])
    expect(failures).toEqual([{ arn: c.instanceArn, reason: 'LOCATION' }])
  })
})

describe('RunTask on Fargate with awsvpc', () => {
  it('takes the subnets in turn, in their zones, with a public IP asked for, and attaches the ENIs to no instance', async () => {
    const { subnets } = await defaults()
    const name = `fg${clusters++}`
    await t.ecs.send(new CreateClusterCommand({ clusterName: name }))
    const td = await taskDefinition(fargate)
    const network = { awsvpcConfiguration: { subnets: [subnets.b, subnets.c], assignPublicIp: 'ENABLED' } }
    const { tasks, failures } = await run(name, td, { launchType: 'FARGATE', count: 2, networkConfiguration: network })
    expect(failures).toEqual([])
    expect(tasks!.map(x => [x.availabilityZone, detail(x, 'subnetId')])).toEqual([['us-east-1b', subnets.b], ['us-east-1c', subnets.c]])
    expect(tasks![0].containerInstanceArn).toBeUndefined()

    const [first] = tasks!
    await report(name, first.taskArn!, 'RUNNING', { attachments: [{ attachmentArn: attachmentArn(first), status: 'ATTACHED' }] })
    const running = await describe1(name, first.taskArn!)
    const eni = await eniOf(first)
    expect(running.attachments![0]).toMatchObject({ status: 'ATTACHED' })
    expect(detail(running, 'networkInterfaceId')).toBe(eni.networkInterfaceId)
    expect(detail(running, 'privateIPv4Address')).toBe(eni.privateIpAddress)
    expect(eni.privateIpAddress).toMatch(/^172\.31\.16\.\d+$/)
    expect(running.containers![0].networkInterfaces).toEqual([{ attachmentId: first.attachments![0].id, privateIpv4Address: eni.privateIpAddress }])
    expect(eni).toMatchObject({ status: 'in-use', availabilityZone: 'us-east-1b', attachment: { status: 'attached', instanceOwnerId: 'amazon-aws' } })
    expect(eni.attachment.instanceId).toBeUndefined()
  })
})

describe('the agent\'s reports of an awsvpc task', () => {
  it('pass through ACTIVATING on the way up, DEACTIVATING, STOPPING and DEPROVISIONING on the way down', async () => {
    const { subnets } = await defaults()
    const c = await cluster()
    const { tasks } = await run(c.name, await taskDefinition(), { networkConfiguration: { awsvpcConfiguration: { subnets: [subnets.a] } } })
    const arn = tasks![0].taskArn!
    const seen: string[] = [tasks![0].lastStatus!]
    const look = async (): Promise<void> => { seen.push((await describe1(c.name, arn)).lastStatus!) }
    const settle = (): void => t.emu.emulator.taskLifecycle.run()
    await report(c.name, arn, 'PENDING'); await look()
    await report(c.name, arn, 'RUNNING'); await look(); settle(); await look()
    await t.ecs.send(new StopTaskCommand({ cluster: c.name, task: arn })); await look(); settle(); await look()
    await report(c.name, arn, 'STOPPED'); await look(); settle(); await look()
    expect(seen).toEqual(['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'])
  })

  it('carry the address Docker gave the task to the task and its ENI (SubmitAttachmentStateChanges after the task\'s change)', async () => {
    const { subnets } = await defaults()
    const c = await cluster()
    const { tasks } = await run(c.name, await taskDefinition(), { networkConfiguration: { awsvpcConfiguration: { subnets: [subnets.a] } } })
    const task = tasks![0]
    const reporter = new StateReporter({ api: agentApi(), log: pino({ level: 'silent' }), cluster: c.name, timeScale: 0.001 })
    reporter.report({
      taskArn: task.taskArn!, status: 'RUNNING', containers: [{ containerName: 'web', status: 'RUNNING', runtimeId: 'abc' }],
      attachments: [{ attachmentArn: attachmentArn(task), status: 'ATTACHED', privateIPv4Address: '172.19.0.7' }]
    })
    await reporter.flush(5_000)
    reporter.close()

    // awsvpc: ACTIVATING (post-start steps) first, then RUNNING.
    expect(await describe1(c.name, task.taskArn!)).toMatchObject({ lastStatus: 'ACTIVATING' })
    t.emu.emulator.taskLifecycle.run()
    const running = await describe1(c.name, task.taskArn!)
    expect(running).toMatchObject({ lastStatus: 'RUNNING', attachments: [{ status: 'ATTACHED' }] })
    expect(detail(running, 'privateIPv4Address')).toBe('172.19.0.7')
    expect(await eniOf(task)).toMatchObject({ status: 'in-use', privateIpAddress: '172.19.0.7', attachment: { instanceId: c.ec2InstanceId } })
  })
})

describe('DeregisterContainerInstance', () => {
  it('fails with InvalidParameterException while the instance has tasks, without force', async () => {
    const { subnets } = await defaults()
    const c = await cluster()
    await run(c.name, await taskDefinition(), { networkConfiguration: { awsvpcConfiguration: { subnets: [subnets.a] } } })
    const e = await failure(t.ecs.send(new DeregisterContainerInstanceCommand({ cluster: c.name, containerInstance: c.instanceArn })))
    expect([e.name, e.message]).toEqual(['InvalidParameterException', 'Found running tasks on the instance.'])
  })

  it('with force, stops the tasks as orphans: reason given, reservations back, ENIs deleted', async () => {
    const { subnets } = await defaults()
    const c = await cluster()
    const { tasks } = await run(c.name, await taskDefinition(), { networkConfiguration: { awsvpcConfiguration: { subnets: [subnets.a] } } })
    const task = tasks![0]
    await report(c.name, task.taskArn!, 'RUNNING')
    const eni = await eniOf(task)

    const { containerInstance } = await t.ecs.send(new DeregisterContainerInstanceCommand({ cluster: c.name, containerInstance: c.instanceArn, force: true }))
    expect(containerInstance).toMatchObject({ status: 'INACTIVE', runningTasksCount: 0, pendingTasksCount: 0 })
    expect(containerInstance!.remainingResources!.find(r => r.name === 'CPU')!.integerValue).toBe(2048)
    const stopped = await describe1(c.name, task.taskArn!)
    expect(stopped).toMatchObject({
      lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedReason: 'Container instance deregistration forced by user'
    })
    expect(stopped.stopCode).toBeUndefined()
    expect(stopped.attachments![0].status).toBe('DELETED')
    const gone = await ec2Call(t.emu.url, 'DescribeNetworkInterfaces', { 'NetworkInterfaceId.1': eni.networkInterfaceId })
    expect(gone.code).toBe('InvalidNetworkInterfaceID.NotFound')
    // Orphaned: the agent is not told to stop the containers.
    expect(t.emu.emulator.ecs.tasks.byContainerInstance(c.instanceArn)).toEqual([])
    const [described] = (await t.ecs.send(new DescribeContainerInstancesCommand({ cluster: c.name, containerInstances: [c.instanceArn] }))).containerInstances!
    expect(described.status).toBe('INACTIVE')
  })
})
