import { beforeAll, describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, DeleteAttributesCommand, DeregisterContainerInstanceCommand,
  DescribeContainerInstancesCommand, DiscoverPollEndpointCommand, ListAttributesCommand,
  ListContainerInstancesCommand, ListTagsForResourceCommand, PutAttributesCommand,
  RegisterContainerInstanceCommand, UpdateContainerInstancesStateCommand,
  type RegisterContainerInstanceCommandInput
} from '@aws-sdk/client-ecs'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, clusterArn, failure, policyDocument, userWithKey } from '../support/fixtures.js'
import { evaluate } from '../../src/iam/evaluator.js'
import { awsManagedPolicy } from '../../src/iam/managed.js'
import type { Principal } from '../../src/iam/policy.js'

const t = useEmulator()
beforeAll(async () => {
  for (const clusterName of ['default', 'web', 'filters', 'prod', 'staging']) {
    await t.ecs.send(new CreateClusterCommand({ clusterName }))
  }
})

const identity = (instanceId: string, more: Record<string, string> = {}) => JSON.stringify({
  instanceId,
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  instanceType: 't3.medium',
  accountId: ACCOUNT,
  imageId: 'ami-0abcdef1234567890',
  architecture: 'x86_64',
  privateIp: '10.0.1.23',
  ...more
})

const RESOURCES = [
  { name: 'CPU', type: 'INTEGER', integerValue: 2048 },
  { name: 'MEMORY', type: 'INTEGER', integerValue: 3768 },
  { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22', '2376', '2375', '51678', '51679'] },
  { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [] }
]

let instances = 0
async function register (cluster: string, more: Partial<RegisterContainerInstanceCommandInput> = {},
  client = t.ecs): Promise<string> {
  const out = await client.send(new RegisterContainerInstanceCommand({
    cluster,
    instanceIdentityDocument: identity(`i-0000000000000${String(instances++).padStart(4, '0')}`),
    totalResources: RESOURCES,
    ...more
  }))
  return out.containerInstance!.containerInstanceArn!
}

describe('RegisterContainerInstance', () => {
  it('registers an ACTIVE instance with what the agent sent and what ECS knows of the EC2 instance', async () => {
    const before = Date.now() / 1000
    const { containerInstance } = await t.ecs.send(new RegisterContainerInstanceCommand({
      cluster: 'web',
      instanceIdentityDocument: identity('i-0744a608689e00001'),
      instanceIdentityDocumentSignature: 'c2lnbmF0dXJl',
      totalResources: RESOURCES,
      versionInfo: { agentVersion: '1.105.1', agentHash: '8dfceca', dockerVersion: 'DockerVersion: 25.0.8' },
      attributes: [{ name: 'ecs.os-type', value: 'linux' }, { name: 'ecs.capability.task-eni' }],
      tags: [{ key: 'role', value: 'worker' }]
    }))
    const registered = [
      { name: 'CPU', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: 2048 },
      { name: 'MEMORY', type: 'INTEGER', doubleValue: 0, longValue: 0, integerValue: 3768 },
      { name: 'PORTS', type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: ['22', '2376', '2375', '51678', '51679'] },
      { name: 'PORTS_UDP', type: 'STRINGSET', doubleValue: 0, longValue: 0, integerValue: 0, stringSetValue: [] }
    ]
    expect(containerInstance).toEqual({
      containerInstanceArn: expect.stringMatching(/^arn:aws:ecs:us-east-1:000000000000:container-instance\/web\/[0-9a-f]{32}$/),
      ec2InstanceId: 'i-0744a608689e00001',
      version: 1,
      versionInfo: { agentVersion: '1.105.1', agentHash: '8dfceca', dockerVersion: 'DockerVersion: 25.0.8' },
      registeredResources: registered,
      remainingResources: registered,
      status: 'ACTIVE',
      agentConnected: false,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      attributes: [
        { name: 'ecs.os-type', value: 'linux' },
        { name: 'ecs.capability.task-eni' },
        { name: 'ecs.availability-zone', value: 'us-east-1a' },
        { name: 'ecs.instance-type', value: 't3.medium' },
        { name: 'ecs.ami-id', value: 'ami-0abcdef1234567890' },
        { name: 'ecs.cpu-architecture', value: 'x86_64' }
      ],
      registeredAt: expect.any(Date),
      attachments: [],
      tags: [{ key: 'role', value: 'worker' }]
    })
    expect(containerInstance!.registeredAt!.getTime() / 1000).toBeGreaterThanOrEqual(Math.floor(before))
  })

  it('authorizes on the cluster, and tagging as ecs:TagResource with ecs:CreateAction', async () => {
    const arn = await register('web', { tags: [{ key: 'k', value: 'v' }] })
    const [registration] = t.emu.emulator.decisions.query({ action: 'ecs:RegisterContainerInstance', limit: 1 })
    expect(registration).toMatchObject({ resource: clusterArn('web'), context: { 'aws:TagKeys': ['k'] } })
    const [tagging] = t.emu.emulator.decisions.query({ action: 'ecs:TagResource', limit: 1 })
    expect(tagging).toMatchObject({ resource: arn, context: { 'ecs:CreateAction': 'RegisterContainerInstance' } })
  })

  it('keeps the ARN when the agent registers again with the ARN it saved', async () => {
    const arn = await register('web')
    const { containerInstance } = await t.ecs.send(new RegisterContainerInstanceCommand({
      cluster: 'web',
      containerInstanceArn: arn,
      totalResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 4096 }],
      versionInfo: { agentVersion: '1.106.0' }
    }))
    expect(containerInstance).toMatchObject({
      containerInstanceArn: arn,
      version: 2,
      versionInfo: { agentVersion: '1.106.0' },
      registeredResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 4096 }]
    })
  })

  it('keeps custom attributes and what ECS derived when the agent registers again', async () => {
    const arn = await register('web', { attributes: [{ name: 'ecs.capability.old' }] })
    await t.ecs.send(new PutAttributesCommand({ cluster: 'web', attributes: [{ name: 'stack', value: 'blue', targetId: arn }] }))
    const { containerInstance } = await t.ecs.send(new RegisterContainerInstanceCommand({
      cluster: 'web', containerInstanceArn: arn, attributes: [{ name: 'ecs.capability.new' }]
    }))
    expect(containerInstance!.attributes).toEqual([
      { name: 'ecs.availability-zone', value: 'us-east-1a' },
      { name: 'ecs.instance-type', value: 't3.medium' },
      { name: 'ecs.ami-id', value: 'ami-0abcdef1234567890' },
      { name: 'ecs.cpu-architecture', value: 'x86_64' },
      { name: 'stack', value: 'blue' },
      { name: 'ecs.capability.new' }
    ])
  })

  it('keeps the ARN when the same EC2 instance registers again without it', async () => {
    const first = await t.ecs.send(new RegisterContainerInstanceCommand({ cluster: 'web', instanceIdentityDocument: identity('i-0aaaaaaaaaaaaaaa1') }))
    const again = await t.ecs.send(new RegisterContainerInstanceCommand({ cluster: 'web', instanceIdentityDocument: identity('i-0aaaaaaaaaaaaaaa1') }))
    expect(again.containerInstance!.containerInstanceArn).toBe(first.containerInstance!.containerInstanceArn)
  })

  it('registers into the default cluster when none is named', async () => {
    const arn = await register(undefined as unknown as string)
    expect(arn).toMatch(/container-instance\/default\//)
  })

  it('fails with ClientException when a deregistered instance registers again', async () => {
    const arn = await register('web')
    await t.ecs.send(new DeregisterContainerInstanceCommand({ cluster: 'web', containerInstance: arn }))
    const e = await failure(t.ecs.send(new RegisterContainerInstanceCommand({ cluster: 'web', containerInstanceArn: arn })))
    expect(e.name).toBe('ClientException')
    expect(e.message).toBe('The container instance has been deregistered and cannot be registered again.')
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(t.ecs.send(new RegisterContainerInstanceCommand({ cluster: 'nowhere', instanceIdentityDocument: identity('i-1') })))
    expect(e.name).toBe('ClusterNotFoundException')
    expect(e.message).toBe('Cluster not found.')
  })

  it('fails with InvalidParameterException for an identity document that is not JSON', async () => {
    const e = await failure(t.ecs.send(new RegisterContainerInstanceCommand({ cluster: 'web', instanceIdentityDocument: 'not json' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Invalid instanceIdentityDocument.')
  })
})

describe('DeregisterContainerInstance', () => {
  it('leaves the instance INACTIVE, describable and out of the list', async () => {
    const arn = await register('web')
    const id = arn.split('/').pop()!
    const { containerInstance } = await t.ecs.send(new DeregisterContainerInstanceCommand({ cluster: clusterArn('web'), containerInstance: id, force: true }))
    expect(containerInstance).toMatchObject({ containerInstanceArn: arn, status: 'INACTIVE', agentConnected: false })

    const described = await t.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'web', containerInstances: [arn] }))
    expect(described.containerInstances![0].status).toBe('INACTIVE')
    const listed = await t.ecs.send(new ListContainerInstancesCommand({ cluster: 'web' }))
    expect(listed.containerInstanceArns).not.toContain(arn)
  })

  it('fails with InvalidParameterException for an instance the cluster does not have', async () => {
    const e = await failure(t.ecs.send(new DeregisterContainerInstanceCommand({ cluster: 'web', containerInstance: '0123456789abcdef0123456789abcdef' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Container instance not found.')
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(t.ecs.send(new DeregisterContainerInstanceCommand({ cluster: 'nowhere', containerInstance: 'x' })))
    expect(e.name).toBe('ClusterNotFoundException')
  })
})

describe('DescribeContainerInstances', () => {
  it('describes by id and by ARN, and answers MISSING failures for the rest', async () => {
    const arn = await register('web', { tags: [{ key: 'team', value: 'a' }] })
    const id = arn.split('/').pop()!
    const otherArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/web/ffffffffffffffffffffffffffffffff`
    const out = await t.ecs.send(new DescribeContainerInstancesCommand({
      cluster: 'web', containerInstances: [id, arn, 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', otherArn]
    }))
    expect(out.containerInstances!.map(i => i.containerInstanceArn)).toEqual([arn, arn])
    expect(out.containerInstances![0].tags).toEqual([])
    expect(out.containerInstances![0].healthStatus).toBeUndefined()
    expect(out.failures).toEqual([
      { arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/web/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee`, reason: 'MISSING' },
      { arn: otherArn, reason: 'MISSING' }
    ])
  })

  it('adds tags and health when include asks for them', async () => {
    const arn = await register('web', { tags: [{ key: 'team', value: 'b' }] })
    const out = await t.ecs.send(new DescribeContainerInstancesCommand({
      cluster: 'web', containerInstances: [arn], include: ['TAGS', 'CONTAINER_INSTANCE_HEALTH']
    }))
    expect(out.containerInstances![0]).toMatchObject({
      tags: [{ key: 'team', value: 'b' }],
      healthStatus: { overallStatus: 'INSUFFICIENT_DATA', details: [] }
    })
  })

  it('authorizes each instance with ecs:cluster set to the cluster ARN', async () => {
    const arn = await register('web')
    await t.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'web', containerInstances: [arn] }))
    const [record] = t.emu.emulator.decisions.query({ action: 'ecs:DescribeContainerInstances', limit: 1 })
    expect(record).toMatchObject({ resource: arn, context: { 'ecs:cluster': clusterArn('web') } })
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(t.ecs.send(new DescribeContainerInstancesCommand({ cluster: 'nowhere', containerInstances: ['x'] })))
    expect(e.name).toBe('ClusterNotFoundException')
    expect(e.message).toBe('Cluster not found.')
  })
})

describe('ListContainerInstances', () => {
  const arnsIn: Record<string, string> = {}

  beforeAll(async () => {
    arnsIn.small = await register('filters', {
      instanceIdentityDocument: identity('i-0bbbbbbbbbbbbbbb1', { instanceType: 't3.small', availabilityZone: 'us-east-1b' }),
      attributes: [{ name: 'stack', value: 'prod' }]
    })
    arnsIn.medium = await register('filters', {
      instanceIdentityDocument: identity('i-0bbbbbbbbbbbbbbb2'),
      attributes: [{ name: 'stack', value: 'test' }],
      versionInfo: { agentVersion: '1.80.0' }
    })
    arnsIn.large = await register('filters', {
      instanceIdentityDocument: identity('i-0bbbbbbbbbbbbbbb3', { instanceType: 'm5.large', availabilityZone: 'us-east-1c' }),
      versionInfo: { agentVersion: '1.105.1' }
    })
    await t.ecs.send(new UpdateContainerInstancesStateCommand({ cluster: 'filters', containerInstances: [arnsIn.large], status: 'DRAINING' }))
  })

  const list = async (filter?: string, status?: 'ACTIVE' | 'DRAINING') =>
    (await t.ecs.send(new ListContainerInstancesCommand({ cluster: 'filters', filter, status }))).containerInstanceArns

  it('lists ACTIVE and DRAINING instances by default, and one status when asked', async () => {
    expect(await list()).toEqual([arnsIn.small, arnsIn.medium, arnsIn.large])
    expect(await list(undefined, 'DRAINING')).toEqual([arnsIn.large])
    expect(await list(undefined, 'ACTIVE')).toEqual([arnsIn.small, arnsIn.medium])
  })

  it.each([
    ['attribute:stack', ['small', 'medium']],
    ['attribute:stack exists', ['small', 'medium']],
    ['attribute:stack !exists', ['large']],
    ['attribute:ecs.instance-type == t3.small', ['small']],
    ['attribute:ecs.instance-type equals t3.medium', ['medium']],
    ['attribute:stack != prod', ['medium']],
    ['attribute:ecs.availability-zone in [us-east-1a, us-east-1c]', ['medium', 'large']],
    ["attribute:ecs.availability-zone not_in ['us-east-1a']", ['small', 'large']],
    ['attribute:ecs.instance-type =~ t3.*', ['small', 'medium']],
    ['ec2InstanceId == i-0bbbbbbbbbbbbbbb2', ['medium']],
    ['ec2InstanceId in [i-0bbbbbbbbbbbbbbb1, i-0bbbbbbbbbbbbbbb3]', ['small', 'large']],
    ['agentConnected == false', ['small', 'medium', 'large']],
    ['agentConnected == true', []],
    ['runningTasksCount > 0', []],
    ['runningTasksCount == 0', ['small', 'medium', 'large']],
    ['agentVersion >= 1.100.0', ['large']],
    ['attribute:stack == prod or attribute:ecs.instance-type == m5.large', ['small', 'large']],
    ['attribute:stack exists and attribute:ecs.availability-zone == us-east-1a', ['medium']],
    ['attribute:stack == prod || (attribute:stack == test && agentConnected == false)', ['small', 'medium']],
    ['not attribute:stack == prod', ['medium', 'large']],
    ['registeredAt > 2020-01-01T00:00:00.000Z', ['small', 'medium', 'large']]
  ])('filters with %s', async (filter, expected) => {
    expect(await list(filter)).toEqual(expected.map(k => arnsIn[k]))
  })

  it('pages with maxResults and nextToken', async () => {
    const first = await t.ecs.send(new ListContainerInstancesCommand({ cluster: 'filters', maxResults: 2 }))
    expect(first.containerInstanceArns).toEqual([arnsIn.small, arnsIn.medium])
    const rest = await t.ecs.send(new ListContainerInstancesCommand({ cluster: 'filters', maxResults: 2, nextToken: first.nextToken }))
    expect(rest.containerInstanceArns).toEqual([arnsIn.large])
    expect(rest.nextToken).toBeUndefined()
  })

  it.each([
    ['attribute:stack ==', 'Invalid filter expression: expected a value at the end'],
    ['attribute:stack in us-east-1a', "Invalid filter expression: expected '[' after in / not_in"],
    ['(attribute:stack', "Invalid filter expression: missing ')'"],
    ['attribute:stack == a b', "Invalid filter expression: unexpected 'b'"]
  ])('fails with InvalidParameterException for %s', async (filter, message) => {
    const e = await failure(list(filter))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe(message)
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(t.ecs.send(new ListContainerInstancesCommand({ cluster: 'nowhere' })))
    expect(e.name).toBe('ClusterNotFoundException')
    expect(e.message).toBe('Cluster not found.')
  })
})

describe('UpdateContainerInstancesState', () => {
  it('drains and reactivates, counting versions', async () => {
    const arn = await register('web')
    const drained = await t.ecs.send(new UpdateContainerInstancesStateCommand({ cluster: 'web', containerInstances: [arn], status: 'DRAINING' }))
    expect(drained.containerInstances![0]).toMatchObject({ status: 'DRAINING', version: 2 })
    const active = await t.ecs.send(new UpdateContainerInstancesStateCommand({ cluster: 'web', containerInstances: [arn], status: 'ACTIVE' }))
    expect(active.containerInstances![0]).toMatchObject({ status: 'ACTIVE', version: 3 })
    expect(active.failures).toEqual([])
  })

  it('answers MISSING failures for instances the cluster does not have', async () => {
    const out = await t.ecs.send(new UpdateContainerInstancesStateCommand({
      cluster: 'web', containerInstances: ['dddddddddddddddddddddddddddddddd'], status: 'DRAINING'
    }))
    expect(out.failures).toEqual([{ arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/web/dddddddddddddddddddddddddddddddd`, reason: 'MISSING' }])
  })

  it('fails with InvalidParameterException for a status other than ACTIVE or DRAINING', async () => {
    const arn = await register('web')
    const e = await failure(t.ecs.send(new UpdateContainerInstancesStateCommand({ cluster: 'web', containerInstances: [arn], status: 'REGISTERING' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Container instances can only be updated to ACTIVE or DRAINING.')
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(t.ecs.send(new UpdateContainerInstancesStateCommand({ cluster: 'nowhere', containerInstances: ['x'], status: 'ACTIVE' })))
    expect(e.name).toBe('ClusterNotFoundException')
  })
})

describe('PutAttributes', () => {
  it('adds custom attributes that the filter language and ListAttributes see', async () => {
    const arn = await register('staging')
    const out = await t.ecs.send(new PutAttributesCommand({
      cluster: 'staging', attributes: [{ name: 'stack', value: 'production', targetId: arn }]
    }))
    expect(out.attributes).toEqual([{ name: 'stack', value: 'production', targetId: arn }])

    const listed = await t.ecs.send(new ListContainerInstancesCommand({ cluster: 'staging', filter: 'attribute:stack == production' }))
    expect(listed.containerInstanceArns).toEqual([arn])
    const attributes = await t.ecs.send(new ListAttributesCommand({ cluster: 'staging', targetType: 'container-instance', attributeName: 'stack' }))
    expect(attributes.attributes).toEqual([{ name: 'stack', value: 'production', targetId: arn }])
  })

  it('fails with TargetNotFoundException for an instance the cluster does not have', async () => {
    const e = await failure(t.ecs.send(new PutAttributesCommand({
      cluster: 'staging', attributes: [{ name: 'stack', value: 'x', targetId: 'cccccccccccccccccccccccccccccccc' }]
    })))
    expect(e.name).toBe('TargetNotFoundException')
    expect(e.message).toBe("Could not find the target 'cccccccccccccccccccccccccccccccc'.")
  })

  it('fails with InvalidParameterException without a targetId', async () => {
    const e = await failure(t.ecs.send(new PutAttributesCommand({ cluster: 'staging', attributes: [{ name: 'stack', value: 'x' }] })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Attribute targetId must be specified.')
  })

  it('fails with AttributeLimitExceededException past 10 custom attributes', async () => {
    const arn = await register('staging')
    const attributes = (from: number) => Array.from({ length: 6 }, (_, i) => ({ name: `custom-${from + i}`, value: 'x', targetId: arn }))
    await t.ecs.send(new PutAttributesCommand({ cluster: 'staging', attributes: attributes(0) }))
    const e = await failure(t.ecs.send(new PutAttributesCommand({ cluster: 'staging', attributes: attributes(6) })))
    expect(e.name).toBe('AttributeLimitExceededException')
    expect(e.message).toBe('You can apply up to 10 custom attributes for each resource.')
  })
})

describe('DeleteAttributes', () => {
  it('removes attributes by name', async () => {
    const arn = await register('staging')
    await t.ecs.send(new PutAttributesCommand({ cluster: 'staging', attributes: [{ name: 'zone', value: 'blue', targetId: arn }] }))
    const out = await t.ecs.send(new DeleteAttributesCommand({ cluster: 'staging', attributes: [{ name: 'zone', targetId: arn }] }))
    expect(out.attributes).toEqual([{ name: 'zone', targetId: arn }])
    const left = await t.ecs.send(new ListAttributesCommand({ cluster: 'staging', targetType: 'container-instance', attributeName: 'zone' }))
    expect(left.attributes).toEqual([])
  })

  it('fails with TargetNotFoundException for an instance the cluster does not have', async () => {
    const e = await failure(t.ecs.send(new DeleteAttributesCommand({ cluster: 'staging', attributes: [{ name: 'zone', targetId: 'nope' }] })))
    expect(e.name).toBe('TargetNotFoundException')
  })
})

describe('ListAttributes', () => {
  it('lists every attribute of the cluster, filtered by name and value, in pages', async () => {
    const client = t.emu.clients(undefined, 'us-east-2').ecs
    await client.send(new CreateClusterCommand({ clusterName: 'attrs' }))
    const a = await register('attrs', { attributes: [{ name: 'stack', value: 'prod' }] }, client)
    const b = await register('attrs', { attributes: [{ name: 'stack', value: 'test' }] }, client)

    const prod = await client.send(new ListAttributesCommand({ cluster: 'attrs', targetType: 'container-instance', attributeName: 'stack', attributeValue: 'prod' }))
    expect(prod.attributes).toEqual([{ name: 'stack', value: 'prod', targetId: a }])

    const first = await client.send(new ListAttributesCommand({ cluster: 'attrs', targetType: 'container-instance', maxResults: 6 }))
    expect(first.attributes).toHaveLength(6)
    const rest = await client.send(new ListAttributesCommand({ cluster: 'attrs', targetType: 'container-instance', nextToken: first.nextToken }))
    expect(rest.attributes).toHaveLength(4)
    expect(rest.attributes!.at(-1)).toEqual({ name: 'ecs.cpu-architecture', value: 'x86_64', targetId: b })
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(t.ecs.send(new ListAttributesCommand({ cluster: 'nowhere', targetType: 'container-instance' })))
    expect(e.name).toBe('ClusterNotFoundException')
  })
})

describe('DiscoverPollEndpoint', () => {
  it("answers the emulator's own URL for ACS, TCS and Service Connect", async () => {
    const out = await t.ecs.send(new DiscoverPollEndpointCommand({ cluster: 'web' }))
    expect(out).toMatchObject({ endpoint: `${t.emu.url}/acs/`, telemetryEndpoint: `${t.emu.url}/tcs/`, serviceConnectEndpoint: `${t.emu.url}/` })
  })
})

describe('container instance isolation', () => {
  it('keeps an instance registered in us-east-1 out of eu-west-1', async () => {
    const arn = await register('prod')
    const west = t.emu.clients(undefined, 'eu-west-1').ecs
    await west.send(new CreateClusterCommand({ clusterName: 'prod' }))
    const listed = await west.send(new ListContainerInstancesCommand({ cluster: 'prod' }))
    expect(listed.containerInstanceArns).toEqual([])
    const described = await west.send(new DescribeContainerInstancesCommand({ cluster: 'prod', containerInstances: [arn.split('/').pop()!] }))
    expect(described.failures![0].reason).toBe('MISSING')
  })
})

describe('the instance role policy AmazonEC2ContainerServiceforEC2Role', () => {
  const policy = awsManagedPolicy('arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role')!
  const role: Principal = {
    type: 'assumed-role',
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ecsInstanceRole/i-0744a608689e00001`,
    account: ACCOUNT,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/ecsInstanceRole`,
    userId: 'AROAEXAMPLE:i-0744a608689e00001'
  }
  const allowed = (action: string, resource: string, context: Record<string, unknown> = {}) =>
    evaluate({ principal: role, action, resource, context: context as never },
      { identity: [{ kind: 'identity', id: policy.arn, document: policy.document }] }).decision

  it('allows every check the agent calls make', async () => {
    const client = t.emu.clients(undefined, 'us-west-2').ecs
    await client.send(new CreateClusterCommand({ clusterName: 'agents' }))
    const arn = await register('agents', { tags: [{ key: 'Name', value: 'ecs-node' }] }, client)
    await client.send(new DiscoverPollEndpointCommand({ cluster: 'agents', containerInstance: arn }))
    await client.send(new UpdateContainerInstancesStateCommand({ cluster: 'agents', containerInstances: [arn], status: 'DRAINING' }))
    await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))
    await client.send(new DeregisterContainerInstanceCommand({ cluster: 'agents', containerInstance: arn }))

    const actions = ['ecs:CreateCluster', 'ecs:RegisterContainerInstance', 'ecs:TagResource', 'ecs:DiscoverPollEndpoint',
      'ecs:UpdateContainerInstancesState', 'ecs:ListTagsForResource', 'ecs:DeregisterContainerInstance']
    for (const action of actions) {
      const [record] = t.emu.emulator.decisions.query({ action, limit: 1 })
      expect(record, action).toBeDefined()
      expect(allowed(record.action, record.resource, record.context), `${action} on ${record.resource}`).toBe('Allow')
    }
  })

  it('does not allow what the agent never calls', () => {
    const instance = `arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/web/0123456789abcdef0123456789abcdef`
    expect(allowed('ecs:DescribeContainerInstances', instance, { 'ecs:cluster': clusterArn('web') })).toBe('ImplicitDeny')
    expect(allowed('ecs:PutAttributes', instance, { 'ecs:cluster': clusterArn('web') })).toBe('ImplicitDeny')
    expect(allowed('ecs:TagResource', instance)).toBe('ImplicitDeny')
    expect(allowed('ecs:ListTagsForResource', clusterArn('web'))).toBe('ImplicitDeny')
  })
})

describe('the ecs:cluster condition key', () => {
  const PROD = clusterArn('prod')

  /** An IAM user whose one inline policy is `statement`. */
  const userWith = (name: string, statement: object) => userWithKey(t.iam, name, policyDocument(statement))

  it('lets DescribeContainerInstances through for the cluster the condition names only', async () => {
    const creds = await userWith('prod-reader', {
      Effect: 'Allow', Action: 'ecs:DescribeContainerInstances', Resource: '*',
      Condition: { ArnEquals: { 'ecs:cluster': PROD } }
    })
    const user = t.emu.clients(creds).ecs
    const prodInstance = await register('prod')
    const stagingInstance = await register('staging')

    const out = await user.send(new DescribeContainerInstancesCommand({ cluster: 'prod', containerInstances: [prodInstance] }))
    expect(out.containerInstances!.map(i => i.containerInstanceArn)).toEqual([prodInstance])
    const e = await failure(user.send(new DescribeContainerInstancesCommand({ cluster: 'staging', containerInstances: [stagingInstance] })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/prod-reader is not authorized to perform: ecs:DescribeContainerInstances on resource: ${stagingInstance} because no identity-based policy allows the ecs:DescribeContainerInstances action`)
  })

  it('scopes ListContainerInstances by the cluster as resource, not by ecs:cluster', async () => {
    const byResource = await userWith('prod-lister', { Effect: 'Allow', Action: 'ecs:ListContainerInstances', Resource: PROD })
    const lister = t.emu.clients(byResource).ecs
    expect((await lister.send(new ListContainerInstancesCommand({ cluster: 'prod' }))).containerInstanceArns).toBeDefined()
    const denied = await failure(lister.send(new ListContainerInstancesCommand({ cluster: 'staging' })))
    expect(denied.name).toBe('AccessDeniedException')
    expect(denied.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/prod-lister is not authorized to perform: ecs:ListContainerInstances on resource: ${clusterArn('staging')} because no identity-based policy allows the ecs:ListContainerInstances action`)

    // The Service Authorization Reference lists no ecs:cluster key for ListContainerInstances:
    // a policy conditioned on it finds the key absent and allows nothing, prod included.
    const byCondition = await userWith('prod-lister-by-key', {
      Effect: 'Allow', Action: 'ecs:ListContainerInstances', Resource: '*',
      Condition: { ArnEquals: { 'ecs:cluster': PROD } }
    })
    const keyed = t.emu.clients(byCondition).ecs
    expect((await failure(keyed.send(new ListContainerInstancesCommand({ cluster: 'prod' })))).name).toBe('AccessDeniedException')
  })
})
