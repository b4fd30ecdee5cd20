/**
 * Security groups and their rules. A group named by name (instead of id) is looked up in the
 * default VPC, as EC2 does.
 */
import { operation, type Operation, type OperationContext } from '../registry.js'
import { ec2Arn, on, requestTagContext } from '../../src/ec2/authz.js'
import { ec2Errors } from '../../src/ec2/errors.js'
import { applyFilters, page, type Filter } from '../../src/ec2/filters.js'
import {
  defaultVpc, ec2Id, groupOf, type NetworkInterfaceRecord, type SecurityGroupRecord,
  type SecurityGroupRule
} from '../../src/ec2/network.js'
import {
  authorize, requestedRules, revoke, wireRevokedRule, wireRule, type GroupResolver, type RuleRequest
} from '../../src/ec2/security-groups.js'
import { wireSecurityGroup, wireTags } from '../../src/ec2/wire.js'
import type { Ec2Store } from '../../store/ec2.js'
import {
  authorized, createTagsCheck, described, ec2, scopeOf, specifiedTags, type DryRunnable,
  type TagSpecification
} from './common.js'

interface GroupRef { GroupId?: string, GroupName?: string }

/** The group by id, or by name in the default VPC. */
function requireGroup (store: Ec2Store, ctx: OperationContext, ref: GroupRef): SecurityGroupRecord {
  const scope = scopeOf(ctx)
  if (ref.GroupId !== undefined) {
    const g = store.resource<SecurityGroupRecord>(scope, 'security-group', ref.GroupId)
    if (g === undefined) throw ec2Errors.groupNotFound(ref.GroupId)
    return g
  }
  // (unconfirmed) wording
  if (ref.GroupName === undefined) throw ec2Errors.missingParameter('GroupId')
  const vpc = defaultVpc(store, scope)
  const g = vpc === undefined ? undefined : groupOf(store, scope, vpc.id, ref.GroupName)
  if (g === undefined) {
    throw vpc === undefined
      ? ec2Errors.noDefaultVpc()
      : ec2Errors.groupNameNotFound(ref.GroupName, vpc.id)
  }
  return g
}

const groupArn = (g: SecurityGroupRecord): string => ec2Arn(g, 'security-group', g.id)

// --- groups -------------------------------------------------------------------------------

interface CreateSecurityGroupRequest extends DryRunnable {
  GroupName: string
  Description: string
  VpcId?: string
  TagSpecifications?: TagSpecification[]
}

const CreateSecurityGroup = operation({
  authorize: 'handler',
  handle (input: CreateSecurityGroupRequest, ctx) {
    const store = ec2(ctx)
    const scope = scopeOf(ctx)
    const vpcId = input.VpcId ?? defaultVpc(store, scope)?.id
    if (vpcId === undefined) throw ec2Errors.noDefaultVpc()
    if (store.resource(scope, 'vpc', vpcId) === undefined) throw ec2Errors.vpcNotFound([vpcId])
    if (input.GroupName === 'default') throw ec2Errors.groupReserved()
    if (input.GroupName.startsWith('sg-')) throw ec2Errors.invalidGroupName(input.GroupName)
    const tags = specifiedTags(input.TagSpecifications, 'security-group')
    const group: SecurityGroupRecord = {
      ...scope, kind: 'security-group', id: ec2Id('sg'), groupName: input.GroupName,
      description: input.Description, vpcId, tags,
      rules: [{ id: ec2Id('sgr'), egress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' }]
    }
    authorized(ctx, input, [
      on('CreateSecurityGroup', groupArn(group), [], requestTagContext(tags)),
      on('CreateSecurityGroup', ec2Arn(scope, 'vpc', vpcId)),
      ...createTagsCheck('CreateSecurityGroup', groupArn(group), tags)
    ])

    if (groupOf(store, scope, vpcId, input.GroupName) !== undefined) {
      throw ec2Errors.groupDuplicate(input.GroupName, vpcId)
    }
    store.saveResource(group)
    return { GroupId: group.id, SecurityGroupArn: groupArn(group), Tags: wireTags(tags) }
  }
})

const DeleteSecurityGroup = operation({
  authorize: 'handler',
  handle (input: DryRunnable & GroupRef, ctx) {
    const store = ec2(ctx)
    const scope = scopeOf(ctx)
    const group = requireGroup(store, ctx, input)
    authorized(ctx, input, on('DeleteSecurityGroup', groupArn(group), group.tags))

    if (group.groupName === 'default') throw ec2Errors.cannotDeleteDefaultGroup(group.id)
    const usedByInterface = store.resources<NetworkInterfaceRecord>(scope, 'network-interface')
      .some(n => n.groups.some(g => g.groupId === group.id))
    const referenced = store.resources<SecurityGroupRecord>(scope, 'security-group')
      .some(g => g.id !== group.id && g.rules.some(r => r.referencedGroupId === group.id))
    if (usedByInterface || referenced) throw ec2Errors.groupInUse(group.id)
    store.removeResource(scope, 'security-group', group.id)
    return { Return: true, GroupId: group.id }
  }
})

const GROUP_FILTERS = {
  'group-id': (g: SecurityGroupRecord) => g.id,
  'group-name': (g: SecurityGroupRecord) => g.groupName,
  'vpc-id': (g: SecurityGroupRecord) => g.vpcId,
  description: (g: SecurityGroupRecord) => g.description,
  'owner-id': (g: SecurityGroupRecord) => g.account,
  'ip-permission.protocol': (g: SecurityGroupRecord) => ingress(g).map(r => r.protocol),
  'ip-permission.from-port': (g: SecurityGroupRecord) => ingress(g).map(r => r.fromPort),
  'ip-permission.to-port': (g: SecurityGroupRecord) => ingress(g).map(r => r.toPort),
  'ip-permission.cidr': (g: SecurityGroupRecord) => ingress(g).map(r => r.cidrIpv4),
  'ip-permission.group-id': (g: SecurityGroupRecord) => ingress(g).map(r => r.referencedGroupId),
  'egress.ip-permission.protocol': (g: SecurityGroupRecord) => egress(g).map(r => r.protocol),
  'egress.ip-permission.cidr': (g: SecurityGroupRecord) => egress(g).map(r => r.cidrIpv4),
  'egress.ip-permission.group-id': (g: SecurityGroupRecord) =>
    egress(g).map(r => r.referencedGroupId)
}

const ingress = (g: SecurityGroupRecord) => g.rules.filter(r => !r.egress)
const egress = (g: SecurityGroupRecord) => g.rules.filter(r => r.egress)

interface DescribeSecurityGroupsRequest extends DryRunnable {
  GroupIds?: string[]
  GroupNames?: string[]
  Filters?: Filter[]
  MaxResults?: number
  NextToken?: string
}

const DescribeSecurityGroups = operation({
  authorize: 'handler',
  handle (input: DescribeSecurityGroupsRequest, ctx) {
    described(ctx, input, 'DescribeSecurityGroups')
    const store = ec2(ctx)
    const all = store.resources<SecurityGroupRecord>(scopeOf(ctx), 'security-group')
    let groups = all
    if (input.GroupIds !== undefined) {
      const missing = input.GroupIds.filter(id => !all.some(g => g.id === id))
      if (missing.length > 0) throw ec2Errors.groupsNotFound(missing)
      groups = groups.filter(g => input.GroupIds!.includes(g.id))
    }
    if (input.GroupNames !== undefined) {
      const named = input.GroupNames.map(name => requireGroup(store, ctx, { GroupName: name }))
      groups = groups.filter(g => named.some(n => n.id === g.id))
    }
    const filtered = applyFilters(groups, input.Filters, GROUP_FILTERS, g => g.tags)
    const { items, nextToken } = page(filtered, input.MaxResults, input.NextToken)
    return { SecurityGroups: items.map(g => wireSecurityGroup(g)), NextToken: nextToken }
  }
})

// --- rules --------------------------------------------------------------------------------

interface RuleInput extends DryRunnable, GroupRef, RuleRequest {
  SecurityGroupRuleIds?: string[]
  TagSpecifications?: TagSpecification[]
}

function resolver (store: Ec2Store, ctx: OperationContext,
  group: SecurityGroupRecord): GroupResolver {
  return ref => {
    if (ref.GroupId !== undefined) return requireGroup(store, ctx, { GroupId: ref.GroupId })
    const g = groupOf(store, scopeOf(ctx), group.vpcId, ref.GroupName ?? '')
    if (g === undefined) throw ec2Errors.groupNotFound(ref.GroupName ?? '')
    return g
  }
}

function authorizeRules (action: `AuthorizeSecurityGroup${'Ingress' | 'Egress'}`,
  egressRules: boolean) {
  return operation({
    authorize: 'handler',
    handle (input: RuleInput, ctx) {
      const store = ec2(ctx)
      const group = requireGroup(store, ctx, input)
      const tags = specifiedTags(input.TagSpecifications, 'security-group-rule')
      authorized(ctx, input, on(action, groupArn(group), group.tags, requestTagContext(tags)))

      const rules = requestedRules(input, egressRules, scopeOf(ctx), resolver(store, ctx, group))
      const { group: updated, added } = authorize(group, rules)
      store.saveResource(updated)
      const wire = (r: SecurityGroupRule) => ({ ...wireRule(updated, r), Tags: wireTags(tags) ?? [] })
      return { Return: true, SecurityGroupRules: added.map(wire) }
    }
  })
}

function revokeRules (action: `RevokeSecurityGroup${'Ingress' | 'Egress'}`, egressRules: boolean) {
  return operation({
    authorize: 'handler',
    handle (input: RuleInput, ctx) {
      const store = ec2(ctx)
      const group = requireGroup(store, ctx, input)
      authorized(ctx, input, on(action, groupArn(group), group.tags))

      const byIds = input.SecurityGroupRuleIds ?? []
      const onlyIds = byIds.length > 0 && input.IpPermissions === undefined &&
        input.IpProtocol === undefined
      const asked = onlyIds
        ? []
        : requestedRules(input, egressRules, scopeOf(ctx), resolver(store, ctx, group))
      const { group: updated, revoked, unknown } = revoke(group, asked, byIds)
      store.saveResource(updated)
      return {
        Return: true,
        RevokedSecurityGroupRules: revoked.map(r => wireRevokedRule(updated, r)),
        UnknownIpPermissions: unknown.length === 0
          ? undefined
          : unknown.map(r => ({ IpProtocol: r.protocol, FromPort: r.fromPort, ToPort: r.toPort }))
      }
    }
  })
}

export const securityGroupOperations: Record<string, Operation> = {
  CreateSecurityGroup,
  DeleteSecurityGroup,
  DescribeSecurityGroups,
  AuthorizeSecurityGroupIngress: authorizeRules('AuthorizeSecurityGroupIngress', false),
  AuthorizeSecurityGroupEgress: authorizeRules('AuthorizeSecurityGroupEgress', true),
  RevokeSecurityGroupIngress: revokeRules('RevokeSecurityGroupIngress', false),
  RevokeSecurityGroupEgress: revokeRules('RevokeSecurityGroupEgress', true)
}
