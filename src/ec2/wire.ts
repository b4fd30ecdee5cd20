/**
 * EC2 records as the API shows them (members named as the model names them; the XML writer
 * gives them their wire names). The members AWS always writes, even empty, are written here too.
 */
import { createHash } from 'node:crypto'
import {
  cidrSize, parseCidr, type Ec2Tag, type NetworkInterfaceRecord, type SecurityGroupRecord,
  type SubnetRecord, type VpcRecord
} from './network.js'
import { STATE_CODES, type InstanceRecord, type InstanceStateName } from './instance.js'
import { ipPermissions } from './security-groups.js'

const IP_NAME = {
  HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false
}

const primaryAddress = (n: NetworkInterfaceRecord): object[] =>
  [{ Primary: true, PrivateDnsName: n.privateDnsName, PrivateIpAddress: n.privateIpAddress }]

const groupIdentifiers = (groups: { groupId: string, groupName: string }[]): object[] =>
  groups.map(g => ({ GroupId: g.groupId, GroupName: g.groupName }))

export const wireTags = (tags: Ec2Tag[]): object[] | undefined =>
  tags.length === 0 ? undefined : tags.map(t => ({ Key: t.key, Value: t.value }))

export function wireVpc (v: VpcRecord, state: 'available' | 'pending' = 'available'): object {
  return {
    OwnerId: v.account,
    InstanceTenancy: v.instanceTenancy,
    CidrBlockAssociationSet: [{
      AssociationId: v.cidrAssociationId, CidrBlock: v.cidrBlock, CidrBlockState: { State: 'associated' }
    }],
    IsDefault: v.isDefault,
    BlockPublicAccessStates: { InternetGatewayBlockMode: 'off' },
    Tags: wireTags(v.tags),
    VpcId: v.id,
    State: state,
    CidrBlock: v.cidrBlock,
    DhcpOptionsId: v.dhcpOptionsId
  }
}

export function wireSubnet (s: SubnetRecord, used: number): object {
  const c = parseCidr(s.cidrBlock)
  return {
    AvailabilityZoneId: s.availabilityZoneId,
    MapCustomerOwnedIpOnLaunch: false,
    OwnerId: s.account,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
    Tags: wireTags(s.tags),
    SubnetArn: `arn:aws:ec2:${s.region}:${s.account}:subnet/${s.id}`,
    EnableDns64: false,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: IP_NAME,
    BlockPublicAccessStates: { InternetGatewayBlockMode: 'off' },
    SubnetId: s.id,
    State: 'available',
    VpcId: s.vpcId,
    CidrBlock: s.cidrBlock,
    AvailableIpAddressCount: c === undefined ? 0 : Math.max(cidrSize(c) - 5 - used, 0),
    AvailabilityZone: s.availabilityZone,
    DefaultForAz: s.defaultForAz,
    MapPublicIpOnLaunch: s.mapPublicIpOnLaunch
  }
}

export function wireSecurityGroup (g: SecurityGroupRecord): object {
  return {
    GroupId: g.id,
    IpPermissionsEgress: ipPermissions(g.rules.filter(r => r.egress), g.account),
    Tags: wireTags(g.tags),
    VpcId: g.vpcId,
    SecurityGroupArn: `arn:aws:ec2:${g.region}:${g.account}:security-group/${g.id}`,
    OwnerId: g.account,
    GroupName: g.groupName,
    Description: g.description,
    IpPermissions: ipPermissions(g.rules.filter(r => !r.egress), g.account)
  }
}

export function wireNetworkInterface (n: NetworkInterfaceRecord, zoneId?: string): object {
  return {
    Attachment: n.attachment === undefined
      ? undefined
      : {
          AttachTime: n.attachment.attachTime,
          AttachmentId: n.attachment.attachmentId,
          DeleteOnTermination: n.attachment.deleteOnTermination,
          DeviceIndex: n.attachment.deviceIndex,
          NetworkCardIndex: 0,
          InstanceId: n.attachment.instanceId,
          InstanceOwnerId: n.attachment.instanceOwnerId,
          Status: n.attachment.status
        },
    AvailabilityZone: n.availabilityZone,
    AvailabilityZoneId: zoneId,
    Description: n.description,
    Groups: groupIdentifiers(n.groups),
    InterfaceType: n.interfaceType,
    Ipv6Addresses: [],
    MacAddress: n.macAddress,
    NetworkInterfaceId: n.id,
    OwnerId: n.account,
    PrivateDnsName: n.privateDnsName,
    PrivateIpAddress: n.privateIpAddress,
    PrivateIpAddresses: primaryAddress(n),
    Ipv4Prefixes: [],
    Ipv6Prefixes: [],
    RequesterId: n.requesterId,
    RequesterManaged: n.requesterManaged,
    SourceDestCheck: n.sourceDestCheck,
    Status: n.status,
    SubnetId: n.subnetId,
    TagSet: n.tags.map(t => ({ Key: t.key, Value: t.value })),
    VpcId: n.vpcId
  }
}

export const wireState = (name: InstanceStateName): object =>
  ({ Code: STATE_CODES[name], Name: name })

/** A stable id for the instance's root volume (volumes are not kept as resources). */
export const rootVolumeId = (instanceId: string): string =>
  'vol-' + createHash('sha256').update(instanceId).digest('hex').slice(0, 17)

export function wireInstance (i: InstanceRecord, eni: NetworkInterfaceRecord | undefined,
  shownState: InstanceStateName = i.state): object {
  const live = i.state !== 'terminated'
  return {
    Architecture: i.architecture,
    BlockDeviceMappings: live
      ? [{ DeviceName: '/dev/xvda', Ebs: rootVolume(i) }]
      : [],
    ClientToken: i.clientToken ?? '',
    EbsOptimized: false,
    EnaSupport: true,
    Hypervisor: 'xen',
    IamInstanceProfile: i.iamInstanceProfile === undefined
      ? undefined
      : { Arn: i.iamInstanceProfile.arn, Id: i.iamInstanceProfile.id },
    NetworkInterfaces: live && eni !== undefined ? [instanceInterface(eni)] : [],
    RootDeviceName: '/dev/xvda',
    RootDeviceType: 'ebs',
    SecurityGroups: live ? groupIdentifiers(i.securityGroups) : [],
    SourceDestCheck: live ? true : undefined,
    StateReason: live ? undefined : USER_SHUTDOWN,
    Tags: wireTags(i.tags),
    VirtualizationType: 'hvm',
    CpuOptions: { CoreCount: 1, ThreadsPerCore: 2 },
    CapacityReservationSpecification: { CapacityReservationPreference: 'open' },
    HibernationOptions: { Configured: false },
    MetadataOptions: {
      State: 'applied',
      HttpTokens: i.metadataOptions.httpTokens,
      HttpPutResponseHopLimit: i.metadataOptions.httpPutResponseHopLimit,
      HttpEndpoint: i.metadataOptions.httpEndpoint,
      HttpProtocolIpv6: 'disabled',
      InstanceMetadataTags: 'disabled'
    },
    EnclaveOptions: { Enabled: false },
    BootMode: 'uefi-preferred',
    PlatformDetails: 'Linux/UNIX',
    UsageOperation: 'RunInstances',
    UsageOperationUpdateTime: i.launchTime,
    PrivateDnsNameOptions: IP_NAME,
    MaintenanceOptions: { AutoRecovery: 'default' },
    CurrentInstanceBootMode: 'legacy-bios',
    InstanceId: i.instanceId,
    ImageId: i.imageId,
    State: wireState(shownState),
    PrivateDnsName: live ? i.privateDnsName : '',
    PublicDnsName: '',
    StateTransitionReason: i.stateTransitionReason,
    AmiLaunchIndex: i.amiLaunchIndex,
    ProductCodes: [],
    InstanceType: i.instanceType,
    LaunchTime: i.launchTime,
    Placement: {
      GroupName: '', Tenancy: 'default', AvailabilityZoneId: i.availabilityZoneId,
      AvailabilityZone: i.availabilityZone
    },
    Monitoring: { State: 'disabled' },
    SubnetId: live ? i.subnetId : undefined,
    VpcId: live ? i.vpcId : undefined,
    PrivateIpAddress: live ? i.privateIpAddress : undefined
  }
}

const USER_SHUTDOWN = {
  Code: 'Client.UserInitiatedShutdown', Message: 'Client.UserInitiatedShutdown: User initiated shutdown'
}

const rootVolume = (i: InstanceRecord): object => ({
  AttachTime: i.launchTime, DeleteOnTermination: true, Status: 'attached',
  VolumeId: rootVolumeId(i.instanceId)
})

function instanceInterface (n: NetworkInterfaceRecord): object {
  return {
    Attachment: n.attachment === undefined
      ? undefined
      : {
          AttachTime: n.attachment.attachTime,
          AttachmentId: n.attachment.attachmentId,
          DeleteOnTermination: n.attachment.deleteOnTermination,
          DeviceIndex: n.attachment.deviceIndex,
          Status: n.attachment.status,
          NetworkCardIndex: 0
        },
    Description: n.description,
    Groups: groupIdentifiers(n.groups),
    Ipv6Addresses: [],
    MacAddress: n.macAddress,
    NetworkInterfaceId: n.id,
    OwnerId: n.account,
    PrivateDnsName: n.privateDnsName,
    PrivateIpAddress: n.privateIpAddress,
    PrivateIpAddresses: primaryAddress(n),
    SourceDestCheck: n.sourceDestCheck,
    Status: n.status,
    SubnetId: n.subnetId,
    VpcId: n.vpcId,
    InterfaceType: n.interfaceType
  }
}
