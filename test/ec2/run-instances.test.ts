import { beforeAll, describe, expect, it } from 'vitest'
import { CreateRoleCommand, CreateInstanceProfileCommand, AddRoleToInstanceProfileCommand } from '@aws-sdk/client-iam'
import {
  CreateClusterCommand, DescribeContainerInstancesCommand, DescribeTasksCommand, RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand, RunTaskCommand, SubmitTaskStateChangeCommand
} from '@aws-sdk/client-ecs'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, policyDocument, trustService, userWithKey } from '../support/fixtures.js'
import { ecsOptimizedAmi } from '../../src/ssm/parameter.js'
import type { InstanceRecord } from '../../src/ec2/instance.js'
import { createNetworkInterface, deleteNetworkInterface } from '../../src/ec2/network-interfaces.js'
import { ec2Call, ec2Ok, filters, items } from './client.js'

const t = useEmulator()
const call = (action: string, params = {}) => ec2Call(t.emu.url, action, params)
const ok = (action: string, params = {}) => ec2Ok(t.emu.url, action, params)
const AMI = ecsOptimizedAmi('us-east-1')
const b64 = (s: string) => Buffer.from(s).toString('base64')

const started: InstanceRecord[] = []
const stopped: string[] = []

beforeAll(() => {
  t.emu.emulator.ec2.launcher = { start: i => { started.push(i) }, stop: id => { stopped.push(id) } }
})

describe('RunInstances', () => {
  it('launches into the default subnet with the default group, pending in the answer, running after', async () => {
    const r = await ok('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' })
    expect(r.reservationId).toMatch(/^r-[0-9a-f]{17}$/)
    expect(r.ownerId).toBe(ACCOUNT)
    const [i] = items(r.instancesSet)
    expect(i).toMatchObject({
      imageId: AMI, instanceType: 't3.micro', instanceState: { code: '0', name: 'pending' },
      placement: { availabilityZone: 'us-east-1a', tenancy: 'default' }, rootDeviceName: '/dev/xvda'
    })
    expect(i.instanceId).toMatch(/^i-[0-9a-f]{17}$/)
    expect(items(i.groupSet).map((g: any) => g.groupName)).toEqual(['default'])
    expect(items(i.networkInterfaceSet)[0]).toMatchObject({ subnetId: i.subnetId, status: 'in-use' })
    const d = await ok('DescribeInstances', { 'InstanceId.1': i.instanceId })
    const [desc] = items(items(d.reservationSet)[0].instancesSet)
    expect(desc.instanceState).toEqual({ code: '16', name: 'running' })
    expect(desc.metadataOptions).toMatchObject({ httpTokens: 'optional', state: 'applied' })
  })

  it('fails with InvalidAMIID.NotFound for an image that is not an ECS-optimized AMI', async () => {
    const r = await call('RunInstances', { ImageId: 'ami-0123456789abcdef0', MinCount: 1, MaxCount: 1 })
    expect([r.code, r.message]).toEqual(['InvalidAMIID.NotFound', "The image id '[ami-0123456789abcdef0]' does not exist"])
    const bad = await call('RunInstances', { ImageId: 'ubuntu', MinCount: 1, MaxCount: 1 })
    expect([bad.code, bad.message]).toEqual(['InvalidAMIID.Malformed', 'Invalid id: "ubuntu" (expecting "ami-...")'])
    const none = await call('RunInstances', { MinCount: 1, MaxCount: 1 })
    expect([none.code, none.message]).toEqual(['MissingParameter', 'The request must contain the parameter ImageId'])
  })

  it('fails with InvalidParameterValue for an instance profile that does not exist', async () => {
    const r = await call('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, 'IamInstanceProfile.Name': 'ghost' })
    expect([r.code, r.message]).toEqual(['InvalidParameterValue', 'Value (ghost) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name'])
  })

  it('starts the agent of an instance told its cluster, with the profile, and stops it on termination', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'fleet' }))
    const userData = '#!/bin/bash\necho ECS_CLUSTER=fleet >> /etc/ecs/ecs.config\n'
    const r = await ok('RunInstances', {
      ImageId: AMI, MinCount: 2, MaxCount: 2, 'IamInstanceProfile.Name': 'ecs-emulator-instance-profile', UserData: b64(userData),
      'TagSpecification.1.ResourceType': 'instance', 'TagSpecification.1.Tag.1.Key': 'role', 'TagSpecification.1.Tag.1.Value': 'ecs'
    })
    const ids = items(r.instancesSet).map((i: any) => i.instanceId)
    expect(started.map(i => i.instanceId)).toEqual(ids)
    expect(started[0]).toMatchObject({ cluster: 'fleet', userData, iamInstanceProfile: { name: 'ecs-emulator-instance-profile' } })
    expect(items(r.instancesSet)[1].amiLaunchIndex).toBe('1')
    expect(items(r.instancesSet)[0].iamInstanceProfile.arn).toBe(`arn:aws:iam::${ACCOUNT}:instance-profile/ecs-emulator-instance-profile`)

    // The agent registers; termination makes its container instance INACTIVE.
    const imds = await t.emu.emulator.ec2.metadata.open(ids[0])
    const doc = await (await fetch(`${imds}/latest/dynamic/instance-identity/document`)).text()
    const reg = await t.ecs.send(new RegisterContainerInstanceCommand({ cluster: 'fleet', instanceIdentityDocument: doc }))

    const tagged = await ok('DescribeInstances', filters(['tag:role', ['ecs']], ['instance-state-name', ['running']]))
    expect(items(items(tagged.reservationSet)[0].instancesSet)).toHaveLength(2)

    const term = await ok('TerminateInstances', { 'InstanceId.1': ids[0], 'InstanceId.2': ids[1] })
    expect(items(term.instancesSet)[0]).toEqual({
      instanceId: ids[0], currentState: { code: '32', name: 'shutting-down' }, previousState: { code: '16', name: 'running' }
    })
    expect(stopped).toEqual(ids)
    const ci = await t.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'fleet', containerInstances: [reg.containerInstance!.containerInstanceArn!] }))
    expect(ci.containerInstances![0].status).toBe('INACTIVE')
    const after = await ok('DescribeInstances', filters(['instance-id', ids]))
    const gone = items(items(after.reservationSet)[0].instancesSet)[0]
    expect(gone.instanceState).toEqual({ code: '48', name: 'terminated' })
    expect(gone.stateReason.code).toBe('Client.UserInitiatedShutdown')
    const again = await ok('TerminateInstances', { 'InstanceId.1': ids[0] })
    expect(items(again.instancesSet)[0].currentState.name).toBe('terminated')
  })

  it('does not start an agent without ECS_CLUSTER in the user data', async () => {
    const before = started.length
    await ok('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, 'IamInstanceProfile.Name': 'ecs-emulator-instance-profile' })
    expect(started).toHaveLength(before)
  })

  it('fails with InvalidParameterValue for user data that is not base64', async () => {
    const r = await call('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, UserData: 'not base64!' })
    expect([r.code, r.message]).toEqual(['InvalidParameterValue', 'Invalid BASE64 encoding of user data.'])
  })

  it('fails with InvalidParameter for a group of another VPC than the subnet', async () => {
    const vpc = (await ok('CreateVpc', { CidrBlock: '10.20.0.0/16' })).vpc.vpcId
    const sg = (await ok('CreateSecurityGroup', { GroupName: 'elsewhere', GroupDescription: 'x', VpcId: vpc })).groupId
    const subnet = items((await ok('DescribeSubnets', filters(['default-for-az', ['true']]))).subnetSet)[0].subnetId
    const r = await call('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, SubnetId: subnet, 'SecurityGroupId.1': sg })
    expect([r.code, r.message]).toEqual(['InvalidParameter', `Security group ${sg} and subnet ${subnet} belong to different networks.`])
  })

  it('checks iam:PassRole on the profile\'s role for the caller', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'node', AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
    await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'node' }))
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'node', RoleName: 'node' }))
    const creds = await userWithKey(t.iam, 'launcher', allowPolicy('ec2:RunInstances'))
    const r = await ec2Call(t.emu.url, 'RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, 'IamInstanceProfile.Name': 'node' }, creds)
    expect([r.status, r.code]).toEqual([403, 'UnauthorizedOperation'])
    expect(r.message).toMatch(new RegExp(`^You are not authorized to perform this operation\\. User: arn:aws:iam::${ACCOUNT}:user/launcher is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/node because no identity-based policy allows the iam:PassRole action\\. Encoded authorization failure message: `))
    const allowed = await userWithKey(t.iam, 'launcher2', policyDocument(
      { Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*' },
      { Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ACCOUNT}:role/node`, Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } }
    ))
    const dry = await ec2Call(t.emu.url, 'RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, 'IamInstanceProfile.Name': 'node', DryRun: true }, allowed)
    expect(dry.code).toBe('DryRunOperation')
  })

  it('is authorized on the instance, image, subnet, group, interface and volume', async () => {
    const subnet = items((await ok('DescribeSubnets', filters(['default-for-az', ['true']]))).subnetSet)[0].subnetId
    const creds = await userWithKey(t.iam, 'only-subnet', policyDocument({
      Effect: 'Allow', Action: 'ec2:RunInstances', NotResource: `arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/${subnet}`
    }))
    const r = await ec2Call(t.emu.url, 'RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, SubnetId: subnet }, creds)
    expect(r.code).toBe('UnauthorizedOperation')
    expect(r.message).toContain(`on resource: arn:aws:ec2:us-east-1:${ACCOUNT}:subnet/${subnet} because`)
  })

  it('answers the same reservation again for the same client token', async () => {
    const first = await ok('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, ClientToken: 'once' })
    const second = await ok('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, ClientToken: 'once' })
    expect(second.reservationId).toBe(first.reservationId)
    expect(items(second.instancesSet)[0].instanceId).toBe(items(first.instancesSet)[0].instanceId)
  })

  it('records HttpTokens required, and the metadata service then wants a token', async () => {
    const r = await ok('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, 'MetadataOptions.HttpTokens': 'required' })
    const id = items(r.instancesSet)[0].instanceId
    expect(items(r.instancesSet)[0].metadataOptions.httpTokens).toBe('required')
    const imds = await t.emu.emulator.ec2.metadata.open(id)
    expect((await fetch(`${imds}/latest/meta-data/instance-id`)).status).toBe(401)
  })
})

describe('TerminateInstances', () => {
  it('fails with InvalidInstanceID.NotFound for an instance that does not exist', async () => {
    const r = await call('TerminateInstances', { 'InstanceId.1': 'i-0123456789abcdef0' })
    expect([r.code, r.message]).toEqual(['InvalidInstanceID.NotFound', "The instance ID 'i-0123456789abcdef0' does not exist"])
  })

  it('stops the tasks on the instance, gives back their reservations and deletes their ENIs', async () => {
    const r = await ok('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1 })
    const instance = items(r.instancesSet)[0]
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'doomed' }))
    const imds = await t.emu.emulator.ec2.metadata.open(instance.instanceId)
    const doc = await (await fetch(`${imds}/latest/dynamic/instance-identity/document`)).text()
    const { containerInstance } = await t.ecs.send(new RegisterContainerInstanceCommand({
      cluster: 'doomed', instanceIdentityDocument: doc,
      totalResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 1024 }, { name: 'MEMORY', type: 'INTEGER', integerValue: 2048 }],
      attributes: [{ name: 'ecs.capability.task-eni' }]
    }))
    const ciArn = containerInstance!.containerInstanceArn!
    const store = t.emu.emulator.ecs.containerInstances
    const scope = { account: ACCOUNT, region: 'us-east-1' }
    store.save({ ...store.get(scope, 'doomed', ciArn.split('/').pop()!)!, agentConnected: true })

    const register = async (networkMode: 'bridge' | 'awsvpc') => (await t.ecs.send(new RegisterTaskDefinitionCommand({
      family: `doomed-${networkMode}`, networkMode, containerDefinitions: [{ name: 'main', image: 'busybox', cpu: 128, memory: 128 }]
    }))).taskDefinition!.taskDefinitionArn!
    const bridge = (await t.ecs.send(new RunTaskCommand({ cluster: 'doomed', taskDefinition: await register('bridge') }))).tasks![0]
    const awsvpc = (await t.ecs.send(new RunTaskCommand({
      cluster: 'doomed', taskDefinition: await register('awsvpc'),
      networkConfiguration: { awsvpcConfiguration: { subnets: [instance.subnetId] } }
    }))).tasks![0]
    await t.ecs.send(new SubmitTaskStateChangeCommand({ cluster: 'doomed', task: bridge.taskArn!, status: 'RUNNING' }))
    const attachment = `arn:aws:ecs:us-east-1:${ACCOUNT}:attachment/${awsvpc.attachments![0].id!}`
    const enis = async () => items((await ok('DescribeNetworkInterfaces', filters(['description', [attachment]]))).networkInterfaceSet)
    expect(await enis()).toHaveLength(1)

    await ok('TerminateInstances', { 'InstanceId.1': instance.instanceId })
    const { tasks } = await t.ecs.send(new DescribeTasksCommand({ cluster: 'doomed', tasks: [bridge.taskArn!, awsvpc.taskArn!] }))
    for (const task of tasks!) {
      expect(task).toMatchObject({
        lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedReason: `Host EC2 (instance ${instance.instanceId}) terminated.`
      })
      expect(task.stopCode).toBeUndefined()
      expect(task.containers![0].lastStatus).toBe('STOPPED')
    }
    expect(await enis()).toEqual([])
    const ci = (await t.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'doomed', containerInstances: [ciArn] }))).containerInstances![0]
    expect(ci).toMatchObject({ status: 'INACTIVE', runningTasksCount: 0, pendingTasksCount: 0 })
    expect(ci.remainingResources!.find(x => x.name === 'CPU')!.integerValue).toBe(1024)
  })
})

describe('DescribeInstances', () => {
  it('fails with InvalidInstanceID.NotFound naming every id it does not have', async () => {
    const r = await call('DescribeInstances', { 'InstanceId.1': 'i-00000000000000001', 'InstanceId.2': 'i-00000000000000002' })
    expect([r.code, r.message]).toEqual(['InvalidInstanceID.NotFound', "The instance IDs 'i-00000000000000001, i-00000000000000002' do not exist"])
  })

  it('groups instances by reservation and filters by zone and type', async () => {
    const r = await ok('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1, InstanceType: 'c5.xlarge', 'Placement.AvailabilityZone': 'us-east-1b' })
    const id = items(r.instancesSet)[0].instanceId
    const d = await ok('DescribeInstances', filters(['availability-zone', ['us-east-1b']], ['instance-type', ['c5.*']]))
    const found = items(d.reservationSet).flatMap((res: any) => items(res.instancesSet)).map((i: any) => i.instanceId)
    expect(found).toEqual([id])
  })
})

describe('DescribeNetworkInterfaces', () => {
  it('shows instances\' interfaces and the ones tasks make', async () => {
    const r = await ok('RunInstances', { ImageId: AMI, MinCount: 1, MaxCount: 1 })
    const instance = items(r.instancesSet)[0]
    const eni = items(instance.networkInterfaceSet)[0].networkInterfaceId
    const d = await ok('DescribeNetworkInterfaces', { 'NetworkInterfaceId.1': eni })
    expect(items(d.networkInterfaceSet)[0]).toMatchObject({
      networkInterfaceId: eni, attachment: { instanceId: instance.instanceId, deviceIndex: '0' }, requesterManaged: 'false', availabilityZoneId: 'use1-az1'
    })

    const scope = { account: ACCOUNT, region: 'us-east-1' }
    const task = createNetworkInterface(t.emu.emulator.ec2.store, scope, {
      subnetId: instance.subnetId, description: `arn:aws:ecs:us-east-1:${ACCOUNT}:attachment/abc`, privateIpAddress: '172.18.0.5'
    }, new Date())
    const byDesc = await ok('DescribeNetworkInterfaces', filters(['description', ['arn:aws:ecs:*']]))
    expect(items(byDesc.networkInterfaceSet)).toHaveLength(1)
    expect(items(byDesc.networkInterfaceSet)[0]).toMatchObject({ networkInterfaceId: task.id, privateIpAddress: '172.18.0.5', requesterManaged: 'true' })
    expect(deleteNetworkInterface(t.emu.emulator.ec2.store, scope, task.id)).toBe(true)
    const missing = await call('DescribeNetworkInterfaces', { 'NetworkInterfaceId.1': task.id })
    expect([missing.code, missing.message]).toEqual(['InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${task.id}' does not exist`])
  })

  it('gives a task interface the subnet\'s next address when none is given', () => {
    const store = t.emu.emulator.ec2.store
    const scope = { account: ACCOUNT, region: 'us-east-1' }
    const subnet = store.resources<any>(scope, 'subnet').find(s => s.cidrBlock === '172.31.16.0/20')
    const a = createNetworkInterface(store, scope, { subnetId: subnet.id }, new Date())
    const b = createNetworkInterface(store, scope, { subnetId: subnet.id }, new Date())
    expect([a.privateIpAddress, b.privateIpAddress]).toEqual(['172.31.16.4', '172.31.16.5'])
    expect(() => createNetworkInterface(store, scope, { subnetId: 'subnet-00000000000000000' }, new Date())).toThrow("The subnet ID 'subnet-00000000000000000' does not exist")
  })
})
