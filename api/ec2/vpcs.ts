/**
 * VPCs and subnets: the default VPC (made on first use in each account and region) and the
 * ones users create, with their CIDR rules and dependencies.
 */
import { operation, type Operation, type OperationContext } from '../registry.js'
import { ec2Arn, on, requestTagContext } from '../../src/ec2/authz.js'
import { ec2Errors } from '../../src/ec2/errors.js'
import { applyFilters, page, type Filter } from '../../src/ec2/filters.js'
import {
  availabilityZones, cidrContains, cidrText, cidrsOverlap, newSubnet, newVpc, parseCidr,
  vpcCompanions, type NetworkInterfaceRecord, type NetworkResource, type SecurityGroupRecord,
  type SubnetRecord, type VpcRecord
} from '../../src/ec2/network.js'
import { wireSubnet, wireVpc } from '../../src/ec2/wire.js'
import type { Ec2Store } from '../../store/ec2.js'
import {
  authorized, createTagsCheck, described, ec2, scopeOf, specifiedTags, type DryRunnable,
  type TagSpecification
} from './common.js'

interface Describe extends DryRunnable {
  Filters?: Filter[]
  MaxResults?: number
  NextToken?: string
}

interface CreateVpcRequest extends DryRunnable {
  CidrBlock?: string
  InstanceTenancy?: string
  TagSpecifications?: TagSpecification[]
}

/** (unconfirmed) AWS's default quota; raising it is a Service Quotas request. */
const VPCS_PER_REGION = 5

// --- VPCs ---------------------------------------------------------------------------------

function cidrOf (text: string | undefined, parameter: string): string {
  const c = text === undefined ? undefined : parseCidr(text)
  if (c === undefined) throw ec2Errors.invalidCidr(text ?? '', parameter)
  return cidrText(c)
}

const CreateVpc = operation({
  authorize: 'handler',
  notes: 'IPv4 only: IPAM pools and IPv6 blocks are not emulated. The VPC gets a main ' +
    'route table and a default security group (and no network ACL).',
  handle (input: CreateVpcRequest, ctx) {
    // (unconfirmed) wording
    if (input.CidrBlock === undefined) throw ec2Errors.missingParameter('CidrBlock')
    const scope = scopeOf(ctx)
    const cidr = cidrOf(input.CidrBlock, 'cidrBlock')
    const prefix = parseCidr(cidr)!.prefix
    if (prefix < 16 || prefix > 28) throw ec2Errors.vpcRange(input.CidrBlock)
    const tags = specifiedTags(input.TagSpecifications, 'vpc')
    const tenancy = input.InstanceTenancy ?? 'default'
    const vpc = { ...newVpc(scope, cidr, false), instanceTenancy: tenancy, tags }
    const arn = ec2Arn(scope, 'vpc', vpc.id)
    authorized(ctx, input, [
      on('CreateVpc', arn, [], requestTagContext(tags)), ...createTagsCheck('CreateVpc', arn, tags)
    ])

    const store = ec2(ctx)
    if (store.resources<VpcRecord>(scope, 'vpc').length >= VPCS_PER_REGION) {
      throw ec2Errors.vpcLimit()
    }
    store.transaction(() => {
      store.saveResource(vpc)
      for (const r of vpcCompanions(scope, vpc, false)) store.saveResource(r)
    })
    return { Vpc: wireVpc(vpc, 'pending') }
  }
})

const DeleteVpc = operation({
  authorize: 'handler',
  notes: 'A default VPC\'s internet gateway goes with it (gateways are not otherwise emulated).',
  handle (input: DryRunnable & { VpcId: string }, ctx) {
    const store = ec2(ctx)
    const scope = scopeOf(ctx)
    const vpc = requireVpc(store, ctx, input.VpcId)
    authorized(ctx, input, on('DeleteVpc', ec2Arn(scope, 'vpc', vpc.id), vpc.tags))

    if (hasDependencies(store, ctx, vpc.id)) throw ec2Errors.vpcDependencies(vpc.id)
    store.transaction(() => {
      for (const kind of ['security-group', 'route-table', 'internet-gateway'] as const) {
        for (const r of store.resources<NetworkResource & { vpcId: string }>(scope, kind)) {
          if (r.vpcId === vpc.id) store.removeResource(scope, kind, r.id)
        }
      }
      store.removeResource(scope, 'vpc', vpc.id)
    })
    return {}
  }
})

/** Subnets, interfaces and groups other than `default` keep a VPC from being deleted. */
function hasDependencies (store: Ec2Store, ctx: OperationContext, vpcId: string): boolean {
  const scope = scopeOf(ctx)
  const inVpc = (r: { vpcId: string }): boolean => r.vpcId === vpcId
  return store.resources<SubnetRecord>(scope, 'subnet').some(inVpc) ||
    store.resources<NetworkInterfaceRecord>(scope, 'network-interface').some(inVpc) ||
    store.resources<SecurityGroupRecord>(scope, 'security-group')
      .some(g => inVpc(g) && g.groupName !== 'default')
}

const VPC_FILTERS = {
  'vpc-id': (v: VpcRecord) => v.id,
  'cidr-block': (v: VpcRecord) => v.cidrBlock,
  'cidr': (v: VpcRecord) => v.cidrBlock,
  'cidr-block-association.cidr-block': (v: VpcRecord) => v.cidrBlock,
  'cidr-block-association.association-id': (v: VpcRecord) => v.cidrAssociationId,
  'cidr-block-association.state': () => 'associated',
  'dhcp-options-id': (v: VpcRecord) => v.dhcpOptionsId,
  'is-default': (v: VpcRecord) => v.isDefault,
  isDefault: (v: VpcRecord) => v.isDefault,
  'owner-id': (v: VpcRecord) => v.account,
  state: () => 'available'
}

const DescribeVpcs = operation({
  authorize: 'handler',
  handle (input: Describe & { VpcIds?: string[] }, ctx) {
    described(ctx, input, 'DescribeVpcs')
    const store = ec2(ctx)
    let vpcs = store.resources<VpcRecord>(scopeOf(ctx), 'vpc')
    if (input.VpcIds !== undefined) {
      const missing = input.VpcIds.filter(id => !vpcs.some(v => v.id === id))
      if (missing.length > 0) throw ec2Errors.vpcNotFound(missing)
      vpcs = vpcs.filter(v => input.VpcIds!.includes(v.id))
    }
    const filtered = applyFilters(vpcs, input.Filters, VPC_FILTERS, v => v.tags)
    const { items, nextToken } = page(filtered, input.MaxResults, input.NextToken)
    return { Vpcs: items.map(v => wireVpc(v)), NextToken: nextToken }
  }
})

function requireVpc (store: Ec2Store, ctx: OperationContext, id: string): VpcRecord {
  const vpc = store.resource<VpcRecord>(scopeOf(ctx), 'vpc', id)
  if (vpc === undefined) throw ec2Errors.vpcNotFound([id])
  return vpc
}

// --- subnets ------------------------------------------------------------------------------

interface CreateSubnetRequest extends DryRunnable {
  VpcId: string
  CidrBlock?: string
  AvailabilityZone?: string
  AvailabilityZoneId?: string
  TagSpecifications?: TagSpecification[]
}

const CreateSubnet = operation({
  authorize: 'handler',
  notes: 'IPv4 only; a new subnet does not map public addresses on launch.',
  handle (input: CreateSubnetRequest, ctx) {
    const store = ec2(ctx)
    const scope = scopeOf(ctx)
    const vpc = requireVpc(store, ctx, input.VpcId)
    // (unconfirmed) wording
    if (input.CidrBlock === undefined) throw ec2Errors.missingParameter('CidrBlock')
    const cidr = cidrOf(input.CidrBlock, 'cidrBlock')
    const zone = zoneFor(ctx.region, input)
    const tags = specifiedTags(input.TagSpecifications, 'subnet')
    const subnet = { ...newSubnet(scope, vpc.id, cidr, zone, false), tags }
    const arn = ec2Arn(scope, 'subnet', subnet.id)
    authorized(ctx, input, [
      on('CreateSubnet', arn, [], requestTagContext(tags)),
      on('CreateSubnet', ec2Arn(scope, 'vpc', vpc.id), vpc.tags),
      ...createTagsCheck('CreateSubnet', arn, tags)
    ])

    checkSubnetRange(store, ctx, vpc, input.CidrBlock, cidr)
    store.saveResource(subnet)
    return { Subnet: wireSubnet(subnet, 0) }
  }
})

function zoneFor (region: string, input: CreateSubnetRequest) {
  const zones = availabilityZones(region)
  const { AvailabilityZone: name, AvailabilityZoneId: id } = input
  if (name === undefined && id === undefined) return zones[0]
  const zone = zones.find(z => z.zoneName === name || z.zoneId === id)
  if (zone === undefined) throw ec2Errors.invalidZone(name ?? id ?? '', zones.map(z => z.zoneName))
  return zone
}

function checkSubnetRange (store: Ec2Store, ctx: OperationContext, vpc: VpcRecord,
  given: string, cidr: string): void {
  const block = parseCidr(cidr)!
  if (block.prefix < 16 || block.prefix > 28 || !cidrContains(parseCidr(vpc.cidrBlock)!, block)) {
    throw ec2Errors.subnetRange(given)
  }
  const siblings = store.resources<SubnetRecord>(scopeOf(ctx), 'subnet')
    .filter(s => s.vpcId === vpc.id)
  const overlaps = siblings.some(s => cidrsOverlap(parseCidr(s.cidrBlock)!, block))
  if (overlaps) throw ec2Errors.subnetConflict(given)
}

const DeleteSubnet = operation({
  authorize: 'handler',
  handle (input: DryRunnable & { SubnetId: string }, ctx) {
    const store = ec2(ctx)
    const scope = scopeOf(ctx)
    const subnet = requireSubnet(store, ctx, input.SubnetId)
    authorized(ctx, input, on('DeleteSubnet', ec2Arn(scope, 'subnet', subnet.id), subnet.tags))

    const used = store.resources<NetworkInterfaceRecord>(scope, 'network-interface')
      .some(n => n.subnetId === subnet.id)
    if (used) throw ec2Errors.subnetDependencies(subnet.id)
    store.removeResource(scope, 'subnet', subnet.id)
    return {}
  }
})

export function requireSubnet (store: Ec2Store, ctx: OperationContext, id: string): SubnetRecord {
  const subnet = store.resource<SubnetRecord>(scopeOf(ctx), 'subnet', id)
  if (subnet === undefined) throw ec2Errors.subnetNotFound([id])
  return subnet
}

const SUBNET_FILTERS = {
  'subnet-id': (s: SubnetRecord) => s.id,
  'vpc-id': (s: SubnetRecord) => s.vpcId,
  'cidr-block': (s: SubnetRecord) => s.cidrBlock,
  cidr: (s: SubnetRecord) => s.cidrBlock,
  cidrBlock: (s: SubnetRecord) => s.cidrBlock,
  'availability-zone': (s: SubnetRecord) => s.availabilityZone,
  availabilityZone: (s: SubnetRecord) => s.availabilityZone,
  'availability-zone-id': (s: SubnetRecord) => s.availabilityZoneId,
  'default-for-az': (s: SubnetRecord) => s.defaultForAz,
  defaultForAz: (s: SubnetRecord) => s.defaultForAz,
  'map-public-ip-on-launch': (s: SubnetRecord) => s.mapPublicIpOnLaunch,
  'owner-id': (s: SubnetRecord) => s.account,
  'subnet-arn': (s: SubnetRecord) => `arn:aws:ec2:${s.region}:${s.account}:subnet/${s.id}`,
  state: () => 'available'
}

const DescribeSubnets = operation({
  authorize: 'handler',
  handle (input: Describe & { SubnetIds?: string[] }, ctx) {
    described(ctx, input, 'DescribeSubnets')
    const store = ec2(ctx)
    const scope = scopeOf(ctx)
    let subnets = store.resources<SubnetRecord>(scope, 'subnet')
    if (input.SubnetIds !== undefined) {
      const missing = input.SubnetIds.filter(id => !subnets.some(s => s.id === id))
      if (missing.length > 0) throw ec2Errors.subnetNotFound(missing)
      subnets = subnets.filter(s => input.SubnetIds!.includes(s.id))
    }
    const enis = store.resources<NetworkInterfaceRecord>(scope, 'network-interface')
    const filtered = applyFilters(subnets, input.Filters, SUBNET_FILTERS, s => s.tags)
    const { items, nextToken } = page(filtered, input.MaxResults, input.NextToken)
    return {
      Subnets: items.map(s => wireSubnet(s, enis.filter(n => n.subnetId === s.id).length)),
      NextToken: nextToken
    }
  }
})

export const vpcOperations: Record<string, Operation> = {
  CreateVpc, DeleteVpc, DescribeVpcs, CreateSubnet, DeleteSubnet, DescribeSubnets
}
