import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, policyDocument, userWithKey } from '../support/fixtures.js'
import { ecsOptimizedAmi } from '../../src/ssm/parameter.js'
import { ec2Call, ec2Ok, filters, items } from './client.js'

const t = useEmulator()
const call = (action: string, params = {}) => ec2Call(t.emu.url, action, params)
const ok = (action: string, params = {}) => ec2Ok(t.emu.url, action, params)

describe('CreateTags', () => {
  it('tags resources of several kinds at once, and DescribeTags lists them', async () => {
    const vpc = (await ok('CreateVpc', { CidrBlock: '10.30.0.0/16' })).vpc.vpcId
    const sg = (await ok('CreateSecurityGroup', { GroupName: 'tagged', GroupDescription: 'x', VpcId: vpc })).groupId
    const instance = items((await ok('RunInstances', { ImageId: ecsOptimizedAmi('us-east-1'), MinCount: 1, MaxCount: 1 })).instancesSet)[0].instanceId
    const r = await ok('CreateTags', {
      'ResourceId.1': vpc, 'ResourceId.2': sg, 'ResourceId.3': instance,
      'Tag.1.Key': 'env', 'Tag.1.Value': 'test', 'Tag.2.Key': 'owner', 'Tag.2.Value': 'me'
    })
    expect(r.return).toBe('true')
    const d = await ok('DescribeTags', filters(['key', ['env']]))
    expect(items(d.tagSet)).toEqual([
      { resourceId: instance, resourceType: 'instance', key: 'env', value: 'test' },
      { resourceId: sg, resourceType: 'security-group', key: 'env', value: 'test' },
      { resourceId: vpc, resourceType: 'vpc', key: 'env', value: 'test' }
    ].sort((a, b) => a.resourceId.localeCompare(b.resourceId)))
    const byResource = await ok('DescribeTags', filters(['resource-id', [vpc]]))
    expect(items(byResource.tagSet).map(x => x.key)).toEqual(['env', 'owner'])
    const instances = await ok('DescribeInstances', filters(['tag-key', ['owner']], ['instance-id', [instance]]))
    expect(items(instances.reservationSet)).toHaveLength(1)
  })

  it('replaces the value of a key the resource has', async () => {
    const vpc = (await ok('CreateVpc', { CidrBlock: '10.31.0.0/16' })).vpc.vpcId
    await ok('CreateTags', { 'ResourceId.1': vpc, 'Tag.1.Key': 'Name', 'Tag.1.Value': 'a' })
    await ok('CreateTags', { 'ResourceId.1': vpc, 'Tag.1.Key': 'Name', 'Tag.1.Value': 'b' })
    const v = items((await ok('DescribeVpcs', { 'VpcId.1': vpc })).vpcSet)[0]
    expect(items(v.tagSet)).toEqual([{ key: 'Name', value: 'b' }])
  })

  it('fails with the NotFound error of the resource\'s kind, or InvalidID for an id of no known form', async () => {
    const missing = await call('CreateTags', { 'ResourceId.1': 'i-0123456789abcdef0', 'Tag.1.Key': 'a', 'Tag.1.Value': 'b' })
    expect([missing.code, missing.message]).toEqual(['InvalidInstanceID.NotFound', "The instance ID 'i-0123456789abcdef0' does not exist"])
    const odd = await call('CreateTags', { 'ResourceId.1': 'banana', 'Tag.1.Key': 'a', 'Tag.1.Value': 'b' })
    expect([odd.code, odd.message]).toEqual(['InvalidID', "The ID 'banana' is not valid"])
  })

  it('refuses keys starting with aws:', async () => {
    const vpc = (await ok('CreateVpc', { CidrBlock: '10.32.0.0/16' })).vpc.vpcId
    const r = await call('CreateTags', { 'ResourceId.1': vpc, 'Tag.1.Key': 'aws:x', 'Tag.1.Value': 'b' })
    expect([r.code, r.message]).toEqual(['InvalidParameterValue', "Value ( aws:x ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use"])
  })

  it('is authorized on each resource with its tags and the request tags', async () => {
    const vpc = (await ok('CreateSecurityGroup', { GroupName: 'red', GroupDescription: 'x', 'TagSpecification.1.ResourceType': 'security-group', 'TagSpecification.1.Tag.1.Key': 'team', 'TagSpecification.1.Tag.1.Value': 'red' })).groupId
    const creds = await userWithKey(t.iam, 'red-tagger', policyDocument({
      Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'red' } }
    }))
    expect((await ec2Call(t.emu.url, 'CreateTags', { 'ResourceId.1': vpc, 'Tag.1.Key': 'a', 'Tag.1.Value': 'b' }, creds)).status).toBe(200)
    const other = (await ok('CreateSecurityGroup', { GroupName: 'untagged', GroupDescription: 'x' })).groupId
    const r = await ec2Call(t.emu.url, 'CreateTags', { 'ResourceId.1': other, 'Tag.1.Key': 'a', 'Tag.1.Value': 'b' }, creds)
    expect(r.code).toBe('UnauthorizedOperation')
    expect(r.message).toContain(`on resource: arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/${other} because`)
  })
})

describe('DeleteTags', () => {
  it('removes a key, a key only with its value, or every tag', async () => {
    const vpc = (await ok('CreateSecurityGroup', { GroupName: 'detag', GroupDescription: 'x' })).groupId
    await ok('CreateTags', { 'ResourceId.1': vpc, 'Tag.1.Key': 'a', 'Tag.1.Value': '1', 'Tag.2.Key': 'b', 'Tag.2.Value': '2', 'Tag.3.Key': 'c', 'Tag.3.Value': '3' })
    await ok('DeleteTags', { 'ResourceId.1': vpc, 'Tag.1.Key': 'a' })
    await ok('DeleteTags', { 'ResourceId.1': vpc, 'Tag.1.Key': 'b', 'Tag.1.Value': 'other' })
    const tags = async () => items(items((await ok('DescribeSecurityGroups', { 'GroupId.1': vpc })).securityGroupInfo)[0].tagSet).map(x => x.key)
    expect(await tags()).toEqual(['b', 'c'])
    await ok('DeleteTags', { 'ResourceId.1': vpc })
    expect(await tags()).toEqual([])
  })
})

describe('DescribeTags', () => {
  it('fails with InvalidParameterValue for a filter it does not know', async () => {
    const r = await call('DescribeTags', filters(['vpc-id', ['x']]))
    expect([r.code, r.message]).toEqual(['InvalidParameterValue', "The filter 'vpc-id' is invalid"])
  })

  it('answers as the instance role may call it (ec2:DescribeTags is in the ECS policy for EC2)', async () => {
    const res = await fetch(`${t.emu.url}/_emulator/instances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instanceProfile: 'ecs-emulator-instance-profile' }) })
    const { imdsEndpoint, instanceId } = await res.json() as { imdsEndpoint: string, instanceId: string }
    const c = await (await fetch(`${imdsEndpoint}/latest/meta-data/iam/security-credentials/ecs-emulator-instance-role`)).json() as any
    const r = await ec2Call(t.emu.url, 'DescribeTags', filters(['resource-id', [instanceId]]), {
      accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token
    })
    expect(r.status).toBe(200)
    expect(items(r.body.tagSet)).toEqual([])
  })
})
