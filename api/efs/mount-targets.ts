/**
 * EFS mount targets: one per zone for a file system, all in one VPC, each a network interface
 * in a subnet of the emulated EC2 (with its address from the subnet's block and the VPC's
 * default security group unless others are named). EFS makes those interfaces with the
 * caller's own EC2 permissions, so those are checked too, as the API Reference lists them.
 * (unconfirmed) how EFS words the denial of one of those EC2 actions: as its own denials here.
 */
import { on, ec2Arn } from '../../src/ec2/authz.js'
import { createNetworkInterface, deleteNetworkInterface } from '../../src/ec2/network-interfaces.js'
import {
  cidrContains, ensureDefaultVpc, parseCidr, type NetworkInterfaceRecord, type SecurityGroupRecord,
  type SubnetRecord
} from '../../src/ec2/network.js'
import { efsErrors } from '../../src/efs/errors.js'
import { efsId, fileSystemArn, resourceOf, type FileSystemRecord, type MountTargetRecord } from '../../src/efs/file-system.js'
import { operation, type Operation, type OperationContext } from '../registry.js'
import { authorizeAccessPoint, authorizeFileSystem, fileSystemCheck, page, scopeOf } from './common.js'

function mountTargetDescription (mt: MountTargetRecord, state: 'creating' | 'available' = 'available') {
  return {
    OwnerId: mt.account,
    MountTargetId: mt.mountTargetId,
    FileSystemId: mt.fileSystemId,
    SubnetId: mt.subnetId,
    LifeCycleState: state,
    IpAddress: mt.ipAddress,
    NetworkInterfaceId: mt.networkInterfaceId,
    AvailabilityZoneId: mt.availabilityZoneId,
    AvailabilityZoneName: mt.availabilityZoneName,
    VpcId: mt.vpcId
  }
}

const ec2Store = (ctx: OperationContext) => ctx.emulator.ec2.store

/** A mount target with the check of `action` on its file system; 404 after the check. */
function authorizeMountTarget (ctx: OperationContext, action: string, id: string): MountTargetRecord {
  const mt = ctx.emulator.efs.store.mountTargets.get(ctx.account, ctx.region, id)
  if (mt === undefined) {
    // The file system is not known: the check names every file system of the account.
    ctx.authorize({ action, resource: fileSystemArn(ctx, '*') })
    throw efsErrors.mountTargetNotFound(id)
  }
  const fs = ctx.emulator.efs.store.fileSystems.get(ctx.account, ctx.region, mt.fileSystemId)
  ctx.authorize(fileSystemCheck(ctx, action, mt.fileSystemId, fs))
  return mt
}

/** The security groups named (at most 5, in the subnet's VPC), or undefined for the default. */
function securityGroups (ctx: OperationContext, vpcId: string,
  ids: string[] | undefined): string[] | undefined {
  if (ids === undefined || ids.length === 0) return undefined
  if (ids.length > 5) throw efsErrors.securityGroupLimit()
  for (const id of ids) {
    const g = ec2Store(ctx).resource<SecurityGroupRecord>(ctx, 'security-group', id)
    if (g === undefined) throw efsErrors.securityGroupNotFound(id)
    if (g.vpcId !== vpcId) throw efsErrors.securityGroupOtherVpc(id)
  }
  return ids
}

function checkPlacement (ctx: OperationContext, fs: FileSystemRecord, subnet: SubnetRecord): void {
  if (fs.availabilityZoneName !== undefined && fs.availabilityZoneName !== subnet.availabilityZone) {
    throw efsErrors.zonesMismatch()
  }
  const others = ctx.emulator.efs.store.mountTargetsOf(fs)
  const zone = subnet.availabilityZone
  if (others.some(m => m.availabilityZoneName === zone)) throw efsErrors.mountTargetInZone()
  if (others.some(m => m.vpcId !== subnet.vpcId)) throw efsErrors.mountTargetOtherVpc()
}

function checkAddress (ctx: OperationContext, subnet: SubnetRecord, ip: string | undefined): void {
  if (ip === undefined) return
  const address = parseCidr(`${ip}/32`)
  if (address === undefined || !cidrContains(parseCidr(subnet.cidrBlock)!, address)) {
    throw efsErrors.ipAddressOutside(ip, subnet.id)
  }
  const used = ec2Store(ctx).resources<NetworkInterfaceRecord>(ctx, 'network-interface')
    .some(n => n.subnetId === subnet.id && n.privateIpAddress === ip)
  if (used) throw efsErrors.ipAddressInUse(ip)
}

interface CreateMountTargetRequest {
  FileSystemId: string
  SubnetId: string
  IpAddress?: string
  SecurityGroups?: string[]
}

const CreateMountTarget = operation({
  authorize: 'handler',
  notes: 'Available at once (the answer says `creating`). IPv4 only: `Ipv6Address` and `IpAddressType` are not applied. Security groups are kept, not enforced on mounts.',
  handle (input: CreateMountTargetRequest, ctx) {
    const fs = authorizeFileSystem(ctx, 'elasticfilesystem:CreateMountTarget', input.FileSystemId)
    ctx.authorize(on('DescribeSubnets', '*'))
    ensureDefaultVpc(ec2Store(ctx), scopeOf(ctx))
    const subnet = ec2Store(ctx).resource<SubnetRecord>(ctx, 'subnet', input.SubnetId)
    if (subnet === undefined) throw efsErrors.subnetNotFound(input.SubnetId)
    checkPlacement(ctx, fs, subnet)
    const groups = securityGroups(ctx, subnet.vpcId, input.SecurityGroups)
    ctx.authorize(on('DescribeNetworkInterfaces', '*'))
    checkAddress(ctx, subnet, input.IpAddress)
    ctx.authorize(on('CreateNetworkInterface', ec2Arn(ctx, 'subnet', subnet.id), subnet.tags))

    const mountTargetId = efsId('fsmt')
    const mt = ctx.emulator.efs.store.transaction(() => {
      const eni = createNetworkInterface(ec2Store(ctx), scopeOf(ctx), {
        subnetId: subnet.id,
        securityGroupIds: groups,
        privateIpAddress: input.IpAddress,
        description: `EFS mount target for ${fs.fileSystemId} (${mountTargetId})`
      }, ctx.now)
      const record: MountTargetRecord = {
        account: ctx.account, region: ctx.region, mountTargetId, fileSystemId: fs.fileSystemId,
        subnetId: subnet.id, vpcId: subnet.vpcId, availabilityZoneName: subnet.availabilityZone,
        availabilityZoneId: subnet.availabilityZoneId, ipAddress: eni.privateIpAddress,
        networkInterfaceId: eni.id
      }
      ctx.emulator.efs.store.mountTargets.save(record)
      return record
    })
    return mountTargetDescription(mt, 'creating')
  }
})

interface DescribeMountTargetsRequest {
  MaxItems?: number
  Marker?: string
  FileSystemId?: string
  MountTargetId?: string
  AccessPointId?: string
}

const DescribeMountTargets = operation({
  authorize: 'handler',
  handle (input: DescribeMountTargetsRequest, ctx) {
    const action = 'elasticfilesystem:DescribeMountTargets'
    const store = ctx.emulator.efs.store
    let found: MountTargetRecord[]
    if (input.MountTargetId !== undefined) {
      found = [authorizeMountTarget(ctx, action, input.MountTargetId)]
    } else if (input.FileSystemId !== undefined) {
      found = store.mountTargetsOf(authorizeFileSystem(ctx, action, input.FileSystemId))
    } else if (input.AccessPointId !== undefined) {
      const ap = store.accessPoints.get(ctx.account, ctx.region, resourceOf(input.AccessPointId).id)
      if (ap === undefined) authorizeAccessPoint(ctx, action, input.AccessPointId)
      found = store.mountTargetsOf(authorizeFileSystem(ctx, action, ap!.fileSystemId))
    } else {
      ctx.authorize({ action, resource: fileSystemArn(ctx, '*') })
      // (unconfirmed) EFS's wording.
      throw efsErrors.badRequest('You must specify a FileSystemId, a MountTargetId or an AccessPointId.')
    }
    const { items, next } = page(found, m => m.mountTargetId, input.Marker, input.MaxItems, 100)
    return { Marker: input.Marker, MountTargets: items.map(m => mountTargetDescription(m)), NextMarker: next }
  }
})

const DeleteMountTarget = operation({
  authorize: 'handler',
  notes: 'Gone at once, with its network interface.',
  handle (input: { MountTargetId: string }, ctx) {
    const mt = authorizeMountTarget(ctx, 'elasticfilesystem:DeleteMountTarget', input.MountTargetId)
    ctx.authorize(on('DeleteNetworkInterface', ec2Arn(ctx, 'network-interface', mt.networkInterfaceId)))
    ctx.emulator.efs.store.transaction(() => {
      deleteNetworkInterface(ec2Store(ctx), scopeOf(ctx), mt.networkInterfaceId)
      ctx.emulator.efs.store.mountTargets.remove(mt)
    })
    return {}
  }
})

const interfaceOf = (ctx: OperationContext, mt: MountTargetRecord): NetworkInterfaceRecord | undefined =>
  ec2Store(ctx).resource<NetworkInterfaceRecord>(ctx, 'network-interface', mt.networkInterfaceId)

const DescribeMountTargetSecurityGroups = operation({
  authorize: 'handler',
  handle (input: { MountTargetId: string }, ctx) {
    const mt = authorizeMountTarget(ctx, 'elasticfilesystem:DescribeMountTargetSecurityGroups', input.MountTargetId)
    ctx.authorize(on('DescribeNetworkInterfaceAttribute', '*'))
    return { SecurityGroups: (interfaceOf(ctx, mt)?.groups ?? []).map(g => g.groupId) }
  }
})

const ModifyMountTargetSecurityGroups = operation({
  authorize: 'handler',
  handle (input: { MountTargetId: string, SecurityGroups?: string[] }, ctx) {
    const mt = authorizeMountTarget(ctx, 'elasticfilesystem:ModifyMountTargetSecurityGroups', input.MountTargetId)
    const eni = interfaceOf(ctx, mt)
    ctx.authorize(on('ModifyNetworkInterfaceAttribute', ec2Arn(ctx, 'network-interface', mt.networkInterfaceId),
      eni?.tags))
    const ids = securityGroups(ctx, mt.vpcId, input.SecurityGroups) ?? []
    if (eni !== undefined) {
      const groups = ids.map(id => {
        const g = ec2Store(ctx).resource<SecurityGroupRecord>(ctx, 'security-group', id)!
        return { groupId: g.id, groupName: g.groupName }
      })
      ec2Store(ctx).saveResource({ ...eni, groups })
    }
    return {}
  }
})

export const mountTargetOperations: Record<string, Operation> = {
  CreateMountTarget, DescribeMountTargets, DeleteMountTarget, DescribeMountTargetSecurityGroups,
  ModifyMountTargetSecurityGroups
}
