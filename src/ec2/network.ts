/**
 * The network EC2 gives every account: the regions' availability zones, the default VPC
 * (172.31.0.0/16 with one /20 default subnet per zone, an internet gateway, the main route
 * table and the default security group), and the records of VPCs, subnets, security groups,
 * route tables and network interfaces with their ids and addresses.
 */
import { randomBytes } from 'node:crypto'
import type { Scope } from '../ecs/arns.js'
import type { Ec2Store } from '../../store/ec2.js'

export interface Ec2Tag { key: string, value: string }

export type ResourceKind = 'vpc' | 'subnet' | 'security-group' | 'route-table' |
  'network-interface' | 'internet-gateway'

interface Base extends Scope {
  id: string
  tags: Ec2Tag[]
}

export interface VpcRecord extends Base {
  kind: 'vpc'
  cidrBlock: string
  cidrAssociationId: string
  isDefault: boolean
  dhcpOptionsId: string
  instanceTenancy: string
}

export interface SubnetRecord extends Base {
  kind: 'subnet'
  vpcId: string
  cidrBlock: string
  availabilityZone: string
  availabilityZoneId: string
  defaultForAz: boolean
  mapPublicIpOnLaunch: boolean
  /** The next host number handed out in the block (AWS keeps the first four and the last). */
  nextHost: number
}

/** One rule of a security group, as AWS keeps them (each has its own `sgr-` id). */
export interface SecurityGroupRule {
  id: string
  egress: boolean
  /** `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number. */
  protocol: string
  fromPort?: number
  toPort?: number
  cidrIpv4?: string
  cidrIpv6?: string
  prefixListId?: string
  referencedGroupId?: string
  referencedUserId?: string
  description?: string
}

export interface SecurityGroupRecord extends Base {
  kind: 'security-group'
  groupName: string
  description: string
  vpcId: string
  rules: SecurityGroupRule[]
}

export interface RouteRecord {
  destinationCidrBlock: string
  gatewayId: string
  origin: 'CreateRouteTable' | 'CreateRoute'
  state: 'active'
}

export interface RouteTableRecord extends Base {
  kind: 'route-table'
  vpcId: string
  main: boolean
  mainAssociationId: string
  routes: RouteRecord[]
}

export interface InternetGatewayRecord extends Base {
  kind: 'internet-gateway'
  vpcId: string
}

export interface NetworkInterfaceRecord extends Base {
  kind: 'network-interface'
  subnetId: string
  vpcId: string
  availabilityZone: string
  privateIpAddress: string
  privateDnsName: string
  macAddress: string
  description: string
  groups: { groupId: string, groupName: string }[]
  interfaceType: string
  status: 'available' | 'in-use'
  requesterManaged: boolean
  requesterId?: string
  attachment?: {
    attachmentId: string
    instanceId?: string
    instanceOwnerId: string
    deviceIndex: number
    status: 'attached'
    attachTime: string
    deleteOnTermination: boolean
  }
  sourceDestCheck: boolean
}

export type NetworkResource = VpcRecord | SubnetRecord | SecurityGroupRecord | RouteTableRecord |
  NetworkInterfaceRecord | InternetGatewayRecord

// --- ids ----------------------------------------------------------------------------------

/** `vpc-`, `subnet-`, `sg-`, `i-` ... followed by 17 hex digits, as EC2 makes them now. */
export const ec2Id = (prefix: string): string =>
  `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`

export const macAddress = (): string =>
  ['0e', ...[...randomBytes(5)].map(b => b.toString(16).padStart(2, '0'))].join(':')

// --- regions and zones --------------------------------------------------------------------

/**
 * How many zones a region offers an account. (unconfirmed) Letters differ per account on
 * AWS; the emulator takes a, b, c ... in order. Regions not listed get three.
 */
const ZONE_COUNT: Record<string, number> = {
  'us-east-1': 6, 'us-west-1': 2, 'us-west-2': 4, 'ap-northeast-1': 3, 'ap-northeast-2': 4,
  'eu-west-1': 3, 'eu-central-1': 3, 'sa-east-1': 3, 'ca-central-1': 3
}

export interface Zone { zoneName: string, zoneId: string, regionName: string }

export function availabilityZones (region: string): Zone[] {
  const n = ZONE_COUNT[region] ?? 3
  return Array.from({ length: n }, (_, i) => ({
    zoneName: `${region}${String.fromCharCode(97 + i)}`,
    zoneId: `${regionCode(region)}-az${i + 1}`,
    regionName: region
  }))
}

export const zone = (region: string, zoneName: string): Zone | undefined =>
  availabilityZones(region).find(z => z.zoneName === zoneName)

const DIRECTIONS: Record<string, string> = {
  north: 'n', south: 's', east: 'e', west: 'w', central: 'c', northeast: 'ne', northwest: 'nw',
  southeast: 'se', southwest: 'sw'
}

/** `us-east-1` → `use1`, `ap-southeast-2` → `apse2`: the prefix of zone ids. */
export function regionCode (region: string): string {
  const [area, direction, number] = region.split('-')
  return `${area}${DIRECTIONS[direction] ?? direction?.charAt(0) ?? ''}${number ?? ''}`
}

/** The private DNS name EC2 gives an address: `ip-10-0-0-1.ec2.internal` in us-east-1. */
export function privateDnsName (ip: string, region: string): string {
  const domain = region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`
  return `ip-${ip.replace(/\./g, '-')}.${domain}`
}

// --- addresses ----------------------------------------------------------------------------

export interface Cidr { base: number, prefix: number }

/** `a.b.c.d/n` with the host bits zero, or undefined. */
export function parseCidr (text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text)
  if (m === null) return undefined
  const octets = m.slice(1, 5).map(Number)
  const prefix = Number(m[5])
  if (octets.some(o => o > 255) || prefix > 32) return undefined
  const base = octets.reduce((n, o) => n * 256 + o, 0)
  return { base: base - (base % 2 ** (32 - prefix)), prefix }
}

export const cidrText = (c: Cidr): string => `${ipText(c.base)}/${c.prefix}`

export const ipText = (n: number): string =>
  [24, 16, 8, 0].map(s => Math.floor(n / 2 ** s) % 256).join('.')

export const cidrSize = (c: Cidr): number => 2 ** (32 - c.prefix)

export function cidrContains (outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base &&
    inner.base + cidrSize(inner) <= outer.base + cidrSize(outer)
}

export function cidrsOverlap (a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a)
}

/** The next free address of a subnet (AWS keeps .0 to .3 and the last address). */
export function nextAddress (subnet: SubnetRecord): { ip: string, subnet: SubnetRecord } {
  const c = parseCidr(subnet.cidrBlock)!
  const usable = cidrSize(c) - 5
  const host = 4 + ((subnet.nextHost - 4) % Math.max(usable, 1))
  return { ip: ipText(c.base + host), subnet: { ...subnet, nextHost: host + 1 } }
}

// --- what a VPC is made with --------------------------------------------------------------

export const DEFAULT_VPC_CIDR = '172.31.0.0/16'

/** The main route table, internet gateway and default security group of a new VPC. */
export function vpcCompanions (scope: Scope, vpc: VpcRecord,
  withGateway: boolean): NetworkResource[] {
  const gateway: InternetGatewayRecord | undefined = withGateway
    ? { ...scope, kind: 'internet-gateway', id: ec2Id('igw'), vpcId: vpc.id, tags: [] }
    : undefined
  const routes: RouteRecord[] = [
    { destinationCidrBlock: vpc.cidrBlock, gatewayId: 'local', origin: 'CreateRouteTable',
      state: 'active' }
  ]
  if (gateway !== undefined) {
    routes.push({ destinationCidrBlock: '0.0.0.0/0', gatewayId: gateway.id, origin: 'CreateRoute',
      state: 'active' })
  }
  const table: RouteTableRecord = {
    ...scope, kind: 'route-table', id: ec2Id('rtb'), vpcId: vpc.id, main: true,
    mainAssociationId: ec2Id('rtbassoc'), routes, tags: []
  }
  return [...(gateway === undefined ? [] : [gateway]), table, defaultSecurityGroup(scope, vpc.id)]
}

/** `default`, allowing all traffic from itself in and everything out, as AWS makes it. */
export function defaultSecurityGroup (scope: Scope, vpcId: string): SecurityGroupRecord {
  const id = ec2Id('sg')
  return {
    ...scope, kind: 'security-group', id, groupName: 'default', vpcId, tags: [],
    description: 'default VPC security group',
    rules: [
      { id: ec2Id('sgr'), egress: false, protocol: '-1', referencedGroupId: id,
        referencedUserId: scope.account },
      { id: ec2Id('sgr'), egress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' }
    ]
  }
}

export function newVpc (scope: Scope, cidrBlock: string, isDefault: boolean): VpcRecord {
  return {
    ...scope, kind: 'vpc', id: ec2Id('vpc'), cidrBlock, cidrAssociationId: ec2Id('vpc-cidr-assoc'),
    isDefault, dhcpOptionsId: 'dopt-' + scopeHash(scope), instanceTenancy: 'default', tags: []
  }
}

export function newSubnet (scope: Scope, vpcId: string, cidrBlock: string, z: Zone,
  defaultForAz: boolean): SubnetRecord {
  return {
    ...scope, kind: 'subnet', id: ec2Id('subnet'), vpcId, cidrBlock, availabilityZone: z.zoneName,
    availabilityZoneId: z.zoneId, defaultForAz, mapPublicIpOnLaunch: defaultForAz, nextHost: 4,
    tags: []
  }
}

/** One DHCP options set per account and region, as the default VPC has. */
function scopeHash (scope: Scope): string {
  let h = 0
  for (const ch of `${scope.account}/${scope.region}`) h = (h * 31 + ch.charCodeAt(0)) >>> 0
  return h.toString(16).padStart(8, '0')
}

/**
 * Makes the default VPC of the account and region the first time anything there needs it;
 * afterwards it is the user's (deleting it does not bring it back, as on AWS).
 */
export function ensureDefaultVpc (store: Ec2Store, scope: Scope): void {
  if (store.hasDefaults(scope)) return
  store.transaction(() => {
    if (store.hasDefaults(scope)) return
    const vpc = newVpc(scope, DEFAULT_VPC_CIDR, true)
    store.saveResource(vpc)
    for (const r of vpcCompanions(scope, vpc, true)) store.saveResource(r)
    availabilityZones(scope.region).forEach((z, i) => {
      store.saveResource(newSubnet(scope, vpc.id, `172.31.${i * 16}.0/20`, z, true))
    })
    store.markDefaults(scope)
  })
}

export function defaultVpc (store: Ec2Store, scope: Scope): VpcRecord | undefined {
  ensureDefaultVpc(store, scope)
  return store.resources<VpcRecord>(scope, 'vpc').find(v => v.isDefault)
}

/** The default subnet of the region's first zone that still exists, else any default one. */
export function defaultSubnet (store: Ec2Store, scope: Scope): SubnetRecord | undefined {
  const vpc = defaultVpc(store, scope)
  if (vpc === undefined) return undefined
  const subnets = store.resources<SubnetRecord>(scope, 'subnet')
    .filter(s => s.vpcId === vpc.id && s.defaultForAz)
  return subnets.sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone))[0]
}

export function groupOf (store: Ec2Store, scope: Scope, vpcId: string,
  name: string): SecurityGroupRecord | undefined {
  return store.resources<SecurityGroupRecord>(scope, 'security-group')
    .find(g => g.vpcId === vpcId && g.groupName === name)
}
