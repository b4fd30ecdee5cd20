import { beforeAll, describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, policyDocument, userWithKey } from '../support/fixtures.js'
import { ecsOptimizedAmi } from '../../src/ssm/parameter.js'
import { ec2Ok, filters, items } from '../ec2/client.js'
import { elbCall, elbOk, members } from './client.js'

const t = useEmulator()
const call = (action: string, input: object = {}) => elbCall(t.emu.url, action, input)
const ok = (action: string, input: object = {}) => elbOk(t.emu.url, action, input)

let vpcId = ''
let subnets: { subnetId: string, availabilityZone: string }[] = []

beforeAll(async () => {
  const vpc = items((await ec2Ok(t.emu.url, 'DescribeVpcs', filters(['is-default', ['true']]))).vpcSet)[0]
  vpcId = vpc.vpcId
  subnets = items((await ec2Ok(t.emu.url, 'DescribeSubnets', filters(['vpc-id', [vpcId]]))).subnetSet)
})

const twoSubnets = () => [subnets[0].subnetId, subnets[1].subnetId]

async function newLoadBalancer (name: string, more: object = {}): Promise<any> {
  const r = await ok('CreateLoadBalancer', { Name: name, Subnets: twoSubnets(), ...more })
  return members(r.LoadBalancers)[0]
}

async function newTargetGroup (name: string, more: object = {}): Promise<any> {
  const r = await ok('CreateTargetGroup', { Name: name, Protocol: 'HTTP', Port: 80, VpcId: vpcId, ...more })
  return members(r.TargetGroups)[0]
}

async function newListener (lbArn: string, tgArn: string, port = 80): Promise<any> {
  const r = await ok('CreateListener', {
    LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port,
    DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }]
  })
  return members(r.Listeners)[0]
}

describe('CreateLoadBalancer', () => {
  it('creates an ALB in two zones with a DNS name, the default group and state provisioning', async () => {
    const lb = await newLoadBalancer('web')
    expect(lb.LoadBalancerArn).toMatch(new RegExp(`^arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/web/[0-9a-f]{16}$`))
    expect(lb.DNSName).toMatch(/^web-\d+\.us-east-1\.elb\.amazonaws\.com$/)
    expect(lb).toMatchObject({ CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K', Scheme: 'internet-facing', Type: 'application',
      VpcId: vpcId, State: { Code: 'provisioning' }, IpAddressType: 'ipv4' })
    expect(members(lb.AvailabilityZones).map((z: any) => z.SubnetId)).toEqual(twoSubnets())
    expect(members(lb.SecurityGroups)).toHaveLength(1)
    const again = members((await ok('DescribeLoadBalancers', { Names: ['web'] })).LoadBalancers)[0]
    expect(again.State.Code).toBe('active')
  })

  it('prefixes internal load balancers with internal-', async () => {
    const lb = await newLoadBalancer('inside', { Scheme: 'internal', SubnetMappings: twoSubnets().map(SubnetId => ({ SubnetId })), Subnets: undefined })
    expect(lb.DNSName).toMatch(/^internal-inside-\d+\.us-east-1\.elb\.amazonaws\.com$/)
  })

  it('fails with ValidationError for one zone', async () => {
    const r = await call('CreateLoadBalancer', { Name: 'one', Subnets: [subnets[0].subnetId] })
    expect([r.status, r.code, r.message]).toEqual([400, 'ValidationError', 'At least two subnets in two different Availability Zones must be specified'])
    expect(r.text).toContain('<Type>Sender</Type>')
  })

  it('fails with SubnetNotFound for a subnet EC2 does not have', async () => {
    const r = await call('CreateLoadBalancer', { Name: 'nosub', Subnets: [subnets[0].subnetId, 'subnet-0123456789abcdef0'] })
    expect([r.code, r.message]).toEqual(['SubnetNotFound', "The subnet ID 'subnet-0123456789abcdef0' is not valid"])
  })

  it('fails with InvalidSecurityGroup for a group not in the VPC', async () => {
    const r = await call('CreateLoadBalancer', { Name: 'nosg', Subnets: twoSubnets(), SecurityGroups: ['sg-0123456789abcdef0'] })
    expect(r.code).toBe('InvalidSecurityGroup')
  })

  it('answers the same load balancer for the same settings, DuplicateLoadBalancerName otherwise', async () => {
    const first = await newLoadBalancer('twice')
    const same = await newLoadBalancer('twice')
    expect(same.LoadBalancerArn).toBe(first.LoadBalancerArn)
    const r = await call('CreateLoadBalancer', { Name: 'twice', Subnets: twoSubnets(), Scheme: 'internal' })
    expect([r.code, r.message]).toEqual(['DuplicateLoadBalancerName', "A load balancer with the same name 'twice' exists, but with different settings"])
  })
})

describe('DescribeLoadBalancers', () => {
  it('pages with Marker and PageSize', async () => {
    await newLoadBalancer('page-a')
    await newLoadBalancer('page-b')
    const all = members((await ok('DescribeLoadBalancers')).LoadBalancers)
    const first = await ok('DescribeLoadBalancers', { PageSize: 1 })
    expect(members(first.LoadBalancers)).toHaveLength(1)
    const rest = await ok('DescribeLoadBalancers', { Marker: first.NextMarker, PageSize: 400 })
    expect(members(rest.LoadBalancers)).toHaveLength(all.length - 1)
    expect(rest.NextMarker).toBeUndefined()
  })

  it('fails with LoadBalancerNotFound for an unknown name or ARN', async () => {
    const r = await call('DescribeLoadBalancers', { Names: ['nope'] })
    expect([r.code, r.message]).toEqual(['LoadBalancerNotFound', 'One or more load balancers not found'])
    const byArn = await call('DescribeLoadBalancers', { LoadBalancerArns: [`arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/app/nope/0123456789abcdef`] })
    expect(byArn.code).toBe('LoadBalancerNotFound')
  })
})

describe('load balancer attributes, SetSecurityGroups, SetSubnets and DeleteLoadBalancer', () => {
  it('has AWS defaults, takes changes, and deletion protection blocks deletion', async () => {
    const lb = await newLoadBalancer('attrs')
    const attrs = members((await ok('DescribeLoadBalancerAttributes', { LoadBalancerArn: lb.LoadBalancerArn })).Attributes)
    const map = Object.fromEntries(attrs.map((a: any) => [a.Key, a.Value ?? '']))
    expect(map).toMatchObject({ 'idle_timeout.timeout_seconds': '60', 'deletion_protection.enabled': 'false', 'routing.http2.enabled': 'true' })
    await ok('ModifyLoadBalancerAttributes', { LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }, { Key: 'idle_timeout.timeout_seconds', Value: '5' }] })
    const bad = await call('ModifyLoadBalancerAttributes', { LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'no.such', Value: '1' }] })
    expect(bad.code).toBe('ValidationError')
    const denied = await call('DeleteLoadBalancer', { LoadBalancerArn: lb.LoadBalancerArn })
    expect(denied.code).toBe('OperationNotPermitted')
    await ok('ModifyLoadBalancerAttributes', { LoadBalancerArn: lb.LoadBalancerArn, Attributes: [{ Key: 'deletion_protection.enabled', Value: 'false' }] })

    const group = members(lb.SecurityGroups)[0]
    expect(members((await ok('SetSecurityGroups', { LoadBalancerArn: lb.LoadBalancerArn, SecurityGroups: [group] })).SecurityGroupIds)).toEqual([group])
    const moved = await ok('SetSubnets', { LoadBalancerArn: lb.LoadBalancerArn, Subnets: [subnets[1].subnetId, subnets[2].subnetId] })
    expect(members(moved.AvailabilityZones).map((z: any) => z.ZoneName)).toEqual([subnets[1].availabilityZone, subnets[2].availabilityZone])

    await ok('DeleteLoadBalancer', { LoadBalancerArn: lb.LoadBalancerArn })
    expect((await call('DescribeLoadBalancers', { LoadBalancerArns: [lb.LoadBalancerArn] })).code).toBe('LoadBalancerNotFound')
  })
})

describe('CreateTargetGroup', () => {
  it('fills in the HTTP health check defaults and attributes', async () => {
    const tg = await newTargetGroup('tg-defaults')
    expect(tg.TargetGroupArn).toMatch(new RegExp(`^arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/tg-defaults/[0-9a-f]{16}$`))
    expect(tg).toMatchObject({ HealthCheckProtocol: 'HTTP', HealthCheckPort: 'traffic-port', HealthCheckEnabled: 'true',
      HealthCheckPath: '/', HealthCheckIntervalSeconds: '30', HealthCheckTimeoutSeconds: '5', HealthyThresholdCount: '5',
      UnhealthyThresholdCount: '2', Matcher: { HttpCode: '200' }, TargetType: 'instance', ProtocolVersion: 'HTTP1' })
    const attrs = members((await ok('DescribeTargetGroupAttributes', { TargetGroupArn: tg.TargetGroupArn })).Attributes)
    const map = Object.fromEntries(attrs.map((a: any) => [a.Key, a.Value ?? '']))
    expect(map).toMatchObject({ 'deregistration_delay.timeout_seconds': '300', 'slow_start.duration_seconds': '0',
      'stickiness.enabled': 'false', 'stickiness.type': 'lb_cookie', 'load_balancing.algorithm.type': 'round_robin' })
    await ok('ModifyTargetGroupAttributes', { TargetGroupArn: tg.TargetGroupArn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '10' }] })
    const modified = members((await ok('ModifyTargetGroup', { TargetGroupArn: tg.TargetGroupArn, HealthCheckPath: '/health', Matcher: { HttpCode: '200-299' } })).TargetGroups)[0]
    expect(modified).toMatchObject({ HealthCheckPath: '/health', Matcher: { HttpCode: '200-299' } })
  })

  it('fails with DuplicateTargetGroupName for the same name with other settings', async () => {
    await newTargetGroup('tg-dup')
    const r = await call('CreateTargetGroup', { Name: 'tg-dup', Protocol: 'HTTP', Port: 8080, VpcId: vpcId })
    expect([r.code, r.message]).toEqual(['DuplicateTargetGroupName', "A target group with the same name 'tg-dup' exists, but with different settings"])
  })

  it('fails with ValidationError without a VPC for instance targets', async () => {
    const r = await call('CreateTargetGroup', { Name: 'tg-novpc', Protocol: 'HTTP', Port: 80 })
    expect(r.code).toBe('ValidationError')
  })
})

describe('DescribeTargetGroups', () => {
  it('fails with TargetGroupNotFound for an unknown name, ValidationError for what is no ARN', async () => {
    const r = await call('DescribeTargetGroups', { Names: ['nope'] })
    expect([r.code, r.message]).toEqual(['TargetGroupNotFound', 'One or more target groups not found'])
    const bad = await call('DescribeTargetGroups', { TargetGroupArns: ['nope'] })
    expect([bad.code, bad.message]).toEqual(['ValidationError', "'nope' is not a valid target group ARN"])
  })
})

describe('listeners and rules', () => {
  it('creates a listener with its default rule, rules with priorities, and refuses what AWS refuses', async () => {
    const lb = await newLoadBalancer('routes')
    const tg = await newTargetGroup('tg-routes')
    const other = await newTargetGroup('tg-routes-b')
    const l = await newListener(lb.LoadBalancerArn, tg.TargetGroupArn)
    expect(l.ListenerArn).toMatch(/:listener\/app\/routes\/[0-9a-f]{16}\/[0-9a-f]{16}$/)
    expect(members(l.DefaultActions)[0]).toMatchObject({ Type: 'forward', TargetGroupArn: tg.TargetGroupArn,
      ForwardConfig: { TargetGroups: { member: [{ TargetGroupArn: tg.TargetGroupArn, Weight: '1' }] } } })

    const dup = await call('CreateListener', { LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }] })
    expect([dup.code, dup.message]).toEqual(['DuplicateListener', `A listener already exists on this port for this load balancer '${lb.LoadBalancerArn}'`])
    const missing = await call('CreateListener', { LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 81, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn.replace(/[0-9a-f]{16}$/, '0123456789abcdef') }] })
    expect(missing.code).toBe('TargetGroupNotFound')

    const rule = members((await ok('CreateRule', {
      ListenerArn: l.ListenerArn, Priority: 10,
      Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }, { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Env', Values: ['blue'] } }],
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: tg.TargetGroupArn, Weight: 3 }, { TargetGroupArn: other.TargetGroupArn, Weight: 1 }] } }]
    })).Rules)[0]
    expect(rule.RuleArn).toMatch(/:listener-rule\/app\/routes\/[0-9a-f]{16}\/[0-9a-f]{16}\/[0-9a-f]{16}$/)
    expect(members(rule.Conditions)[0]).toMatchObject({ Field: 'path-pattern', Values: { member: ['/api/*'] }, PathPatternConfig: { Values: { member: ['/api/*'] } } })

    const taken = await call('CreateRule', { ListenerArn: l.ListenerArn, Priority: 10, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['a.example.com'] } }], Actions: [{ Type: 'redirect', RedirectConfig: { StatusCode: 'HTTP_301', Protocol: 'HTTPS' } }] })
    expect([taken.code, taken.message]).toEqual(['PriorityInUse', "Priority '10' is currently in use"])
    const second = members((await ok('CreateRule', { ListenerArn: l.ListenerArn, Priority: 20, Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['a.example.com'] } }], Actions: [{ Type: 'redirect', RedirectConfig: { StatusCode: 'HTTP_301', Protocol: 'HTTPS' } }] })).Rules)[0]
    expect(members(second.Actions)[0].RedirectConfig).toEqual({ Protocol: 'HTTPS', Port: '#{port}', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' })

    const rules = members((await ok('DescribeRules', { ListenerArn: l.ListenerArn })).Rules)
    expect(rules.map((r: any) => [r.Priority, r.IsDefault])).toEqual([['10', 'false'], ['20', 'false'], ['default', 'true']])

    await ok('SetRulePriorities', { RulePriorities: [{ RuleArn: rule.RuleArn, Priority: 30 }] })
    const reordered = members((await ok('DescribeRules', { ListenerArn: l.ListenerArn })).Rules)
    expect(reordered.map((r: any) => r.Priority)).toEqual(['20', '30', 'default'])
    const modified = members((await ok('ModifyRule', { RuleArn: rule.RuleArn, Conditions: [{ Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } }] })).Rules)[0]
    expect(members(modified.Conditions)[0]).toMatchObject({ Field: 'source-ip', SourceIpConfig: { Values: { member: ['10.0.0.0/8'] } } })

    const inUse = await call('DeleteTargetGroup', { TargetGroupArn: other.TargetGroupArn })
    expect([inUse.code, inUse.message]).toEqual(['ResourceInUse', `Target group '${other.TargetGroupArn}' is currently in use by a listener or a rule`])
    expect(members((await ok('DescribeTargetGroups', { LoadBalancerArn: lb.LoadBalancerArn })).TargetGroups).map((g: any) => g.TargetGroupName).sort())
      .toEqual(['tg-routes', 'tg-routes-b'])

    const defaultRule = reordered[2]
    expect((await call('DeleteRule', { RuleArn: defaultRule.RuleArn })).code).toBe('OperationNotPermitted')
    await ok('DeleteRule', { RuleArn: rule.RuleArn })
    expect((await call('DescribeRules', { RuleArns: [rule.RuleArn] })).code).toBe('RuleNotFound')

    const fixed = members((await ok('ModifyListener', { ListenerArn: l.ListenerArn, DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503', ContentType: 'text/plain', MessageBody: 'down' } }] })).Listeners)[0]
    expect(members(fixed.DefaultActions)[0].Type).toBe('fixed-response')
    const after = members((await ok('DescribeRules', { ListenerArn: l.ListenerArn })).Rules)
    expect(members(after.at(-1).Actions)[0].Type).toBe('fixed-response')
    expect(members((await ok('DescribeListeners', { LoadBalancerArn: lb.LoadBalancerArn })).Listeners)).toHaveLength(1)
    await newListener(lb.LoadBalancerArn, tg.TargetGroupArn, 8080)
    const clash = await call('ModifyListener', { ListenerArn: l.ListenerArn, Port: 8080 })
    expect([clash.code, clash.message]).toEqual(['ValidationError', "Listener port '8080' is already in use"])

    await ok('DeleteListener', { ListenerArn: l.ListenerArn })
    const gone = await call('DescribeListeners', { ListenerArns: [l.ListenerArn] })
    expect([gone.code, gone.message]).toEqual(['ListenerNotFound', 'One or more listeners not found'])
    await ok('DeleteTargetGroup', { TargetGroupArn: other.TargetGroupArn })
  })

  it('refuses a target group another load balancer uses', async () => {
    const a = await newLoadBalancer('assoc-a')
    const b = await newLoadBalancer('assoc-b')
    const tg = await newTargetGroup('tg-assoc')
    await newListener(a.LoadBalancerArn, tg.TargetGroupArn)
    const r = await call('CreateListener', { LoadBalancerArn: b.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] })
    expect(r.code).toBe('TargetGroupAssociationLimit')
  })
})

describe('targets', () => {
  it('registers ip targets, reports initial once in use, and drains deregistered ones', async () => {
    const tg = await newTargetGroup('tg-ip', { TargetType: 'ip', Port: 8080 })
    await ok('RegisterTargets', { TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '172.31.0.10' }, { Id: '172.31.16.11', Port: 9090 }] })
    const unused = members((await ok('DescribeTargetHealth', { TargetGroupArn: tg.TargetGroupArn })).TargetHealthDescriptions)
    expect(unused.map((d: any) => [d.Target.Id, d.Target.Port, d.TargetHealth.State, d.TargetHealth.Reason])).toEqual([
      ['172.31.0.10', '8080', 'unused', 'Target.NotInUse'], ['172.31.16.11', '9090', 'unused', 'Target.NotInUse']])

    const lb = await newLoadBalancer('health')
    await newListener(lb.LoadBalancerArn, tg.TargetGroupArn)
    const initial = members((await ok('DescribeTargetHealth', { TargetGroupArn: tg.TargetGroupArn })).TargetHealthDescriptions)
    expect(initial.map((d: any) => d.TargetHealth.Reason)).toEqual(['Elb.InitialHealthChecking', 'Elb.InitialHealthChecking'])

    t.emu.emulator.elbv2.health.set(tg.TargetGroupArn, { Id: '172.31.0.10', Port: 8080 }, 'healthy')
    await ok('DeregisterTargets', { TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '172.31.16.11', Port: 9090 }] })
    const now = members((await ok('DescribeTargetHealth', { TargetGroupArn: tg.TargetGroupArn })).TargetHealthDescriptions)
    expect(now.map((d: any) => [d.Target.Id, d.TargetHealth.State])).toEqual([['172.31.0.10', 'healthy'], ['172.31.16.11', 'draining']])

    const bad = await call('RegisterTargets', { TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: '8.8.8.8' }] })
    expect(bad.code).toBe('InvalidTarget')
  })

  it('takes instances EC2 has and refuses others with InvalidTarget', async () => {
    const tg = await newTargetGroup('tg-instance')
    const run = await ec2Ok(t.emu.url, 'RunInstances', { ImageId: ecsOptimizedAmi('us-east-1'), MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' })
    const id = items(run.instancesSet)[0].instanceId
    await ok('RegisterTargets', { TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: id }] })
    const d = members((await ok('DescribeTargetHealth', { TargetGroupArn: tg.TargetGroupArn })).TargetHealthDescriptions)
    expect(d[0].Target).toMatchObject({ Id: id, Port: '80' })
    const r = await call('RegisterTargets', { TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: 'i-0123456789abcdef0' }] })
    expect([r.code, r.message]).toEqual(['InvalidTarget', "The following instances do not exist: 'i-0123456789abcdef0'"])
    await ec2Ok(t.emu.url, 'TerminateInstances', { 'InstanceId.1': id })
    const stopped = await call('RegisterTargets', { TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: id, Port: 81 }] })
    expect([stopped.code, stopped.message]).toEqual(['InvalidTarget', `The following targets are not in a running state and cannot be registered: '${id}'`])
    const malformed = await call('RegisterTargets', { TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: 'web-1' }] })
    expect([malformed.code, malformed.message]).toEqual(['ValidationError', "Instance ID 'web-1' is not valid"])
  })
})

describe('tags', () => {
  it('tags on create, adds, describes and removes tags', async () => {
    const lb = await newLoadBalancer('tagged', { Tags: [{ Key: 'team', Value: 'web' }] })
    await ok('AddTags', { ResourceArns: [lb.LoadBalancerArn], Tags: [{ Key: 'env', Value: 'dev' }] })
    const d = members((await ok('DescribeTags', { ResourceArns: [lb.LoadBalancerArn] })).TagDescriptions)[0]
    expect(members(d.Tags)).toEqual([{ Key: 'team', Value: 'web' }, { Key: 'env', Value: 'dev' }])
    await ok('RemoveTags', { ResourceArns: [lb.LoadBalancerArn], TagKeys: ['team'] })
    const after = members((await ok('DescribeTags', { ResourceArns: [lb.LoadBalancerArn] })).TagDescriptions)[0]
    expect(members(after.Tags)).toEqual([{ Key: 'env', Value: 'dev' }])
  })

  it('tags target groups and listeners too (AddTags on their own ARNs)', async () => {
    const lb = await newLoadBalancer('tag-all')
    const tg = await newTargetGroup('tag-all', { Tags: [{ Key: 'tier', Value: 'web' }] })
    const listener = await newListener(lb.LoadBalancerArn, tg.TargetGroupArn)
    await ok('AddTags', { ResourceArns: [listener.ListenerArn], Tags: [{ Key: 'port', Value: '80' }] })
    const d = members((await ok('DescribeTags', { ResourceArns: [tg.TargetGroupArn, listener.ListenerArn] })).TagDescriptions)
    expect(d.map(x => members(x.Tags))).toEqual([[{ Key: 'tier', Value: 'web' }], [{ Key: 'port', Value: '80' }]])
  })
})

describe('DescribeAccountLimits', () => {
  it('answers the default quotas', async () => {
    const limits = members((await ok('DescribeAccountLimits')).Limits)
    expect(limits).toContainEqual({ Name: 'application-load-balancers', Max: '50' })
  })
})

describe('authorization', () => {
  it('denies CreateLoadBalancer without elasticloadbalancing:CreateLoadBalancer', async () => {
    const creds = await userWithKey(t.iam, 'elb-reader', allowPolicy('elasticloadbalancing:Describe*'))
    const r = await elbCall(t.emu.url, 'CreateLoadBalancer', { Name: 'denied', Subnets: twoSubnets() }, creds)
    expect([r.status, r.code]).toEqual([403, 'AccessDenied'])
    expect(r.message).toContain('elasticloadbalancing:CreateLoadBalancer')
    expect((await elbCall(t.emu.url, 'DescribeLoadBalancers', {}, creds)).status).toBe(200)
  })

  it('checks elasticloadbalancing:ResourceTag/* on the load balancer\'s ARN, and tags on create as AddTags', async () => {
    const creds = await userWithKey(t.iam, 'elb-team', policyDocument(
      { Effect: 'Allow', Action: ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:Describe*'], Resource: '*' },
      { Effect: 'Allow', Action: 'elasticloadbalancing:DeleteLoadBalancer', Resource: '*',
        Condition: { StringEquals: { 'elasticloadbalancing:ResourceTag/team': 'web' } } }))
    const untagged = await elbCall(t.emu.url, 'CreateLoadBalancer', { Name: 'team-lb', Subnets: twoSubnets(), Tags: [{ Key: 'team', Value: 'web' }] }, creds)
    expect([untagged.status, untagged.code]).toEqual([403, 'AccessDenied'])
    expect(untagged.message).toContain('elasticloadbalancing:AddTags')

    const mine = await newLoadBalancer('team-lb', { Tags: [{ Key: 'team', Value: 'web' }] })
    const theirs = await newLoadBalancer('other-lb', { Tags: [{ Key: 'team', Value: 'db' }] })
    const denied = await elbCall(t.emu.url, 'DeleteLoadBalancer', { LoadBalancerArn: theirs.LoadBalancerArn }, creds)
    expect([denied.status, denied.code]).toEqual([403, 'AccessDenied'])
    expect(denied.message).toContain(theirs.LoadBalancerArn)
    expect((await elbCall(t.emu.url, 'DeleteLoadBalancer', { LoadBalancerArn: mine.LoadBalancerArn }, creds)).status).toBe(200)
  })
})

describe('rule conditions', () => {
  it('keeps query-string and http-request-method conditions in their Config form, and refuses Values for them', async () => {
    const lb = await newLoadBalancer('conds')
    const tg = await newTargetGroup('tg-conds')
    const l = await newListener(lb.LoadBalancerArn, tg.TargetGroupArn)
    const r = members((await ok('CreateRule', { ListenerArn: l.ListenerArn, Priority: 1,
      Conditions: [{ Field: 'query-string', QueryStringConfig: { Values: [{ Key: 'v', Value: '2' }] } },
        { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET', 'HEAD'] } }],
      Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'ok' } }] })).Rules)[0]
    const [query, method] = members(r.Conditions)
    expect(query).toEqual({ Field: 'query-string', QueryStringConfig: { Values: { member: [{ Key: 'v', Value: '2' }] } } })
    expect(method).toEqual({ Field: 'http-request-method', HttpRequestMethodConfig: { Values: { member: ['GET', 'HEAD'] } } })
    const bad = await call('CreateRule', { ListenerArn: l.ListenerArn, Priority: 2, Conditions: [{ Field: 'source-ip', Values: ['10.0.0.0/8'] }],
      Actions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] })
    expect(bad.code).toBe('ValidationError')
    const clash = await call('SetRulePriorities', { RulePriorities: [{ RuleArn: r.RuleArn, Priority: 5 }] })
    expect(clash.status).toBe(200)
  })
})
