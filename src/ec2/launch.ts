/**
 * Launching and terminating emulated instances: the one path RunInstances and the agent's
 * `POST /_emulator/instances` share. Termination also stops the tasks on the instance and ends
 * its container-instance registrations (INACTIVE, as ECS does when the instance goes) and its
 * agent.
 */
import type { Emulator } from '../emulator.js'
import type { Scope } from '../ecs/arns.js'
import type { InstanceProfileRecord } from '../../store/iam.js'
import { deregister } from '../ecs/container-instance.js'
import { STOP_REASONS, stopInstanceTasks } from '../ecs/task-state.js'
import type { TaskRecord } from '../ecs/task.js'
import { ecsOptimizedAmi } from '../ssm/parameter.js'
import { isoSeconds } from '../time.js'
import {
  clusterFromUserData, defaultInstanceType, hostAddress, hostArchitecture,
  type InstanceRecord, type MetadataOptions
} from './instance.js'
import {
  ec2Id, macAddress, privateDnsName, zone, type Ec2Tag, type NetworkInterfaceRecord,
  type SecurityGroupRecord, type SubnetRecord
} from './network.js'

export interface LaunchSpec {
  imageId?: string
  instanceType?: string
  subnet: SubnetRecord
  groups: SecurityGroupRecord[]
  profile?: InstanceProfileRecord
  userData?: string
  /** An id to use (the agent asking back for an instance the control plane no longer has). */
  instanceId?: string
  reservationId?: string
  launchIndex?: number
  tags?: Ec2Tag[]
  metadataOptions?: Partial<MetadataOptions>
  clientToken?: string
}

/** The ECS-optimized AMIs the emulator publishes through SSM: the images it can launch. */
export const launchableImages = (region: string): string[] =>
  [ecsOptimizedAmi(region), ecsOptimizedAmi(region, 'amazon-linux-2023')]

/** Records a running instance with its primary network interface, in one transaction. */
export function launchInstance (emulator: Emulator, scope: Scope, spec: LaunchSpec,
  now: Date): InstanceRecord {
  const instanceId = spec.instanceId ?? ec2Id('i')
  const ip = hostAddress()
  const eni = primaryInterface(scope, spec, instanceId, ip, now)
  const architecture = hostArchitecture()
  const instance: InstanceRecord = {
    ...scope,
    instanceId,
    reservationId: spec.reservationId ?? ec2Id('r'),
    amiLaunchIndex: spec.launchIndex ?? 0,
    imageId: spec.imageId ?? ecsOptimizedAmi(scope.region),
    instanceType: spec.instanceType ?? defaultInstanceType(architecture),
    architecture,
    state: 'running',
    stateTransitionReason: '',
    launchTime: isoSeconds(now),
    availabilityZone: spec.subnet.availabilityZone,
    availabilityZoneId: zone(scope.region, spec.subnet.availabilityZone)?.zoneId ??
      spec.subnet.availabilityZoneId,
    vpcId: spec.subnet.vpcId,
    subnetId: spec.subnet.id,
    privateIpAddress: ip,
    privateDnsName: eni.privateDnsName,
    macAddress: eni.macAddress,
    networkInterfaceId: eni.id,
    securityGroups: eni.groups,
    iamInstanceProfile: spec.profile === undefined ? undefined : profileRef(spec.profile),
    userData: spec.userData,
    cluster: clusterFromUserData(spec.userData),
    metadataOptions: {
      httpTokens: spec.metadataOptions?.httpTokens ?? 'optional',
      httpPutResponseHopLimit: spec.metadataOptions?.httpPutResponseHopLimit ?? 2,
      httpEndpoint: spec.metadataOptions?.httpEndpoint ?? 'enabled'
    },
    clientToken: spec.clientToken,
    tags: spec.tags ?? []
  }

  const store = emulator.ec2.store
  store.transaction(() => {
    store.saveResource(eni)
    store.saveInstance(instance)
  })
  return instance
}

const profileRef = (p: InstanceProfileRecord) =>
  ({ arn: p.arn, id: p.instanceProfileId, name: p.instanceProfileName })

function primaryInterface (scope: Scope, spec: LaunchSpec, instanceId: string, ip: string,
  now: Date): NetworkInterfaceRecord {
  return {
    ...scope,
    kind: 'network-interface',
    id: ec2Id('eni'),
    subnetId: spec.subnet.id,
    vpcId: spec.subnet.vpcId,
    availabilityZone: spec.subnet.availabilityZone,
    privateIpAddress: ip,
    privateDnsName: privateDnsName(ip, scope.region),
    macAddress: macAddress(),
    description: '',
    groups: spec.groups.map(g => ({ groupId: g.id, groupName: g.groupName })),
    interfaceType: 'interface',
    status: 'in-use',
    requesterManaged: false,
    attachment: {
      attachmentId: ec2Id('eni-attach'),
      instanceId,
      instanceOwnerId: scope.account,
      deviceIndex: 0,
      status: 'attached',
      attachTime: isoSeconds(now),
      deleteOnTermination: true
    },
    sourceDestCheck: true,
    tags: []
  }
}

/**
 * Terminates an instance: its interface goes, its tasks are STOPPED ("Host EC2 (instance …)
 * terminated.", their reservations given back, their interfaces deleted), its container
 * instances turn INACTIVE, its metadata service closes and its agent (when the launcher
 * started one) is stopped. An agent still connected is told to stop the tasks' containers.
 * The record stays (terminated) for DescribeInstances. Terminating twice changes nothing.
 */
export function terminateInstance (emulator: Emulator, instance: InstanceRecord,
  now: Date): InstanceRecord {
  if (instance.state === 'terminated') return instance
  const done: InstanceRecord = {
    ...instance,
    state: 'terminated',
    terminatedAt: isoSeconds(now),
    stateTransitionReason: `User initiated (${gmt(now)} GMT)`
  }

  const store = emulator.ec2.store
  const stopped = store.transaction(() => {
    store.removeResource(instance, 'network-interface', instance.networkInterfaceId)
    store.saveInstance(done)
    return deactivateContainerInstances(emulator, instance, now)
  })

  for (const t of stopped) emulator.acs.deliver(t)
  void emulator.ec2.metadata.stop(instance.instanceId)
  emulator.ec2.launcher?.stop(instance.instanceId)
  return done
}

const gmt = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ')

/**
 * Every live registration of the instance, in any cluster of its region, has its tasks
 * stopped and becomes INACTIVE; returns the tasks stopped.
 */
function deactivateContainerInstances (emulator: Emulator, instance: InstanceRecord,
  now: Date): TaskRecord[] {
  const { clusters, containerInstances } = emulator.ecs
  const reason = STOP_REASONS.hostTerminated(instance.instanceId)
  const stopped: TaskRecord[] = []
  for (const cluster of clusters.list(instance)) {
    const name = cluster.clusterName
    const live = containerInstances.byEc2Instance(instance, name, instance.instanceId)
    if (live === undefined) continue
    stopped.push(...stopInstanceTasks(emulator, live.containerInstanceArn, reason, now, false))
    const ci = containerInstances.get(live, live.cluster, live.id) ?? live
    containerInstances.save(deregister(ci, true))
  }
  return stopped
}
