import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, userWithKey } from '../support/fixtures.js'
import { ec2Call, ec2Ok, filters, items } from './client.js'

const t = useEmulator()
const call = (action: string, params = {}) => ec2Call(t.emu.url, action, params)
const ok = (action: string, params = {}) => ec2Ok(t.emu.url, action, params)

describe('the default VPC', () => {
  it('is there from the first call: 172.31.0.0/16, a /20 default subnet per zone, a default group', async () => {
    const vpcs = items((await ok('DescribeVpcs', filters(['is-default', ['true']]))).vpcSet)
    expect(vpcs).toHaveLength(1)
    expect(vpcs[0]).toMatchObject({ cidrBlock: '172.31.0.0/16', isDefault: 'true', state: 'available', ownerId: ACCOUNT })
    const subnets = items((await ok('DescribeSubnets', filters(['vpc-id', [vpcs[0].vpcId]], ['default-for-az', ['true']]))).subnetSet)
    expect(subnets.map(s => [s.availabilityZone, s.cidrBlock])).toEqual([
      ['us-east-1a', '172.31.0.0/20'], ['us-east-1b', '172.31.16.0/20'], ['us-east-1c', '172.31.32.0/20'],
      ['us-east-1d', '172.31.48.0/20'], ['us-east-1e', '172.31.64.0/20'], ['us-east-1f', '172.31.80.0/20']
    ])
    expect(subnets[0]).toMatchObject({ availabilityZoneId: 'use1-az1', mapPublicIpOnLaunch: 'true', availableIpAddressCount: expect.any(String) })
    const groups = items((await ok('DescribeSecurityGroups', filters(['vpc-id', [vpcs[0].vpcId]]))).securityGroupInfo)
    expect(groups.map(g => g.groupName)).toEqual(['default'])
    expect(groups[0].groupDescription).toBe('default VPC security group')
  })

  it('is made per region', async () => {
    const r = await ec2Ok(t.emu.url, 'DescribeSubnets', filters(['default-for-az', ['true']]), undefined, 'eu-west-1')
    expect(items(r.subnetSet).map(s => s.availabilityZone)).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c'])
  })

  it('is named by DescribeAccountAttributes', async () => {
    const vpc = items((await ok('DescribeVpcs', filters(['isDefault', ['true']]))).vpcSet)[0]
    const attrs = items((await ok('DescribeAccountAttributes', { 'AttributeName.1': 'default-vpc' })).accountAttributeSet)
    expect(attrs).toEqual([{ attributeName: 'default-vpc', attributeValueSet: { item: [{ attributeValue: vpc.vpcId }] } }])
  })
})

describe('DescribeAvailabilityZones', () => {
  it('lists the region\'s zones with their ids', async () => {
    const zones = items((await ok('DescribeAvailabilityZones')).availabilityZoneInfo)
    expect(zones[0]).toMatchObject({ zoneName: 'us-east-1a', zoneId: 'use1-az1', zoneState: 'available', regionName: 'us-east-1', zoneType: 'availability-zone' })
    const one = items((await ok('DescribeAvailabilityZones', { 'ZoneName.1': 'us-east-1b' })).availabilityZoneInfo)
    expect(one.map(z => z.zoneName)).toEqual(['us-east-1b'])
  })

  it('fails with InvalidParameterValue for a zone the region does not have', async () => {
    const r = await call('DescribeAvailabilityZones', { 'ZoneName.1': 'us-east-1z' })
    expect([r.status, r.code, r.message]).toEqual([400, 'InvalidParameterValue', 'Invalid availability zone: [us-east-1z]'])
  })
})

describe('CreateVpc', () => {
  it('makes a VPC with a main route table and its default security group, tagged as asked', async () => {
    const r = await ok('CreateVpc', { CidrBlock: '10.0.0.0/16', 'TagSpecification.1.ResourceType': 'vpc', 'TagSpecification.1.Tag.1.Key': 'Name', 'TagSpecification.1.Tag.1.Value': 'app' })
    expect(r.vpc).toMatchObject({ cidrBlock: '10.0.0.0/16', isDefault: 'false', state: 'pending' })
    expect(items(r.vpc.tagSet)).toEqual([{ key: 'Name', value: 'app' }])
    const id = r.vpc.vpcId
    expect(id).toMatch(/^vpc-[0-9a-f]{17}$/)
    const groups = items((await ok('DescribeSecurityGroups', filters(['vpc-id', [id]]))).securityGroupInfo)
    expect(groups.map(g => g.groupName)).toEqual(['default'])
    const tagged = items((await ok('DescribeVpcs', filters(['tag:Name', ['ap*']]))).vpcSet)
    expect(tagged.map(v => v.vpcId)).toEqual([id])
  })

  it('fails with InvalidVpc.Range for a block larger than /16', async () => {
    const r = await call('CreateVpc', { CidrBlock: '10.0.0.0/8' })
    expect([r.code, r.message]).toEqual(['InvalidVpc.Range', "The CIDR '10.0.0.0/8' is invalid."])
  })

  it('fails with InvalidParameterValue for text that is not a CIDR block', async () => {
    const r = await call('CreateVpc', { CidrBlock: 'ten' })
    expect([r.code, r.message]).toEqual(['InvalidParameterValue', 'Value (ten) for parameter cidrBlock is invalid. This is not a valid CIDR block.'])
  })

  it('answers DryRunOperation when allowed and DryRun is set, and makes nothing', async () => {
    const before = items((await ok('DescribeVpcs')).vpcSet).length
    const r = await call('CreateVpc', { CidrBlock: '10.9.0.0/16', DryRun: true })
    expect([r.status, r.code, r.message]).toEqual([412, 'DryRunOperation', 'Request would have succeeded, but DryRun flag is set.'])
    expect(items((await ok('DescribeVpcs')).vpcSet)).toHaveLength(before)
  })

  it('fails with UnauthorizedOperation, with an encoded message, for a caller without ec2:CreateVpc', async () => {
    const creds = await userWithKey(t.iam, 'vpc-reader', allowPolicy('ec2:Describe*'))
    const r = await ec2Call(t.emu.url, 'CreateVpc', { CidrBlock: '10.8.0.0/16' }, creds)
    expect([r.status, r.code]).toEqual([403, 'UnauthorizedOperation'])
    expect(r.message).toMatch(new RegExp(`^You are not authorized to perform this operation\\. User: arn:aws:iam::${ACCOUNT}:user/vpc-reader is not authorized to perform: ec2:CreateVpc on resource: arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/vpc-[0-9a-f]{17} because no identity-based policy allows the ec2:CreateVpc action\\. Encoded authorization failure message: [A-Za-z0-9_-]+$`))
    const dry = await ec2Call(t.emu.url, 'DescribeVpcs', { DryRun: true }, creds)
    expect(dry.code).toBe('DryRunOperation')
  })

  it('words a denied Describe without a resource and without an encoded message', async () => {
    const creds = await userWithKey(t.iam, 'nothing-ec2', allowPolicy('ecs:ListClusters'))
    const r = await ec2Call(t.emu.url, 'DescribeVpcs', {}, creds)
    expect([r.status, r.code, r.message]).toEqual([403, 'UnauthorizedOperation',
      `You are not authorized to perform this operation. User: arn:aws:iam::${ACCOUNT}:user/nothing-ec2 is not authorized to perform: ec2:DescribeVpcs because no identity-based policy allows the ec2:DescribeVpcs action`])
  })
})

describe('DeleteVpc', () => {
  it('deletes a VPC with its default group, and refuses one with subnets', async () => {
    const vpc = (await ok('CreateVpc', { CidrBlock: '10.1.0.0/16' })).vpc.vpcId
    const subnet = (await ok('CreateSubnet', { VpcId: vpc, CidrBlock: '10.1.1.0/24' })).subnet.subnetId
    const r = await call('DeleteVpc', { VpcId: vpc })
    expect([r.code, r.message]).toEqual(['DependencyViolation', `The vpc '${vpc}' has dependencies and cannot be deleted.`])
    await ok('DeleteSubnet', { SubnetId: subnet })
    expect((await ok('DeleteVpc', { VpcId: vpc })).return).toBe('true')
    expect(items((await ok('DescribeSecurityGroups', filters(['vpc-id', [vpc]]))).securityGroupInfo)).toEqual([])
  })

  it('fails with InvalidVpcID.NotFound for a VPC that does not exist', async () => {
    const r = await call('DeleteVpc', { VpcId: 'vpc-0123456789abcdef0' })
    expect([r.code, r.message]).toEqual(['InvalidVpcID.NotFound', "The vpc ID 'vpc-0123456789abcdef0' does not exist"])
  })

  it('fails with MissingParameter without a VpcId', async () => {
    const r = await call('DeleteVpc')
    expect([r.code, r.message]).toEqual(['MissingParameter', 'The request must contain the parameter VpcId'])
  })
})

describe('DescribeVpcs', () => {
  it('fails with InvalidVpcID.NotFound naming the ids it does not have', async () => {
    const r = await call('DescribeVpcs', { 'VpcId.1': 'vpc-00000000000000001', 'VpcId.2': 'vpc-00000000000000002' })
    expect([r.code, r.message]).toEqual(['InvalidVpcID.NotFound', "The vpc IDs 'vpc-00000000000000001, vpc-00000000000000002' do not exist"])
  })

  it('fails with InvalidParameterValue for a filter it does not know', async () => {
    const r = await call('DescribeVpcs', filters(['colour', ['blue']]))
    expect([r.code, r.message]).toEqual(['InvalidParameterValue', "The filter 'colour' is invalid"])
  })

  it('pages with MaxResults and NextToken', async () => {
    await ok('CreateVpc', { CidrBlock: '10.2.0.0/16' })
    const first = await ok('DescribeVpcs', { MaxResults: 5 })
    const all = items((await ok('DescribeVpcs')).vpcSet)
    if (all.length <= 5) {
      expect(first.nextToken).toBeUndefined()
      return
    }
    const second = await ok('DescribeVpcs', { MaxResults: 5, NextToken: first.nextToken })
    expect([...items(first.vpcSet), ...items(second.vpcSet)].length).toBe(all.length)
  })
})

describe('CreateSubnet', () => {
  it('makes a subnet in the zone asked for', async () => {
    const vpc = (await ok('CreateVpc', { CidrBlock: '10.3.0.0/16' })).vpc.vpcId
    const r = await ok('CreateSubnet', { VpcId: vpc, CidrBlock: '10.3.0.0/24', AvailabilityZone: 'us-east-1c' })
    expect(r.subnet).toMatchObject({ vpcId: vpc, cidrBlock: '10.3.0.0/24', availabilityZone: 'us-east-1c', availabilityZoneId: 'use1-az3', defaultForAz: 'false', availableIpAddressCount: '251' })
    const c = await call('CreateSubnet', { VpcId: vpc, CidrBlock: '10.3.0.128/25' })
    expect([c.code, c.message]).toEqual(['InvalidSubnet.Conflict', "The CIDR '10.3.0.128/25' conflicts with another subnet"])
    const out = await call('CreateSubnet', { VpcId: vpc, CidrBlock: '10.4.0.0/24' })
    expect([out.code, out.message]).toEqual(['InvalidSubnet.Range', "The CIDR '10.4.0.0/24' is invalid."])
    await ok('DeleteSubnet', { SubnetId: r.subnet.subnetId })
    await ok('DeleteVpc', { VpcId: vpc })
  })

  it('fails with InvalidVpcID.NotFound for a VPC that does not exist', async () => {
    const r = await call('CreateSubnet', { VpcId: 'vpc-0000000000000000f', CidrBlock: '10.0.0.0/24' })
    expect([r.code, r.message]).toEqual(['InvalidVpcID.NotFound', "The vpc ID 'vpc-0000000000000000f' does not exist"])
  })

  it('fails with InvalidParameterValue for a zone of another region', async () => {
    const vpc = items((await ok('DescribeVpcs', filters(['is-default', ['true']]))).vpcSet)[0].vpcId
    const r = await call('CreateSubnet', { VpcId: vpc, CidrBlock: '172.31.96.0/20', AvailabilityZone: 'eu-west-1a' })
    expect(r.code).toBe('InvalidParameterValue')
    expect(r.message).toBe('Value (eu-west-1a) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f.')
  })
})

describe('DeleteSubnet', () => {
  it('fails with InvalidSubnetID.NotFound for a subnet that does not exist', async () => {
    const r = await call('DeleteSubnet', { SubnetId: 'subnet-0123456789abcdef0' })
    expect([r.code, r.message]).toEqual(['InvalidSubnetID.NotFound', "The subnet ID 'subnet-0123456789abcdef0' does not exist"])
  })
})

describe('the ec2 protocol', () => {
  it('answers an unknown action with InvalidAction', async () => {
    const r = await call('DescribeImages')
    expect([r.status, r.code, r.message]).toEqual([400, 'InvalidAction', 'The action DescribeImages is not valid for this web service.'])
    expect(r.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>InvalidAction<\/Code>/)
    expect(r.text).toMatch(/<RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/)
  })

  it('answers AuthFailure for an unknown access key', async () => {
    const r = await ec2Call(t.emu.url, 'DescribeVpcs', {}, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' })
    expect([r.status, r.code, r.message]).toEqual([401, 'AuthFailure', 'AWS was not able to validate the provided access credentials'])
  })

  it('writes requestId first and the EC2 namespace', async () => {
    const r = await call('DescribeAvailabilityZones')
    expect(r.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<DescribeAvailabilityZonesResponse xmlns="http:\/\/ec2\.amazonaws\.com\/doc\/2016-11-15\/"><requestId>/)
  })
})

describe('EC2 authentication', () => {
  it('answers an unsigned request with MissingParameter for AWSAccessKeyId', async () => {
    const res = await fetch(`${t.emu.url}/`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeVpcs&Version=2016-11-15'
    })
    const text = await res.text()
    expect(res.status).toBe(400)
    expect(text).toContain('<Code>MissingParameter</Code><Message>The request must contain the parameter AWSAccessKeyId</Message>')
  })
})
