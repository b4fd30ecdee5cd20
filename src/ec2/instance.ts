/**
 * An emulated EC2 instance: what RunInstances records and what its metadata service reports.
 * An instance is a name for the host an agent runs on: it has no machine of its own, only the
 * identity, network placement and instance profile an ECS agent reads from IMDS.
 */
import { networkInterfaces, arch } from 'node:os'
import type { Ec2Tag } from './network.js'

export type InstanceStateName = 'pending' | 'running' | 'shutting-down' | 'terminated' |
  'stopping' | 'stopped'

/** EC2's state codes (the low byte of `InstanceState.Code`). */
export const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80
}

export interface InstanceProfileRef { arn: string, id: string, name: string }

export interface MetadataOptions {
  /** `optional` lets IMDSv1 requests through; `required` wants a session token. */
  httpTokens: 'optional' | 'required'
  httpPutResponseHopLimit: number
  httpEndpoint: 'enabled' | 'disabled'
}

export interface InstanceRecord {
  account: string
  region: string
  instanceId: string
  reservationId: string
  amiLaunchIndex: number
  imageId: string
  instanceType: string
  architecture: 'x86_64' | 'arm64'
  state: InstanceStateName
  stateTransitionReason: string
  /** ISO 8601, as EC2 writes it. */
  launchTime: string
  terminatedAt?: string
  availabilityZone: string
  availabilityZoneId: string
  vpcId: string
  subnetId: string
  privateIpAddress: string
  privateDnsName: string
  macAddress: string
  networkInterfaceId: string
  securityGroups: { groupId: string, groupName: string }[]
  iamInstanceProfile?: InstanceProfileRef
  /** The user data as text (decoded from the base64 RunInstances takes). */
  userData?: string
  /** The ECS cluster the instance's agent joins (from `ECS_CLUSTER` in the user data). */
  cluster?: string
  metadataOptions: MetadataOptions
  clientToken?: string
  tags: Ec2Tag[]
}

/**
 * Starts and stops the agent of an instance launched through RunInstances; the CLI sets it.
 * The control plane only calls it: the agent meets the control plane over the wire alone.
 */
export interface AgentLauncher {
  start (instance: InstanceRecord): void
  stop (instanceId: string): void
  /** `POST /_emulator/reset`: stops what the agents run, calls `wipe`, brings back the emulator's own. */
  reset? (wipe: () => void): Promise<void>
}

export const instanceArn = (i: Pick<InstanceRecord, 'account' | 'region' | 'instanceId'>): string =>
  `arn:aws:ec2:${i.region}:${i.account}:instance/${i.instanceId}`

/** A terminated instance stays visible this long, as on AWS (about an hour). */
export const TERMINATED_VISIBLE_SECONDS = 3600

export function visible (i: InstanceRecord, now: Date): boolean {
  if (i.state !== 'terminated' || i.terminatedAt === undefined) return true
  return now.getTime() - Date.parse(i.terminatedAt) < TERMINATED_VISIBLE_SECONDS * 1000
}

/** `ECS_CLUSTER=name` in user data, the way ECS-optimized AMIs are told their cluster. */
export function clusterFromUserData (text: string | undefined): string | undefined {
  const m = /(?:^|[\s"'])ECS_CLUSTER=["']?([A-Za-z0-9_\-:/.]+)/m.exec(text ?? '')
  return m?.[1]
}

/** The user data an agent-started instance gets for its cluster (the documented form). */
export const clusterUserData = (cluster: string): string =>
  `#!/bin/bash\necho ECS_CLUSTER=${cluster} >> /etc/ecs/ecs.config\n`

// --- the host an instance stands for --------------------------------------------------------

/**
 * The instance's private address. Every emulated instance is this machine, so the address is
 * one at which this machine is reachable both from the control plane and from containers:
 * the Docker bridge's gateway (`docker0`), else loopback. It lies outside the subnet's block
 * (a shortcoming: on AWS it would be inside), and instances share it, as they share the host.
 */
export function hostAddress (): string {
  const docker0 = networkInterfaces().docker0?.find(a => a.family === 'IPv4')
  return docker0?.address ?? '127.0.0.1'
}

export const hostArchitecture = (): InstanceRecord['architecture'] =>
  arch() === 'arm64' ? 'arm64' : 'x86_64'

/**
 * The instance type an instance gets when none is named. (unconfirmed choice) c5.large, or
 * its Graviton twin on arm64 hosts; the agent reports the host's real CPU and memory anyway.
 */
export const defaultInstanceType = (architecture: InstanceRecord['architecture']): string =>
  architecture === 'arm64' ? 'c6g.large' : 'c5.large'

// --- what IMDS reports --------------------------------------------------------------------

/** The identity document's members, in the order IMDS writes them. */
export function identityDocument (i: InstanceRecord): Record<string, unknown> {
  return {
    accountId: i.account,
    architecture: i.architecture,
    availabilityZone: i.availabilityZone,
    billingProducts: null,
    devpayProductCodes: null,
    marketplaceProductCodes: null,
    imageId: i.imageId,
    instanceId: i.instanceId,
    instanceType: i.instanceType,
    kernelId: null,
    pendingTime: i.launchTime,
    privateIp: i.privateIpAddress,
    ramdiskId: null,
    region: i.region,
    version: '2017-09-30'
  }
}

/** JSON the way IMDS prints it: two-space indent and ` : ` between key and value. */
export function imdsJson (value: Record<string, unknown>): string {
  const lines = Object.entries(value).map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`)
  return `{\n${lines.join(',\n')}\n}`
}

/** EC2's timestamps in IMDS: seconds, no fraction. */
