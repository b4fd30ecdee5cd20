import { beforeAll, describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, CreateServiceCommand, DescribeClustersCommand, DescribeServicesCommand,
  ListTagsForResourceCommand,
  RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, TagResourceCommand,
  UntagResourceCommand
} from '@aws-sdk/client-ecs'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, clusterArn, failure, userWithKey } from '../support/fixtures.js'

const t = useEmulator()
let instanceArn: string
beforeAll(async () => {
  await t.ecs.send(new CreateClusterCommand({ clusterName: 'tagged' }))
  const { containerInstance } = await t.ecs.send(new RegisterContainerInstanceCommand({
    cluster: 'tagged', instanceIdentityDocument: JSON.stringify({ instanceId: 'i-0123456789abcdef0' })
  }))
  instanceArn = containerInstance!.containerInstanceArn!
})

const tagsOf = async (resourceArn: string) => (await t.ecs.send(new ListTagsForResourceCommand({ resourceArn }))).tags

describe('TagResource', () => {
  it('adds tags to a cluster and replaces the value of a key it already has', async () => {
    await t.ecs.send(new TagResourceCommand({ resourceArn: clusterArn('tagged'), tags: [{ key: 'team', value: 'web' }, { key: 'env', value: 'dev' }] }))
    await t.ecs.send(new TagResourceCommand({ resourceArn: clusterArn('tagged'), tags: [{ key: 'env', value: 'prod' }] }))
    expect(await tagsOf(clusterArn('tagged'))).toEqual([{ key: 'team', value: 'web' }, { key: 'env', value: 'prod' }])
    const { clusters } = await t.ecs.send(new DescribeClustersCommand({ clusters: ['tagged'], include: ['TAGS'] }))
    expect(clusters![0].tags).toEqual([{ key: 'team', value: 'web' }, { key: 'env', value: 'prod' }])
  })

  it('tags a container instance', async () => {
    await t.ecs.send(new TagResourceCommand({ resourceArn: instanceArn, tags: [{ key: 'rack', value: 'r1' }] }))
    expect(await tagsOf(instanceArn)).toEqual([{ key: 'rack', value: 'r1' }])
  })

  it('tags a task definition revision', async () => {
    const { taskDefinition } = await t.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'web', containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128 }]
    }))
    await t.ecs.send(new TagResourceCommand({ resourceArn: taskDefinition!.taskDefinitionArn, tags: [{ key: 'app', value: 'web' }] }))
    expect(await tagsOf(taskDefinition!.taskDefinitionArn!)).toEqual([{ key: 'app', value: 'web' }])
  })

  it('tags a service, which DescribeServices then shows with include TAGS', async () => {
    await t.ecs.send(new RegisterTaskDefinitionCommand({ family: 'svc', containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128 }] }))
    const { service } = await t.ecs.send(new CreateServiceCommand({ cluster: 'tagged', serviceName: 'svc', taskDefinition: 'svc', desiredCount: 0 }))
    await t.ecs.send(new TagResourceCommand({ resourceArn: service!.serviceArn, tags: [{ key: 'tier', value: 'web' }] }))
    expect(await tagsOf(service!.serviceArn!)).toEqual([{ key: 'tier', value: 'web' }])
    const { services } = await t.ecs.send(new DescribeServicesCommand({ cluster: 'tagged', services: ['svc'], include: ['TAGS'] }))
    expect(services![0].tags).toEqual([{ key: 'tier', value: 'web' }])
    await t.ecs.send(new UntagResourceCommand({ resourceArn: service!.serviceArn, tagKeys: ['tier'] }))
    expect(await tagsOf(service!.serviceArn!)).toEqual([])
    const missing = await failure(t.ecs.send(new TagResourceCommand({ resourceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/tagged/nope`, tags: [{ key: 'a', value: 'b' }] })))
    expect(missing.name).toBe('ResourceNotFoundException')
  })

  it('authorizes with the tags it adds and the tags the resource has', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'authz', tags: [{ key: 'owner', value: 'me' }] }))
    await t.ecs.send(new TagResourceCommand({ resourceArn: clusterArn('authz'), tags: [{ key: 'cost', value: 'c1' }] }))
    const [record] = t.emu.emulator.decisions.query({ action: 'ecs:TagResource', limit: 1 })
    expect(record).toMatchObject({
      resource: clusterArn('authz'),
      context: { 'aws:ResourceTag/owner': 'me', 'aws:RequestTag/cost': 'c1', 'aws:TagKeys': ['cost'] }
    })
    expect(record.context['ecs:CreateAction']).toBeUndefined()
  })

  it('fails with ClusterNotFoundException for a cluster that does not exist', async () => {
    const e = await failure(t.ecs.send(new TagResourceCommand({ resourceArn: clusterArn('nope'), tags: [{ key: 'a', value: 'b' }] })))
    expect(e.name).toBe('ClusterNotFoundException')
    expect(e.message).toBe('Cluster not found.')
  })

  it('fails with ClusterNotFoundException for a cluster of another region', async () => {
    const e = await failure(t.ecs.send(new TagResourceCommand({ resourceArn: clusterArn('tagged', 'eu-west-1'), tags: [{ key: 'a', value: 'b' }] })))
    expect(e.name).toBe('ClusterNotFoundException')
  })

  it('fails with ResourceNotFoundException for a container instance that does not exist', async () => {
    const e = await failure(t.ecs.send(new TagResourceCommand({
      resourceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/tagged/0123456789abcdef0123456789abcdef`,
      tags: [{ key: 'a', value: 'b' }]
    })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified resource could not be found.')
  })

  it('fails with InvalidParameterException for an ARN of another service', async () => {
    const e = await failure(t.ecs.send(new TagResourceCommand({ resourceArn: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/web`, tags: [{ key: 'a', value: 'b' }] })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('The ARN provided is invalid.')
  })

  it('fails with InvalidParameterException for a short-format ARN', async () => {
    const e = await failure(t.ecs.send(new TagResourceCommand({
      resourceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/0123456789abcdef0123456789abcdef`, tags: [{ key: 'a', value: 'b' }]
    })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Long arn format must be used for tagging operations')
  })

  it('fails with InvalidParameterException past 50 tags', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'full' }))
    const tags = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: 'v' }))
    await t.ecs.send(new TagResourceCommand({ resourceArn: clusterArn('full'), tags: tags(0, 45) }))
    const e = await failure(t.ecs.send(new TagResourceCommand({ resourceArn: clusterArn('full'), tags: tags(45, 6) })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('The number of tags exceeds the limit of 50.')
  })
})

describe('UntagResource', () => {
  it('removes the keys given and ignores keys the resource does not have', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'untag', tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] }))
    await t.ecs.send(new UntagResourceCommand({ resourceArn: clusterArn('untag'), tagKeys: ['a', 'zzz'] }))
    expect(await tagsOf(clusterArn('untag'))).toEqual([{ key: 'b', value: '2' }])
    const [record] = t.emu.emulator.decisions.query({ action: 'ecs:UntagResource', limit: 1 })
    expect(record.context).toMatchObject({ 'aws:TagKeys': ['a', 'zzz'], 'aws:ResourceTag/a': '1' })
  })

  it('fails with ClusterNotFoundException for a cluster that does not exist', async () => {
    const e = await failure(t.ecs.send(new UntagResourceCommand({ resourceArn: clusterArn('nope'), tagKeys: ['a'] })))
    expect(e.name).toBe('ClusterNotFoundException')
  })
})

describe('ListTagsForResource', () => {
  it('lists no tags for an untagged resource', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'bare' }))
    expect(await tagsOf(clusterArn('bare'))).toEqual([])
    expect(await tagsOf(`arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/FARGATE`)).toEqual([])
  })

  it('fails with InvalidParameterException for a container instance that does not exist', async () => {
    const e = await failure(tagsOf(`arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/tagged/ffffffffffffffffffffffffffffffff`))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('The specified resource could not be found.')
  })

  it('fails with ClusterNotFoundException for a container instance of a cluster that does not exist', async () => {
    const e = await failure(tagsOf(`arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/nope/ffffffffffffffffffffffffffffffff`))
    expect(e.name).toBe('ClusterNotFoundException')
  })

  it('fails with InvalidParameterException for a task definition that does not exist', async () => {
    const e = await failure(tagsOf(`arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/nothing:1`))
    expect(e.name).toBe('InvalidParameterException')
  })

  it('fails with InvalidParameterException for something that is not an ARN', async () => {
    const e = await failure(tagsOf('tagged'))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('The ARN provided is invalid.')
  })
})

describe('tagging authorization (tagResourceAuthorization)', () => {
  it('refuses CreateCluster with tags to a caller without ecs:TagResource', async () => {
    const creds = await userWithKey(t.iam, 'creator', allowPolicy(['ecs:CreateCluster']))
    const user = t.emu.clients(creds).ecs

    const e = await failure(user.send(new CreateClusterCommand({ clusterName: 'with-tags', tags: [{ key: 'a', value: 'b' }] })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/creator is not authorized to perform: ecs:TagResource on resource: ${clusterArn('with-tags')} because no identity-based policy allows the ecs:TagResource action`)
    const { cluster } = await user.send(new CreateClusterCommand({ clusterName: 'without-tags' }))
    expect(cluster!.status).toBe('ACTIVE')
  })
})
