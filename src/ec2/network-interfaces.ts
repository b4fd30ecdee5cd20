/**
 * Network interfaces other services make in the user's VPC: an awsvpc task's ENI, made by ECS
 * (requester-managed) in a subnet of the task's network configuration, and deleted when the
 * task stops. The tasks work calls these with the emulator's EC2 store.
 */
import type { Scope } from '../ecs/arns.js'
import type { Ec2Store } from '../../store/ec2.js'
import { ec2Errors } from './errors.js'
import { imdsTime } from './instance.js'
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
}

/**
 * Makes a requester-managed interface in use, attached to the instance when one is named.
 * Throws InvalidSubnetID.NotFound / InvalidGroup.NotFound for references that do not exist.
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
      status: 'in-use',
      requesterManaged: true,
      requesterId: spec.requesterId,
      attachment: {
        attachmentId: ec2Id('eni-attach'),
        instanceId: spec.instanceId,
        // (unconfirmed) the owner AWS shows on a Fargate task's interface
        instanceOwnerId: spec.instanceId === undefined ? 'amazon-aws' : scope.account,
        deviceIndex: 1,
        status: 'attached',
        attachTime: imdsTime(now),
        deleteOnTermination: false
      },
      sourceDestCheck: true,
      tags: spec.tags ?? []
    }
    store.saveResource(eni)
    return eni
  })
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
