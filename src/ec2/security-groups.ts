/**
 * Security group rules: reading the `IpPermissions` of Authorize/Revoke (and the older
 * top-level `CidrIp`/`IpProtocol`/`FromPort`/`ToPort` form) into one rule per peer, refusing
 * duplicates, matching rules to revoke, and writing rules back as the grouped `IpPermission`
 * lists Describe shows.
 */
import type { Scope } from '../ecs/arns.js'
import { ec2Arn } from './authz.js'
import { ec2Errors } from './errors.js'
import { ec2Id, parseCidr, type SecurityGroupRecord, type SecurityGroupRule } from './network.js'

export interface IpPermission {
  IpProtocol?: string
  FromPort?: number
  ToPort?: number
  IpRanges?: { CidrIp?: string, Description?: string }[]
  Ipv6Ranges?: { CidrIpv6?: string, Description?: string }[]
  PrefixListIds?: { PrefixListId?: string, Description?: string }[]
  UserIdGroupPairs?: GroupPair[]
}

export interface GroupPair { GroupId?: string, GroupName?: string, UserId?: string, Description?: string }

export interface RuleRequest {
  IpPermissions?: IpPermission[]
  CidrIp?: string
  IpProtocol?: string
  FromPort?: number
  ToPort?: number
  SourceSecurityGroupName?: string
  SourceSecurityGroupOwnerId?: string
}

/** Finds a group a rule names as its peer; throws when there is none. */
export type GroupResolver = (ref: { GroupId?: string, GroupName?: string }) => SecurityGroupRecord

const PROTOCOLS: Record<string, string> = {
  '-1': '-1', all: '-1', tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp',
  icmpv6: 'icmpv6', '58': 'icmpv6'
}

function protocol (text: string | undefined): string {
  const p = PROTOCOLS[(text ?? '').toLowerCase()]
  if (p !== undefined) return p
  if (/^\d+$/.test(text ?? '') && Number(text) <= 255) return text!
  // (unconfirmed) wording
  throw ec2Errors.invalidParameterValue(`Invalid value '${text ?? ''}' for IP protocol. Unknown protocol.`)
}

/** The rules a request asks for, one per peer, without ids yet (`id` is filled by `withIds`). */
export function requestedRules (input: RuleRequest, egress: boolean, scope: Scope,
  resolve: GroupResolver): SecurityGroupRule[] {
  const permissions = input.IpPermissions ?? legacyPermissions(input)
  if (permissions.length === 0) {
    throw ec2Errors.missingParameter('IpPermissions') // (unconfirmed) wording for an empty request
  }
  return permissions.flatMap(p => rulesOf(p, egress, scope, resolve))
}

function legacyPermissions (input: RuleRequest): IpPermission[] {
  const peer = input.SourceSecurityGroupName
  if (input.IpProtocol === undefined && input.CidrIp === undefined && peer === undefined) return []
  const p: IpPermission = {
    IpProtocol: input.IpProtocol ?? '-1', FromPort: input.FromPort, ToPort: input.ToPort
  }
  if (input.CidrIp !== undefined) p.IpRanges = [{ CidrIp: input.CidrIp }]
  if (peer !== undefined) {
    p.UserIdGroupPairs = [{ GroupName: peer, UserId: input.SourceSecurityGroupOwnerId }]
  }
  return [p]
}

function rulesOf (p: IpPermission, egress: boolean, scope: Scope,
  resolve: GroupResolver): SecurityGroupRule[] {
  const proto = protocol(p.IpProtocol)
  const ports = portsOf(proto, p)
  const rule = (peer: Partial<SecurityGroupRule>, description?: string): SecurityGroupRule =>
    ({ id: '', egress, protocol: proto, ...ports, ...peer, description })
  const rules: SecurityGroupRule[] = [
    ...(p.IpRanges ?? []).map(r => rule({ cidrIpv4: cidr(r.CidrIp, 'cidrIp') }, r.Description)),
    ...(p.Ipv6Ranges ?? []).map(r => rule({ cidrIpv6: r.CidrIpv6 }, r.Description)),
    ...(p.PrefixListIds ?? []).map(r => rule({ prefixListId: r.PrefixListId }, r.Description)),
    ...(p.UserIdGroupPairs ?? []).map(pair => rule({
      referencedGroupId: resolve(pair).id, referencedUserId: pair.UserId ?? scope.account
    }, pair.Description))
  ]
  if (rules.length === 0) {
    // An IpPermission with no peer opens nothing on AWS either (unconfirmed: it is refused there).
    throw ec2Errors.missingParameter('IpPermissions.IpRanges')
  }
  return rules
}

function portsOf (proto: string, p: IpPermission): { fromPort?: number, toPort?: number } {
  if (proto === '-1') return {}
  if (proto === 'tcp' || proto === 'udp') {
    if (p.FromPort === undefined || p.ToPort === undefined) {
      throw ec2Errors.invalidParameterValue("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.")
    }
    if (p.FromPort < 0 || p.ToPort > 65535 || p.FromPort > p.ToPort) {
      // (unconfirmed) wording
      throw ec2Errors.invalidParameterValue(`Invalid value '${p.FromPort}-${p.ToPort}' for portRange.`)
    }
  }
  return { fromPort: p.FromPort ?? -1, toPort: p.ToPort ?? -1 }
}

function cidr (text: string | undefined, parameter: string): string {
  const c = text === undefined ? undefined : parseCidr(text)
  if (c === undefined) throw ec2Errors.invalidCidr(text ?? '', parameter)
  return text!
}

const samePeer = (a: SecurityGroupRule, b: SecurityGroupRule): boolean =>
  a.egress === b.egress && a.protocol === b.protocol && (a.fromPort ?? -1) === (b.fromPort ?? -1) &&
  (a.toPort ?? -1) === (b.toPort ?? -1) && a.cidrIpv4 === b.cidrIpv4 && a.cidrIpv6 === b.cidrIpv6 &&
  a.prefixListId === b.prefixListId && a.referencedGroupId === b.referencedGroupId

/** The group with the new rules (given ids); a rule it has is InvalidPermission.Duplicate. */
export function authorize (group: SecurityGroupRecord, rules: SecurityGroupRule[]): {
  group: SecurityGroupRecord, added: SecurityGroupRule[]
} {
  const added: SecurityGroupRule[] = []
  for (const rule of rules) {
    if ([...group.rules, ...added].some(r => samePeer(r, rule))) {
      throw ec2Errors.permissionDuplicate(ruleText(rule))
    }
    added.push({ ...rule, id: ec2Id('sgr') })
  }
  return { group: { ...group, rules: [...group.rules, ...added] }, added }
}

/** The group without the matching rules; asking only for ones it lacks is InvalidPermission.NotFound. */
export function revoke (group: SecurityGroupRecord, rules: SecurityGroupRule[],
  ruleIds: string[]): {
  group: SecurityGroupRecord, revoked: SecurityGroupRule[], unknown: SecurityGroupRule[]
} {
  const revoked = group.rules.filter(r => ruleIds.includes(r.id) || rules.some(q => samePeer(q, r)))
  const unknown = rules.filter(q => !group.rules.some(r => samePeer(q, r)))
  const missingIds = ruleIds.filter(id => !group.rules.some(r => r.id === id))
  if (revoked.length === 0 || missingIds.length > 0) throw ec2Errors.permissionNotFound()
  const kept = group.rules.filter(r => !revoked.includes(r))
  return { group: { ...group, rules: kept }, revoked, unknown }
}

/** How EC2's duplicate error names a rule: `peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW`. */
function ruleText (r: SecurityGroupRule): string {
  const peer = r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId ?? r.referencedGroupId ?? ''
  const proto = r.protocol === '-1' ? 'ALL' : r.protocol.toUpperCase()
  const ports = r.protocol === 'tcp' || r.protocol === 'udp'
    ? `, from port: ${r.fromPort}, to port: ${r.toPort}`
    // (unconfirmed) the ICMP form
    : r.protocol === 'icmp' ? `, type: ${r.fromPort}, code: ${r.toPort}` : ''
  return `peer: ${peer}, ${proto}${ports}, ALLOW`
}

// --- the wire -------------------------------------------------------------------------------

/** Rules grouped into IpPermissions by protocol and ports, in the order they were added. */
export function ipPermissions (rules: SecurityGroupRule[], account: string): object[] {
  const byKey = new Map<string, { perm: Record<string, unknown>, rules: SecurityGroupRule[] }>()
  for (const r of rules) {
    const key = `${r.protocol}/${r.fromPort ?? ''}/${r.toPort ?? ''}`
    let entry = byKey.get(key)
    if (entry === undefined) {
      const perm: Record<string, unknown> = { IpProtocol: r.protocol }
      if (r.protocol !== '-1') { perm.FromPort = r.fromPort; perm.ToPort = r.toPort }
      entry = { perm, rules: [] }
      byKey.set(key, entry)
    }
    entry.rules.push(r)
  }
  const peers = (rs: SecurityGroupRule[], key: keyof SecurityGroupRule, member: string): object[] =>
    rs.filter(r => r[key] !== undefined).map(r => ({ [member]: r[key], Description: r.description }))
  return [...byKey.values()].map(({ perm, rules: rs }) => ({
    ...perm,
    IpRanges: peers(rs, 'cidrIpv4', 'CidrIp'),
    Ipv6Ranges: peers(rs, 'cidrIpv6', 'CidrIpv6'),
    PrefixListIds: peers(rs, 'prefixListId', 'PrefixListId'),
    // (unconfirmed) EC2 names the peer group only outside a VPC; the name is left out here
    UserIdGroupPairs: rs.filter(r => r.referencedGroupId !== undefined).map(r => ({
      Description: r.description, GroupId: r.referencedGroupId, UserId: r.referencedUserId ?? account
    }))
  }))
}

/** One rule as AuthorizeSecurityGroup* and DescribeSecurityGroupRules show it. */
export function wireRule (group: SecurityGroupRecord, r: SecurityGroupRule): object {
  return {
    SecurityGroupRuleId: r.id,
    GroupId: group.id,
    GroupOwnerId: group.account,
    IsEgress: r.egress,
    IpProtocol: r.protocol,
    FromPort: r.fromPort ?? -1,
    ToPort: r.toPort ?? -1,
    CidrIpv4: r.cidrIpv4,
    CidrIpv6: r.cidrIpv6,
    PrefixListId: r.prefixListId,
    ReferencedGroupInfo: r.referencedGroupId === undefined
      ? undefined
      : { GroupId: r.referencedGroupId, UserId: r.referencedUserId ?? group.account },
    Description: r.description,
    SecurityGroupRuleArn: ec2Arn(group, 'security-group-rule', r.id),
    Tags: []
  }
}

export function wireRevokedRule (group: SecurityGroupRecord, r: SecurityGroupRule): object {
  return {
    SecurityGroupRuleId: r.id,
    GroupId: group.id,
    IsEgress: r.egress,
    IpProtocol: r.protocol,
    FromPort: r.fromPort ?? -1,
    ToPort: r.toPort ?? -1,
    CidrIpv4: r.cidrIpv4,
    CidrIpv6: r.cidrIpv6,
    PrefixListId: r.prefixListId,
    ReferencedGroupId: r.referencedGroupId,
    Description: r.description
  }
}
