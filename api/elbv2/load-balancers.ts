/**
 * CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer, their attributes,
 * SetSecurityGroups and SetSubnets.
 */
import { operation } from '../registry.js'
import type { OperationContext } from '../registry.js'
import { dnsName, elbId, elbv2Arns, hostedZone } from '../../src/elbv2/arns.js'
import { loadBalancerAttributes } from '../../src/elbv2/defaults.js'
import { elbv2Errors, validationError } from '../../src/elbv2/errors.js'
import { placeSubnets, securityGroupsIn } from '../../src/elbv2/network.js'
import type { ListenerRecord, LoadBalancer, LoadBalancerRecord, RuleRecord, Tag } from '../../src/elbv2/types.js'
import { checkTags, createChecks, isoTime, loadBalancer, on, page, saveTags, scope, store } from './common.js'

interface CreateLoadBalancerInput {
  Name: string
  Subnets?: string[]
  SubnetMappings?: { SubnetId?: string }[]
  SecurityGroups?: string[]
  Scheme?: LoadBalancer['Scheme']
  Tags?: Tag[]
  Type?: LoadBalancer['Type'] | 'gateway'
  IpAddressType?: string
}

/** Describe answers `active` from `activeAt` on (Create itself answers `provisioning`). */
export const wireLoadBalancer = (lb: LoadBalancerRecord, now: number): LoadBalancer =>
  ({ ...lb.loadBalancer, State: { Code: now >= lb.activeAt ? 'active' : 'provisioning' } })

function checkName (name: string): void {
  // (unconfirmed) wording of both messages
  if (name.length > 32) throw validationError(`The load balancer name '${name}' cannot be longer than '32' characters`)
  if (!/^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(name) || name.startsWith('internal-')) {
    throw validationError(`The load balancer name '${name}' must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen or begin with 'internal-'`)
  }
}

const CreateLoadBalancer = operation({
  authorize: 'handler',
  notes: 'Types `application` and `network` (`gateway` is refused). The load balancer is `provisioning` in the answer to CreateLoadBalancer and `active` from the next call on. No addresses are allocated (`LoadBalancerAddresses` is empty); SubnetMappings take only `SubnetId`. Dual-stack is stored, not served.',
  handle (input: CreateLoadBalancerInput, ctx) {
    const type = input.Type ?? 'application'
    if (type === 'gateway') throw validationError('Gateway load balancers are not supported by the emulator')
    checkName(input.Name)
    checkTags(input.Tags)
    const scheme = input.Scheme ?? 'internet-facing'
    const subnetIds = subnetsOf(input)
    const s = store(ctx)
    const existing = s.list<LoadBalancerRecord>(scope(ctx), 'load-balancer')
      .find(lb => lb.loadBalancer.LoadBalancerName === input.Name)

    const placement = placeSubnets(ctx.emulator.ec2.store, scope(ctx), subnetIds, type)
    // NLBs have no security groups unless given some.
    const groups = type === 'network' && input.SecurityGroups === undefined
      ? undefined
      : securityGroupsIn(ctx.emulator.ec2.store, scope(ctx), placement.vpcId, input.SecurityGroups)
    const arn = existing?.loadBalancer.LoadBalancerArn ?? elbv2Arns.loadBalancer(scope(ctx), type, input.Name, elbId())
    ctx.authorize(createChecks('CreateLoadBalancer', arn, input.Tags, {
      'elasticloadbalancing:Scheme': scheme,
      'elasticloadbalancing:Subnet': subnetIds,
      ...(groups === undefined ? {} : { 'elasticloadbalancing:SecurityGroup': groups })
    }))

    if (existing !== undefined) return sameOrDuplicate(existing, type, scheme, placement.vpcId, ctx)
    const lb: LoadBalancer = {
      LoadBalancerArn: arn, DNSName: dnsName(scope(ctx), input.Name, scheme),
      CanonicalHostedZoneId: hostedZone(ctx.region, type), CreatedTime: isoTime(ctx),
      LoadBalancerName: input.Name, Scheme: scheme, VpcId: placement.vpcId, State: { Code: 'provisioning' },
      Type: type, AvailabilityZones: placement.zones, SecurityGroups: groups,
      IpAddressType: input.IpAddressType ?? 'ipv4'
    }
    s.save({ ...scope(ctx), kind: 'load-balancer', loadBalancer: lb, attributes: loadBalancerAttributes(type),
      activeAt: ctx.now.getTime() + 1 })
    saveTags(ctx, arn, input.Tags)
    return { LoadBalancers: [lb] }
  }
})

function subnetsOf (input: CreateLoadBalancerInput): string[] {
  if (input.Subnets !== undefined && input.SubnetMappings !== undefined) {
    // (unconfirmed) wording
    throw validationError('You can specify subnets or subnet mappings, not both')
  }
  const ids = input.Subnets ?? input.SubnetMappings?.map(m => m.SubnetId ?? '') ?? []
  if (ids.length === 0) {
    // (unconfirmed) wording
    throw validationError('At least one subnet must be specified')
  }
  return ids
}

/** A second create of the same name with the same settings answers the existing one. */
function sameOrDuplicate (lb: LoadBalancerRecord, type: string, scheme: string, vpcId: string,
  ctx: OperationContext) {
  const l = lb.loadBalancer
  if (l.Type !== type || l.Scheme !== scheme || l.VpcId !== vpcId) {
    throw elbv2Errors.duplicateLoadBalancerName(l.LoadBalancerName)
  }
  return { LoadBalancers: [wireLoadBalancer(lb, ctx.now.getTime())] }
}

const DescribeLoadBalancers = operation({
  handle (input: { LoadBalancerArns?: string[], Names?: string[], Marker?: string, PageSize?: number }, ctx) {
    if (input.LoadBalancerArns !== undefined && input.Names !== undefined) {
      // (unconfirmed) wording
      throw validationError('Load balancer names and load balancer ARNs cannot be specified at the same time')
    }
    let all = store(ctx).list<LoadBalancerRecord>(scope(ctx), 'load-balancer')
    if (input.LoadBalancerArns !== undefined) {
      all = input.LoadBalancerArns.map(arn => loadBalancer(ctx, arn))
    } else if (input.Names !== undefined) {
      all = input.Names.map(name => {
        const found = all.find(lb => lb.loadBalancer.LoadBalancerName === name)
        if (found === undefined) throw elbv2Errors.loadBalancerNotFound()
        return found
      })
    }
    const p = page(all, input.Marker, input.PageSize)
    return { LoadBalancers: p.items.map(lb => wireLoadBalancer(lb, ctx.now.getTime())), NextMarker: p.NextMarker }
  }
})

const DeleteLoadBalancer = operation({
  authorize: 'handler',
  notes: 'Deleting a load balancer that does not exist succeeds, as on AWS.',
  handle (input: { LoadBalancerArn: string }, ctx) {
    const s = store(ctx)
    const lb = s.get<LoadBalancerRecord>('load-balancer', input.LoadBalancerArn)
    ctx.authorize(on(ctx, 'DeleteLoadBalancer', input.LoadBalancerArn))
    if (lb === undefined) return {}
    if (lb.attributes['deletion_protection.enabled'] === 'true') {
      throw elbv2Errors.deletionProtected(input.LoadBalancerArn)
    }
    s.transaction(() => {
      for (const l of s.children<ListenerRecord>(input.LoadBalancerArn, 'listener')) {
        for (const r of s.children<RuleRecord>(l.listener.ListenerArn, 'rule')) {
          s.remove(r.rule.RuleArn)
          ctx.emulator.tags.drop(r.rule.RuleArn)
        }
        s.remove(l.listener.ListenerArn)
        ctx.emulator.tags.drop(l.listener.ListenerArn)
      }
      s.remove(input.LoadBalancerArn)
    })
    ctx.emulator.tags.drop(input.LoadBalancerArn)
    return {}
  }
})

type Attribute = { Key?: string, Value?: string }
const wireAttributes = (a: Record<string, string>): Attribute[] =>
  Object.entries(a).map(([Key, Value]) => ({ Key, Value }))

const DescribeLoadBalancerAttributes = operation({
  handle (input: { LoadBalancerArn: string }, ctx) {
    return { Attributes: wireAttributes(loadBalancer(ctx, input.LoadBalancerArn).attributes) }
  }
})

const ModifyLoadBalancerAttributes = operation({
  authorize: 'handler',
  notes: 'Attributes are stored and answered; `deletion_protection.enabled` blocks DeleteLoadBalancer, the others are there for the data plane to read (`idle_timeout.timeout_seconds`).',
  handle (input: { LoadBalancerArn: string, Attributes: Attribute[] }, ctx) {
    const lb = loadBalancer(ctx, input.LoadBalancerArn)
    ctx.authorize(on(ctx, 'ModifyLoadBalancerAttributes', input.LoadBalancerArn))
    const attributes = { ...lb.attributes }
    for (const a of input.Attributes) {
      const key = a.Key ?? ''
      if (!(key in attributes)) {
        // (unconfirmed) wording
        throw validationError(`Load balancer attribute key '${key}' is not recognized`)
      }
      checkAttributeValue(key, a.Value ?? '')
      attributes[key] = a.Value ?? ''
    }
    store(ctx).save({ ...lb, attributes })
    return { Attributes: wireAttributes(attributes) }
  }
})

function checkAttributeValue (key: string, value: string): void {
  if (key.endsWith('.enabled') && value !== 'true' && value !== 'false') {
    // (unconfirmed) wording
    throw validationError(`Load balancer attribute value '${value}' for '${key}' must be 'true' or 'false'`)
  }
  if (key === 'idle_timeout.timeout_seconds') {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1 || n > 4000) {
      // (unconfirmed) wording
      throw validationError(`Load balancer attribute value '${value}' for '${key}' must be an integer between 1 and 4000`)
    }
  }
}

const SetSecurityGroups = operation({
  authorize: 'handler',
  handle (input: { LoadBalancerArn: string, SecurityGroups: string[] }, ctx) {
    const lb = loadBalancer(ctx, input.LoadBalancerArn)
    const groups = securityGroupsIn(ctx.emulator.ec2.store, scope(ctx), lb.loadBalancer.VpcId, input.SecurityGroups)
    ctx.authorize(on(ctx, 'SetSecurityGroups', input.LoadBalancerArn, { 'elasticloadbalancing:SecurityGroup': groups }))
    store(ctx).save({ ...lb, loadBalancer: { ...lb.loadBalancer, SecurityGroups: groups } })
    return { SecurityGroupIds: groups }
  }
})

const SetSubnets = operation({
  authorize: 'handler',
  notes: 'The subnets must stay in the load balancer\'s VPC.',
  handle (input: { LoadBalancerArn: string, Subnets?: string[], SubnetMappings?: { SubnetId?: string }[] }, ctx) {
    const lb = loadBalancer(ctx, input.LoadBalancerArn)
    const ids = subnetsOf({ Name: '', Subnets: input.Subnets, SubnetMappings: input.SubnetMappings })
    const placement = placeSubnets(ctx.emulator.ec2.store, scope(ctx), ids, lb.loadBalancer.Type)
    if (placement.vpcId !== lb.loadBalancer.VpcId) throw elbv2Errors.invalidSubnetVpc()
    ctx.authorize(on(ctx, 'SetSubnets', input.LoadBalancerArn, { 'elasticloadbalancing:Subnet': ids }))
    store(ctx).save({ ...lb, loadBalancer: { ...lb.loadBalancer, AvailabilityZones: placement.zones } })
    return { AvailabilityZones: placement.zones, IpAddressType: lb.loadBalancer.IpAddressType }
  }
})

export const loadBalancerOperations = {
  CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer, DescribeLoadBalancerAttributes,
  ModifyLoadBalancerAttributes, SetSecurityGroups, SetSubnets
}
