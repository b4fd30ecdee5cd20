/**
 * Where a load balancer sits: its subnets (one per zone, all in one VPC, two zones at least
 * for an ALB) and security groups, as they exist in the emulated EC2; and whether an ip
 * target lies in a target group's VPC.
 */
import type { Scope } from '../ecs/arns.js'
import type { Ec2Store } from '../../store/ec2.js'
import { cidrContains, defaultSecurityGroup, ensureDefaultVpc, parseCidr, type SecurityGroupRecord,
  type SubnetRecord, type VpcRecord } from '../ec2/network.js'
import { elbv2Errors, validationError } from './errors.js'
import type { AvailabilityZone, LoadBalancer } from './types.js'

export interface Placement { vpcId: string, zones: AvailabilityZone[] }

export function placeSubnets (ec2: Ec2Store, scope: Scope, subnetIds: string[],
  type: LoadBalancer['Type']): Placement {
  ensureDefaultVpc(ec2, scope)
  const subnets: SubnetRecord[] = []
  for (const id of subnetIds) {
    const s = ec2.resource<SubnetRecord>(scope, 'subnet', id)
    if (s === undefined) throw elbv2Errors.subnetNotFound(id)
    subnets.push(s)
  }
  if (new Set(subnets.map(s => s.vpcId)).size > 1) throw elbv2Errors.invalidSubnetVpc()
  const zones = new Set(subnets.map(s => s.availabilityZone))
  if (zones.size < subnets.length) {
    // (unconfirmed) wording
    throw validationError('A load balancer cannot be attached to multiple subnets in the same Availability Zone')
  }
  if (type === 'application' && zones.size < 2) {
    throw validationError('At least two subnets in two different Availability Zones must be specified')
  }
  return {
    vpcId: subnets[0].vpcId,
    zones: subnets.map(s => ({ ZoneName: s.availabilityZone, SubnetId: s.id, LoadBalancerAddresses: [] }))
  }
}

/** The groups as given (each must be in the VPC), or the VPC's `default` group for none. */
export function securityGroupsIn (ec2: Ec2Store, scope: Scope, vpcId: string, ids: string[] | undefined): string[] {
  const groups = ec2.resources<SecurityGroupRecord>(scope, 'security-group').filter(g => g.vpcId === vpcId)
  if (ids === undefined || ids.length === 0) {
    let group = groups.find(g => g.groupName === 'default')
    if (group === undefined) {
      group = defaultSecurityGroup(scope, vpcId)
      ec2.saveResource(group)
    }
    return [group.id]
  }
  for (const id of ids) if (!groups.some(g => g.id === id)) throw elbv2Errors.invalidSecurityGroup(id)
  return ids
}

export function vpcExists (ec2: Ec2Store, scope: Scope, vpcId: string): boolean {
  ensureDefaultVpc(ec2, scope)
  return ec2.resource<VpcRecord>(scope, 'vpc', vpcId) !== undefined
}

/**
 * Whether an ip target can be registered in a group of the VPC. AWS takes addresses of the
 * VPC's CIDR blocks, and also RFC 1918 and 100.64.0.0/10 addresses outside it (peered VPCs,
 * on-premises) with `AvailabilityZone: all`. The emulator takes both, and also loopback
 * (127.0.0.0/8, where local targets listen): the data plane reaches targets on this host.
 */
export function ipInRange (ec2: Ec2Store, scope: Scope, vpcId: string, ip: string): 'vpc' | 'outside' | false {
  const target = parseCidr(`${ip}/32`)
  if (target === undefined) return false
  const vpc = ec2.resource<VpcRecord>(scope, 'vpc', vpcId)
  if (vpc !== undefined && cidrContains(parseCidr(vpc.cidrBlock)!, target)) return 'vpc'
  const outside = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8']
  return outside.some(c => cidrContains(parseCidr(c)!, target)) ? 'outside' : false
}

/** The zone of the subnet an address of the VPC falls in, if any. */
export function zoneOfIp (ec2: Ec2Store, scope: Scope, vpcId: string, ip: string): string | undefined {
  const target = parseCidr(`${ip}/32`)
  if (target === undefined) return undefined
  return ec2.resources<SubnetRecord>(scope, 'subnet')
    .find(s => s.vpcId === vpcId && cidrContains(parseCidr(s.cidrBlock)!, target))?.availabilityZone
}
