/**
 * Instances and network interfaces. RunInstances records instances (state `running` at once;
 * the answer says `pending`, as AWS's does) and, for one whose user data names an ECS cluster
 * and that has an instance profile, asks the emulator's agent launcher to start its agent.
 */
import { operation, type Check, type Operation, type OperationContext } from '../registry.js'
import { ec2Arn, imageArn, on, requestTagContext } from '../../src/ec2/authz.js'
import { ec2Errors } from '../../src/ec2/errors.js'
import { applyFilters, page, type Filter } from '../../src/ec2/filters.js'
import { launchableImages, launchInstance, terminateInstance } from '../../src/ec2/launch.js'
import {
  STATE_CODES, instanceArn, visible, type InstanceRecord, type InstanceStateName,
  type MetadataOptions
} from '../../src/ec2/instance.js'
import {
  defaultSubnet, defaultVpc, ec2Id, groupOf, zone, type NetworkInterfaceRecord,
  type SecurityGroupRecord, type SubnetRecord
} from '../../src/ec2/network.js'
import { wireInstance, wireNetworkInterface, wireState } from '../../src/ec2/wire.js'
import { parseIamArn } from '../../src/iam/entities.js'
import { passRole } from '../../src/iam/pass-role.js'
import type { InstanceProfileRecord } from '../../store/iam.js'
import type { Ec2Store } from '../../store/ec2.js'
import {
  authorized, createTagsCheck, described, ec2, scopeOf, specifiedTags, type DryRunnable,
  type TagSpecification
} from './common.js'
import { requireSubnet } from './vpcs.js'

/** (unconfirmed) a stand-in for the account's On-Demand vCPU quota, counted in instances. */
const INSTANCE_LIMIT = 20
const USER_DATA_LIMIT = 16 * 1024

interface RunInstancesRequest extends DryRunnable {
  ImageId?: string
  InstanceType?: string
  MinCount: number
  MaxCount: number
  SubnetId?: string
  SecurityGroupIds?: string[]
  SecurityGroups?: string[]
  IamInstanceProfile?: { Arn?: string, Name?: string }
  UserData?: string
  TagSpecifications?: TagSpecification[]
  MetadataOptions?: { HttpTokens?: string, HttpPutResponseHopLimit?: number, HttpEndpoint?: string }
  ClientToken?: string
  Placement?: { AvailabilityZone?: string }
  NetworkInterfaces?: { SubnetId?: string, Groups?: string[], DeviceIndex?: number }[]
}

const RunInstances = operation({
  authorize: 'handler',
  notes: 'Launches only the ECS-optimized AMIs the SSM public parameters name. Instances ' +
    'run at once and stand for this machine (their private address is the Docker bridge ' +
    'gateway or loopback). Key pairs, block devices, Spot, placement groups, launch ' +
    'templates and public addresses are accepted and not emulated; only the first ' +
    'NetworkInterfaces entry\'s subnet and groups are used.',
  handle (input: RunInstancesRequest, ctx) {
    const store = ec2(ctx)
    const scope = scopeOf(ctx)
    const image = requireImage(ctx, input.ImageId)
    const count = instanceCount(store, ctx, input)
    const subnet = subnetFor(store, ctx, input)
    const groups = groupsFor(store, ctx, input, subnet)
    const profile = profileFor(ctx, input.IamInstanceProfile)
    const userData = decodeUserData(input.UserData)
    const tags = specifiedTags(input.TagSpecifications, 'instance')
    authorized(ctx, input, runChecks(ctx, { image, subnet, groups, profile, tags }))

    const again = input.ClientToken === undefined
      ? []
      : store.instances(scope).filter(i => i.clientToken === input.ClientToken)
    const instances = again.length > 0
      ? again
      : launch(ctx, { image, count, subnet, groups, profile, userData, tags, input })
    const shown = (i: InstanceRecord): InstanceStateName => again.length > 0 ? i.state : 'pending'
    return {
      ReservationId: instances[0].reservationId,
      OwnerId: ctx.account,
      Groups: [],
      Instances: instances.map(i => wireInstance(i, eniOf(store, i), shown(i)))
    }
  }
})

interface Launch {
  image: string
  count: number
  subnet: SubnetRecord
  groups: SecurityGroupRecord[]
  profile?: InstanceProfileRecord
  userData?: string
  tags: InstanceRecord['tags']
  input: RunInstancesRequest
}

function launch (ctx: OperationContext, l: Launch): InstanceRecord[] {
  const reservationId = ec2Id('r')
  const asked = l.input.MetadataOptions
  const metadataOptions: Partial<MetadataOptions> = {
    httpTokens: asked?.HttpTokens as MetadataOptions['httpTokens'] | undefined,
    httpPutResponseHopLimit: asked?.HttpPutResponseHopLimit,
    httpEndpoint: asked?.HttpEndpoint as MetadataOptions['httpEndpoint'] | undefined
  }
  const instances: InstanceRecord[] = []
  for (let n = 0; n < l.count; n++) {
    instances.push(launchInstance(ctx.emulator, scopeOf(ctx), {
      imageId: l.image,
      // The documented default instance type of RunInstances.
      instanceType: l.input.InstanceType ?? 'm1.small',
      subnet: l.subnet, groups: l.groups, profile: l.profile, userData: l.userData, reservationId,
      launchIndex: n, tags: l.tags, metadataOptions, clientToken: l.input.ClientToken
    }, ctx.now))
  }
  const launcher = ctx.emulator.ec2.launcher
  for (const i of instances) {
    if (launcher !== undefined && i.cluster !== undefined && i.iamInstanceProfile !== undefined) {
      ctx.log.info({ instanceId: i.instanceId, cluster: i.cluster }, 'starting an instance agent')
      launcher.start(i)
    }
  }
  return instances
}

function requireImage (ctx: OperationContext, id: string | undefined): string {
  if (id === undefined) throw ec2Errors.missingParameter('ImageId')
  if (!/^ami-[0-9a-f]{8,17}$/.test(id)) {
    throw ec2Errors.malformedId('InvalidAMIID.Malformed', id, 'ami')
  }
  // (unconfirmed) any other well-formed id answers as an image that does not exist
  if (!launchableImages(ctx.region).includes(id)) throw ec2Errors.imageNotFound(id)
  return id
}

function instanceCount (store: Ec2Store, ctx: OperationContext,
  input: RunInstancesRequest): number {
  // (unconfirmed) the wording of both count errors
  if (input.MinCount < 1) {
    throw ec2Errors.invalidParameterValue(`Value (${input.MinCount}) for parameter minCount is invalid. Expected a positive integer.`)
  }
  if (input.MaxCount < input.MinCount) {
    throw ec2Errors.invalidParameterValue(`Value (${input.MaxCount}) for parameter maxCount is invalid. Expected a value greater than or equal to minCount.`)
  }
  const live = (i: InstanceRecord): boolean => i.state === 'running' || i.state === 'pending'
  const running = store.instances(scopeOf(ctx)).filter(live).length
  const room = INSTANCE_LIMIT - running
  if (room < input.MinCount) throw ec2Errors.instanceLimit(input.MinCount, INSTANCE_LIMIT)
  return Math.min(input.MaxCount, room)
}

function subnetFor (store: Ec2Store, ctx: OperationContext,
  input: RunInstancesRequest): SubnetRecord {
  const id = input.SubnetId ?? input.NetworkInterfaces?.[0]?.SubnetId
  if (id !== undefined) return requireSubnet(store, ctx, id)
  const scope = scopeOf(ctx)
  const wantedZone = input.Placement?.AvailabilityZone
  if (wantedZone !== undefined && zone(ctx.region, wantedZone) === undefined) {
    throw ec2Errors.invalidParameterValue(`Invalid availability zone: [${wantedZone}]`)
  }
  const vpc = defaultVpc(store, scope)
  const subnet = wantedZone === undefined
    ? defaultSubnet(store, scope)
    : store.resources<SubnetRecord>(scope, 'subnet')
      .find(s => s.vpcId === vpc?.id && s.defaultForAz && s.availabilityZone === wantedZone)
  if (subnet === undefined) throw ec2Errors.noDefaultVpc()
  return subnet
}

function groupsFor (store: Ec2Store, ctx: OperationContext, input: RunInstancesRequest,
  subnet: SubnetRecord): SecurityGroupRecord[] {
  const scope = scopeOf(ctx)
  const ids = input.SecurityGroupIds ?? input.NetworkInterfaces?.[0]?.Groups ?? []
  const groups = ids.map(id => {
    const g = store.resource<SecurityGroupRecord>(scope, 'security-group', id)
    if (g === undefined) throw ec2Errors.groupNotFound(id)
    if (g.vpcId !== subnet.vpcId) throw ec2Errors.differentNetworks(id, subnet.id)
    return g
  })
  for (const name of input.SecurityGroups ?? []) {
    const g = groupOf(store, scope, subnet.vpcId, name)
    if (g === undefined) throw ec2Errors.groupNameNotFound(name, subnet.vpcId)
    groups.push(g)
  }
  if (groups.length > 0) return groups
  const fallback = groupOf(store, scope, subnet.vpcId, 'default')
  return fallback === undefined ? [] : [fallback]
}

function profileFor (ctx: OperationContext,
  spec: RunInstancesRequest['IamInstanceProfile']): InstanceProfileRecord | undefined {
  if (spec === undefined || (spec.Arn === undefined && spec.Name === undefined)) return undefined
  const iam = ctx.emulator.iam
  if (spec.Arn !== undefined) {
    const parsed = parseIamArn(spec.Arn)
    const p = parsed?.type === 'instance-profile'
      ? iam.instanceProfile(parsed.account, parsed.name)
      : undefined
    const valid = p !== undefined && p.arn === spec.Arn && p.account === ctx.account
    if (!valid) throw ec2Errors.invalidProfileArn(spec.Arn)
    return p
  }
  const p = iam.instanceProfile(ctx.account, spec.Name!)
  if (p === undefined) throw ec2Errors.invalidProfileName(spec.Name!)
  return p
}

function decodeUserData (text: string | undefined): string | undefined {
  if (text === undefined) return undefined
  const compact = text.replace(/\s+/g, '')
  const base64 = /^[A-Za-z0-9+/]*={0,2}$/.test(compact) && compact.length % 4 !== 1
  if (!base64) throw ec2Errors.invalidUserData()
  const bytes = Buffer.from(compact, 'base64')
  if (bytes.length > USER_DATA_LIMIT) {
    throw ec2Errors.invalidParameterValue(`User data is limited to ${USER_DATA_LIMIT} bytes`)
  }
  return bytes.toString('utf8')
}

interface Resources {
  image: string
  subnet: SubnetRecord
  groups: SecurityGroupRecord[]
  profile?: InstanceProfileRecord
  tags: InstanceRecord['tags']
}

/**
 * RunInstances is checked on each resource it uses or makes (instance, image, subnet,
 * groups, interface, volume), and iam:PassRole on the profile's role, as EC2 checks them.
 */
function runChecks (ctx: OperationContext, r: Resources): Check[] {
  const scope = scopeOf(ctx)
  const instance = ec2Arn(scope, 'instance', '*')
  const checks: Check[] = [
    on('RunInstances', instance, [], requestTagContext(r.tags)),
    on('RunInstances', imageArn(ctx.region, r.image)),
    on('RunInstances', ec2Arn(scope, 'subnet', r.subnet.id), r.subnet.tags),
    ...r.groups.map(g => on('RunInstances', ec2Arn(scope, 'security-group', g.id), g.tags)),
    on('RunInstances', ec2Arn(scope, 'network-interface', '*')),
    on('RunInstances', ec2Arn(scope, 'volume', '*')),
    ...createTagsCheck('RunInstances', instance, r.tags)
  ]
  const roleName = r.profile?.roles[0]
  if (roleName !== undefined) {
    const roleArn = ctx.emulator.iam.role(ctx.account, roleName)?.arn ??
      `arn:aws:iam::${ctx.account}:role/${roleName}`
    checks.push(passRole(roleArn, 'ec2.amazonaws.com'))
  }
  return checks
}

const eniOf = (store: Ec2Store, i: InstanceRecord): NetworkInterfaceRecord | undefined =>
  store.resource<NetworkInterfaceRecord>(i, 'network-interface', i.networkInterfaceId)

// --- terminate and describe ---------------------------------------------------------------

const TerminateInstances = operation({
  authorize: 'handler',
  notes: 'Instances are terminated at once (the answer says shutting-down); their agents ' +
    'are stopped, their tasks STOPPED (their reservations given back, their ENIs deleted) and ' +
    'their container instances become INACTIVE.',
  handle (input: DryRunnable & { InstanceIds: string[] }, ctx) {
    const store = ec2(ctx)
    const scope = scopeOf(ctx)
    const found = input.InstanceIds.map(id => store.instance(scope, id))
    const missing = input.InstanceIds.filter((_, n) => {
      const i = found[n]
      return i === undefined || !visible(i, ctx.now)
    })
    if (missing.length > 0) throw ec2Errors.instanceNotFound(missing)
    const instances = found as InstanceRecord[]
    authorized(ctx, input, instances.map(i => on('TerminateInstances', instanceArn(i), i.tags)))

    return {
      TerminatingInstances: instances.map(i => {
        const before: InstanceStateName = i.state
        terminateInstance(ctx.emulator, i, ctx.now)
        const after: InstanceStateName = before === 'terminated' ? 'terminated' : 'shutting-down'
        return {
          InstanceId: i.instanceId, CurrentState: wireState(after), PreviousState: wireState(before)
        }
      })
    }
  }
})

const INSTANCE_FILTERS = {
  'instance-id': (i: InstanceRecord) => i.instanceId,
  'instance-state-name': (i: InstanceRecord) => i.state,
  'instance-state-code': (i: InstanceRecord) => STATE_CODES[i.state],
  'instance-type': (i: InstanceRecord) => i.instanceType,
  'image-id': (i: InstanceRecord) => i.imageId,
  'availability-zone': (i: InstanceRecord) => i.availabilityZone,
  'vpc-id': (i: InstanceRecord) => i.vpcId,
  'subnet-id': (i: InstanceRecord) => i.subnetId,
  'private-ip-address': (i: InstanceRecord) => i.privateIpAddress,
  'private-dns-name': (i: InstanceRecord) => i.privateDnsName,
  'reservation-id': (i: InstanceRecord) => i.reservationId,
  'iam-instance-profile.arn': (i: InstanceRecord) => i.iamInstanceProfile?.arn,
  'iam-instance-profile.id': (i: InstanceRecord) => i.iamInstanceProfile?.id,
  'instance.group-id': (i: InstanceRecord) => i.securityGroups.map(g => g.groupId),
  'instance.group-name': (i: InstanceRecord) => i.securityGroups.map(g => g.groupName),
  'group-id': (i: InstanceRecord) => i.securityGroups.map(g => g.groupId),
  'group-name': (i: InstanceRecord) => i.securityGroups.map(g => g.groupName),
  'network-interface.network-interface-id': (i: InstanceRecord) => i.networkInterfaceId,
  architecture: (i: InstanceRecord) => i.architecture,
  'owner-id': (i: InstanceRecord) => i.account,
  'launch-index': (i: InstanceRecord) => i.amiLaunchIndex,
  'client-token': (i: InstanceRecord) => i.clientToken
}

interface DescribeInstancesRequest extends DryRunnable {
  InstanceIds?: string[]
  Filters?: Filter[]
  MaxResults?: number
  NextToken?: string
}

const DescribeInstances = operation({
  authorize: 'handler',
  notes: 'Terminated instances stay listed for an hour, as on AWS.',
  handle (input: DescribeInstancesRequest, ctx) {
    described(ctx, input, 'DescribeInstances')
    const store = ec2(ctx)
    let instances = store.instances(scopeOf(ctx)).filter(i => visible(i, ctx.now))
    if (input.InstanceIds !== undefined) {
      const missing = input.InstanceIds.filter(id => !instances.some(i => i.instanceId === id))
      if (missing.length > 0) throw ec2Errors.instanceNotFound(missing)
      instances = instances.filter(i => input.InstanceIds!.includes(i.instanceId))
    }
    const filtered = applyFilters(instances, input.Filters, INSTANCE_FILTERS, i => i.tags)
    const { items, nextToken } = page(filtered, input.MaxResults, input.NextToken)
    return { Reservations: reservations(store, items), NextToken: nextToken }
  }
})

function reservations (store: Ec2Store, instances: InstanceRecord[]): object[] {
  const byId = new Map<string, InstanceRecord[]>()
  for (const i of instances) byId.set(i.reservationId, [...(byId.get(i.reservationId) ?? []), i])
  return [...byId.entries()].map(([id, members]) => ({
    ReservationId: id,
    OwnerId: members[0].account,
    Groups: [],
    Instances: members.map(i => wireInstance(i, eniOf(store, i)))
  }))
}

const ENI_FILTERS = {
  'network-interface-id': (n: NetworkInterfaceRecord) => n.id,
  'subnet-id': (n: NetworkInterfaceRecord) => n.subnetId,
  'vpc-id': (n: NetworkInterfaceRecord) => n.vpcId,
  'availability-zone': (n: NetworkInterfaceRecord) => n.availabilityZone,
  'private-ip-address': (n: NetworkInterfaceRecord) => n.privateIpAddress,
  'addresses.private-ip-address': (n: NetworkInterfaceRecord) => n.privateIpAddress,
  'private-dns-name': (n: NetworkInterfaceRecord) => n.privateDnsName,
  'mac-address': (n: NetworkInterfaceRecord) => n.macAddress,
  'group-id': (n: NetworkInterfaceRecord) => n.groups.map(g => g.groupId),
  'group-name': (n: NetworkInterfaceRecord) => n.groups.map(g => g.groupName),
  status: (n: NetworkInterfaceRecord) => n.status,
  description: (n: NetworkInterfaceRecord) => n.description,
  'requester-managed': (n: NetworkInterfaceRecord) => n.requesterManaged,
  'requester-id': (n: NetworkInterfaceRecord) => n.requesterId,
  'interface-type': (n: NetworkInterfaceRecord) => n.interfaceType,
  'owner-id': (n: NetworkInterfaceRecord) => n.account,
  'attachment.instance-id': (n: NetworkInterfaceRecord) => n.attachment?.instanceId,
  'attachment.attachment-id': (n: NetworkInterfaceRecord) => n.attachment?.attachmentId,
  'attachment.status': (n: NetworkInterfaceRecord) => n.attachment?.status,
  'attachment.device-index': (n: NetworkInterfaceRecord) => n.attachment?.deviceIndex
}

interface DescribeNetworkInterfacesRequest extends DryRunnable {
  NetworkInterfaceIds?: string[]
  Filters?: Filter[]
  MaxResults?: number
  NextToken?: string
}

const DescribeNetworkInterfaces = operation({
  authorize: 'handler',
  handle (input: DescribeNetworkInterfacesRequest, ctx) {
    described(ctx, input, 'DescribeNetworkInterfaces')
    const store = ec2(ctx)
    let enis = store.resources<NetworkInterfaceRecord>(scopeOf(ctx), 'network-interface')
    if (input.NetworkInterfaceIds !== undefined) {
      const missing = input.NetworkInterfaceIds.filter(id => !enis.some(n => n.id === id))
      if (missing.length > 0) throw ec2Errors.networkInterfaceNotFound(missing)
      enis = enis.filter(n => input.NetworkInterfaceIds!.includes(n.id))
    }
    const filtered = applyFilters(enis, input.Filters, ENI_FILTERS, n => n.tags)
    const { items, nextToken } = page(filtered, input.MaxResults, input.NextToken)
    const zoneId = (n: NetworkInterfaceRecord) => zone(ctx.region, n.availabilityZone)?.zoneId
    return {
      NetworkInterfaces: items.map(n => wireNetworkInterface(n, zoneId(n))),
      NextToken: nextToken
    }
  }
})

export const instanceOperations: Record<string, Operation> = {
  RunInstances, TerminateInstances, DescribeInstances, DescribeNetworkInterfaces
}
