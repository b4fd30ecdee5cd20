/**
 * Network interfaces other services make in the user's VPC: an awsvpc task's ENI, made by ECS
 * (requester-managed) in a subnet of the task's network configuration when the task is placed,
 * attached (in use) once the task's attachment is, and deleted when the task stops. The tasks
 * work calls these with the emulator's EC2 store.
 */
import type { Scope } from '../ecs/arns.js'
import type { Ec2Store } from '../../store/ec2.js'
import { ec2Errors } from './errors.js'
import { isoSeconds } from '../time.js'
import {
  ec2Id, groupOf, macAddress, nextAddress, privateDnsName, type Ec2Tag, type NetworkInterfaceRecord,
  type SecurityGroupRecord, type SubnetRecord
} from './network.js'

export interface NetworkInterfaceSpec {
  subnetId: string
  /** Default: the VPC's `default` group. */
  securityGroupIds?: string[]
  /** The address (the task container's, when Docker gave it one); default: the subnet's next. */
  privateIpAddress?: string
  /** ECS writes `arn:aws:ecs:REGION:ACCOUNT:attachment/ID` here. */
  description?: string
  /** The instance an awsvpc task on EC2 runs on; none for Fargate. */
  instanceId?: string
  /** Who made it for the user: ECS's principal (unconfirmed: the id AWS shows). */
  requesterId?: string
  /** `interface` (default) or `branch`, `trunk` ... */
  interfaceType?: string
  tags?: Ec2Tag[]
  /** Made `available`, attached later (`attachNetworkInterface`); default: in use at once. */
  detached?: boolean
}

/** The account ECS's task interfaces name as their requester. (unconfirmed) seen on AWS. */
export const ECS_REQUESTER_ID = '578734482556'

/**
 * Makes a requester-managed interface, in use and attached to the instance when one is named
 * (`available`, unattached, when `detached`). Throws InvalidSubnetID.NotFound /
 * InvalidGroup.NotFound for references that do not exist.
 */
export function createNetworkInterface (store: Ec2Store, scope: Scope, spec: NetworkInterfaceSpec,
  now: Date): NetworkInterfaceRecord {
  return store.transaction(() => {
    const subnet = store.resource<SubnetRecord>(scope, 'subnet', spec.subnetId)
    if (subnet === undefined) throw ec2Errors.subnetNotFound([spec.subnetId])
    const groups = groupsFor(store, scope, subnet, spec.securityGroupIds)
    let ip = spec.privateIpAddress
    if (ip === undefined) {
      const next = nextAddress(subnet)
      ip = next.ip
      store.saveResource(next.subnet)
    }

    const eni: NetworkInterfaceRecord = {
      ...scope,
      kind: 'network-interface',
      id: ec2Id('eni'),
      subnetId: subnet.id,
      vpcId: subnet.vpcId,
      availabilityZone: subnet.availabilityZone,
      privateIpAddress: ip,
      privateDnsName: privateDnsName(ip, scope.region),
      macAddress: macAddress(),
      description: spec.description ?? '',
      groups: groups.map(g => ({ groupId: g.id, groupName: g.groupName })),
      interfaceType: spec.interfaceType ?? 'interface',
      status: 'available',
      requesterManaged: true,
      requesterId: spec.requesterId,
      sourceDestCheck: true,
      tags: spec.tags ?? []
    }
    const made = spec.detached === true ? eni : attached(eni, spec.instanceId, now)
    store.saveResource(made)
    return made
  })
}

/** In use, attached to the instance (an awsvpc task on EC2) or to Fargate's (none named). */
function attached (eni: NetworkInterfaceRecord, instanceId: string | undefined,
  now: Date): NetworkInterfaceRecord {
  return {
    ...eni,
    status: 'in-use',
    attachment: {
      attachmentId: ec2Id('eni-attach'),
      instanceId,
      // (unconfirmed) the owner AWS shows on a Fargate task's interface
      instanceOwnerId: instanceId === undefined ? 'amazon-aws' : eni.account,
      deviceIndex: 1,
      status: 'attached',
      attachTime: isoSeconds(now),
      deleteOnTermination: false
    }
  }
}

export interface Attachment {
  instanceId?: string
  /** The address the interface has now (the task's, once its agent reported one). */
  privateIpAddress?: string
}

/**
 * Attaches the interface (when it is not yet) and gives it the address; undefined when the
 * interface does not exist. Attaching again, with the same address, changes nothing.
 */
export function attachNetworkInterface (store: Ec2Store, scope: Scope, id: string,
  a: Attachment, now: Date): NetworkInterfaceRecord | undefined {
  const eni = store.resource<NetworkInterfaceRecord>(scope, 'network-interface', id)
  if (eni === undefined) return undefined
  let next = eni.attachment === undefined ? attached(eni, a.instanceId, now) : eni
  const ip = a.privateIpAddress
  if (ip !== undefined && ip !== next.privateIpAddress) {
    next = { ...next, privateIpAddress: ip, privateDnsName: privateDnsName(ip, scope.region) }
  }
  if (next !== eni) store.saveResource(next)
  return next
}

/** Deletes the interface; false when it did not exist (deleting twice is harmless). */
export function deleteNetworkInterface (store: Ec2Store, scope: Scope, id: string): boolean {
  const found = store.resource<NetworkInterfaceRecord>(scope, 'network-interface', id) !== undefined
  if (found) store.removeResource(scope, 'network-interface', id)
  return found
}

function groupsFor (store: Ec2Store, scope: Scope, subnet: SubnetRecord,
  ids: string[] | undefined): SecurityGroupRecord[] {
  if (ids === undefined || ids.length === 0) {
    const group = groupOf(store, scope, subnet.vpcId, 'default')
    return group === undefined ? [] : [group]
  }
  return ids.map(id => {
    const g = store.resource<SecurityGroupRecord>(scope, 'security-group', id)
    if (g === undefined) throw ec2Errors.groupNotFound(id)
    return g
  })
}
