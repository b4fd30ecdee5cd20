import { beforeAll, describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT } from '../support/fixtures.js'
import { ec2Call, ec2Ok, filters, items } from './client.js'

const t = useEmulator()
const call = (action: string, params = {}) => ec2Call(t.emu.url, action, params)
const ok = (action: string, params = {}) => ec2Ok(t.emu.url, action, params)

let defaultVpc: string
beforeAll(async () => {
  defaultVpc = items((await ok('DescribeVpcs', filters(['is-default', ['true']]))).vpcSet)[0].vpcId
})

const describeGroup = async (id: string) =>
  items((await ok('DescribeSecurityGroups', { 'GroupId.1': id })).securityGroupInfo)[0]

describe('CreateSecurityGroup', () => {
  it('makes a group in the default VPC with the allow-all egress rule', async () => {
    const r = await ok('CreateSecurityGroup', { GroupName: 'web', GroupDescription: 'web servers' })
    expect(r.groupId).toMatch(/^sg-[0-9a-f]{17}$/)
    expect(r.securityGroupArn).toBe(`arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/${r.groupId}`)
    const g = await describeGroup(r.groupId)
    expect(g).toMatchObject({ groupName: 'web', groupDescription: 'web servers', vpcId: defaultVpc, ownerId: ACCOUNT })
    expect(items(g.ipPermissionsEgress)).toEqual([{
      ipProtocol: '-1', ipRanges: { item: [{ cidrIp: '0.0.0.0/0' }] }, ipv6Ranges: '', prefixListIds: '', groups: ''
    }])
    expect(g.ipPermissions).toBe('')
  })

  it('fails with InvalidGroup.Duplicate for a name the VPC has', async () => {
    await ok('CreateSecurityGroup', { GroupName: 'twice', GroupDescription: 'x' })
    const r = await call('CreateSecurityGroup', { GroupName: 'twice', GroupDescription: 'x' })
    expect([r.code, r.message]).toEqual(['InvalidGroup.Duplicate', `The security group 'twice' already exists for VPC '${defaultVpc}'`])
  })

  it('fails with InvalidGroup.Reserved for the name default', async () => {
    const r = await call('CreateSecurityGroup', { GroupName: 'default', GroupDescription: 'x' })
    expect([r.code, r.message]).toEqual(['InvalidGroup.Reserved', "The security group 'default' is reserved"])
  })

  it('fails with MissingParameter without a description', async () => {
    const r = await call('CreateSecurityGroup', { GroupName: 'nodesc' })
    expect([r.code, r.message]).toEqual(['MissingParameter', 'The request must contain the parameter Description'])
  })
})

describe('AuthorizeSecurityGroupIngress', () => {
  it('adds rules, groups them in DescribeSecurityGroups, and refuses the same rule twice', async () => {
    const id = (await ok('CreateSecurityGroup', { GroupName: 'ingress', GroupDescription: 'x' })).groupId
    const peer = (await ok('CreateSecurityGroup', { GroupName: 'peer', GroupDescription: 'x' })).groupId
    const r = await ok('AuthorizeSecurityGroupIngress', {
      GroupId: id,
      'IpPermissions.1.IpProtocol': 'tcp', 'IpPermissions.1.FromPort': 80, 'IpPermissions.1.ToPort': 80,
      'IpPermissions.1.IpRanges.1.CidrIp': '0.0.0.0/0', 'IpPermissions.1.IpRanges.1.Description': 'web',
      'IpPermissions.1.Groups.1.GroupId': peer
    })
    expect(r.return).toBe('true')
    expect(items(r.securityGroupRuleSet).map(x => [x.ipProtocol, x.fromPort, x.cidrIpv4, x.referencedGroupInfo?.groupId])).toEqual([
      ['tcp', '80', '0.0.0.0/0', undefined], ['tcp', '80', undefined, peer]
    ])
    expect(items(r.securityGroupRuleSet)[0].securityGroupRuleId).toMatch(/^sgr-/)
    const g = await describeGroup(id)
    expect(items(g.ipPermissions)).toEqual([{
      ipProtocol: 'tcp', fromPort: '80', toPort: '80',
      ipRanges: { item: [{ cidrIp: '0.0.0.0/0', description: 'web' }] }, ipv6Ranges: '', prefixListIds: '',
      groups: { item: [{ groupId: peer, userId: ACCOUNT }] }
    }])
    const again = await call('AuthorizeSecurityGroupIngress', { GroupId: id, IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '0.0.0.0/0' })
    expect([again.code, again.message]).toEqual(['InvalidPermission.Duplicate', 'the specified rule "peer: 0.0.0.0/0, TCP, from port: 80, to port: 80, ALLOW" already exists'])
  })

  it('takes the group by name in the default VPC', async () => {
    await ok('CreateSecurityGroup', { GroupName: 'by-name', GroupDescription: 'x' })
    await ok('AuthorizeSecurityGroupIngress', { GroupName: 'by-name', IpProtocol: 'udp', FromPort: 53, ToPort: 53, CidrIp: '10.0.0.0/8' })
    const g = items((await ok('DescribeSecurityGroups', { 'GroupName.1': 'by-name' })).securityGroupInfo)[0]
    expect(items(g.ipPermissions)[0]).toMatchObject({ ipProtocol: 'udp', fromPort: '53' })
  })

  it('fails for TCP without ports', async () => {
    const id = (await ok('CreateSecurityGroup', { GroupName: 'noports', GroupDescription: 'x' })).groupId
    const r = await call('AuthorizeSecurityGroupIngress', { GroupId: id, 'IpPermissions.1.IpProtocol': 'tcp', 'IpPermissions.1.IpRanges.1.CidrIp': '0.0.0.0/0' })
    expect([r.code, r.message]).toEqual(['InvalidParameterValue', "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange."])
  })

  it('fails with InvalidGroup.NotFound for a group that does not exist', async () => {
    const r = await call('AuthorizeSecurityGroupIngress', { GroupId: 'sg-0123456789abcdef0', IpProtocol: '-1', CidrIp: '0.0.0.0/0' })
    expect([r.code, r.message]).toEqual(['InvalidGroup.NotFound', "The security group 'sg-0123456789abcdef0' does not exist"])
    const named = await call('AuthorizeSecurityGroupIngress', { GroupName: 'nope', IpProtocol: '-1', CidrIp: '0.0.0.0/0' })
    expect([named.code, named.message]).toEqual(['InvalidGroup.NotFound', `The security group 'nope' does not exist in default VPC '${defaultVpc}'`])
  })
})

describe('RevokeSecurityGroupIngress', () => {
  it('removes a matching rule, and fails with InvalidPermission.NotFound for one the group lacks', async () => {
    const id = (await ok('CreateSecurityGroup', { GroupName: 'revoke', GroupDescription: 'x' })).groupId
    await ok('AuthorizeSecurityGroupIngress', { GroupId: id, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '10.0.0.0/8' })
    const r = await ok('RevokeSecurityGroupIngress', { GroupId: id, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '10.0.0.0/8' })
    expect(r.return).toBe('true')
    expect(items(r.revokedSecurityGroupRuleSet)[0]).toMatchObject({ groupId: id, ipProtocol: 'tcp', cidrIpv4: '10.0.0.0/8', isEgress: 'false' })
    expect((await describeGroup(id)).ipPermissions).toBe('')
    const again = await call('RevokeSecurityGroupIngress', { GroupId: id, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '10.0.0.0/8' })
    expect([again.code, again.message]).toEqual(['InvalidPermission.NotFound', 'The specified rule does not exist in this security group.'])
  })

  it('removes a rule by its id', async () => {
    const id = (await ok('CreateSecurityGroup', { GroupName: 'by-rule-id', GroupDescription: 'x' })).groupId
    const added = await ok('AuthorizeSecurityGroupIngress', { GroupId: id, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' })
    const ruleId = items(added.securityGroupRuleSet)[0].securityGroupRuleId
    await ok('RevokeSecurityGroupIngress', { GroupId: id, 'SecurityGroupRuleId.1': ruleId })
    expect((await describeGroup(id)).ipPermissions).toBe('')
  })
})

describe('AuthorizeSecurityGroupEgress and RevokeSecurityGroupEgress', () => {
  it('replace the default egress rule with a narrower one', async () => {
    const id = (await ok('CreateSecurityGroup', { GroupName: 'egress', GroupDescription: 'x' })).groupId
    await ok('RevokeSecurityGroupEgress', { GroupId: id, 'IpPermissions.1.IpProtocol': '-1', 'IpPermissions.1.IpRanges.1.CidrIp': '0.0.0.0/0' })
    await ok('AuthorizeSecurityGroupEgress', { GroupId: id, 'IpPermissions.1.IpProtocol': 'tcp', 'IpPermissions.1.FromPort': 443, 'IpPermissions.1.ToPort': 443, 'IpPermissions.1.IpRanges.1.CidrIp': '0.0.0.0/0' })
    const g = await describeGroup(id)
    expect(items(g.ipPermissionsEgress).map(p => [p.ipProtocol, p.fromPort])).toEqual([['tcp', '443']])
  })

  it('fail with MissingParameter without a GroupId', async () => {
    const r = await call('AuthorizeSecurityGroupEgress', { IpProtocol: '-1', CidrIp: '0.0.0.0/0' })
    expect([r.code, r.message]).toEqual(['MissingParameter', 'The request must contain the parameter GroupId'])
  })
})

describe('DeleteSecurityGroup', () => {
  it('deletes a group, refuses the default group and one another group refers to', async () => {
    const a = (await ok('CreateSecurityGroup', { GroupName: 'del-a', GroupDescription: 'x' })).groupId
    const b = (await ok('CreateSecurityGroup', { GroupName: 'del-b', GroupDescription: 'x' })).groupId
    await ok('AuthorizeSecurityGroupIngress', { GroupId: b, 'IpPermissions.1.IpProtocol': '-1', 'IpPermissions.1.Groups.1.GroupId': a })
    const used = await call('DeleteSecurityGroup', { GroupId: a })
    expect([used.code, used.message]).toEqual(['DependencyViolation', `resource ${a} has a dependent object`])
    const r = await ok('DeleteSecurityGroup', { GroupId: b })
    expect(r).toMatchObject({ return: 'true', groupId: b })
    await ok('DeleteSecurityGroup', { GroupName: 'del-a' })
    const def = items((await ok('DescribeSecurityGroups', filters(['vpc-id', [defaultVpc]], ['group-name', ['default']]))).securityGroupInfo)[0]
    const refused = await call('DeleteSecurityGroup', { GroupId: def.groupId })
    expect([refused.code, refused.message]).toEqual(['CannotDelete', `the specified group: "${def.groupId}" name: "default" cannot be deleted by a user`])
  })
})

describe('DescribeSecurityGroups', () => {
  it('filters by rule attributes and tags', async () => {
    const id = (await ok('CreateSecurityGroup', {
      GroupName: 'filtered', GroupDescription: 'x', 'TagSpecification.1.ResourceType': 'security-group',
      'TagSpecification.1.Tag.1.Key': 'team', 'TagSpecification.1.Tag.1.Value': 'blue'
    })).groupId
    await ok('AuthorizeSecurityGroupIngress', { GroupId: id, IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: '10.0.0.0/16' })
    const byPort = items((await ok('DescribeSecurityGroups', filters(['ip-permission.from-port', ['5432']]))).securityGroupInfo)
    expect(byPort.map(g => g.groupId)).toEqual([id])
    const byTag = items((await ok('DescribeSecurityGroups', filters(['tag:team', ['blue']]))).securityGroupInfo)
    expect(byTag.map(g => g.groupId)).toEqual([id])
    expect(items(byTag[0].tagSet)).toEqual([{ key: 'team', value: 'blue' }])
  })

  it('fails with InvalidGroup.NotFound for an id it does not have', async () => {
    const r = await call('DescribeSecurityGroups', { 'GroupId.1': 'sg-00000000000000000' })
    expect([r.code, r.message]).toEqual(['InvalidGroup.NotFound', "The security group 'sg-00000000000000000' does not exist"])
  })
})
