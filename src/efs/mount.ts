/**
 * What a task's EFS volume mount does on the emulator: the checks the EFS mount helper and the
 * NFS server make (the file system's DNS name resolves only where a mount target serves the
 * task's zone; with IAM authorization the task role needs elasticfilesystem:ClientMount from
 * its policies or the file system policy), then the host directory the agent bind-mounts.
 * Failures carry the text ECS shows as the task's stoppedReason.
 */
import type { Emulator } from '../emulator.js'
import type { Caller } from '../iam/identity.js'
import type { Policy, RequestContext } from '../iam/policy.js'
import { resourceTagContext } from '../iam/tag-context.js'
import type { InstanceRecord } from '../ec2/instance.js'
import type { SubnetRecord } from '../ec2/network.js'
import type { TaskRecord } from '../ecs/task.js'
import {
  accessPointArn, defaultPolicy, fileSystemArn, resourceOf, type AccessPointRecord,
  type FileSystemRecord, type MountTargetRecord
} from './file-system.js'

export interface MountRequest {
  fileSystemId: string
  /** The directory of the file system to mount (default `/`); ignored with an access point. */
  rootDirectory?: string
  accessPointId?: string
  iam?: 'ENABLED' | 'DISABLED'
  transitEncryption?: 'ENABLED' | 'DISABLED'
  /** Default: the emulator's region. */
  region?: string
  /** The task the volume is for: its zone and VPC decide which mount target serves it. */
  taskArn?: string
  /** Every mount point of the volume is read-only: no elasticfilesystem:ClientWrite needed. */
  readOnly?: boolean
}

export type MountResult =
  | { ok: true, hostPath: string, readOnly: boolean, rootSquash: boolean }
  | { ok: false, status: number, reason: string, decisionId?: string }

const EFS_UTILS = 'ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: '
const EXIT = ': unsuccessful EFS utils command execution; code: '

/** The mount helper's answer when the file system's name does not resolve (confirmed text). */
export const resolveFailure = (id: string, region: string): string =>
  `${EFS_UTILS}Failed to resolve "${id}.efs.${region}.amazonaws.com" - check that your file system ID is correct, and ensure that the VPC has an EFS mount target for this file system ID. See https://docs.aws.amazon.com/console/efs/mount-dns-name for more detail. Attempting to lookup mount target ip address using botocore. Failed to import necessary dependency botocore, please install botocore first. ${EXIT}1`

/**
 * The NFS server's refusal. (unconfirmed) On Fargate a Python traceback of the supervisor's
 * mount script follows the first line before `: unsuccessful …`; the form here is the first
 * line alone.
 */
export const accessDenied = (path: string): string =>
  `${EFS_UTILS}b'mount.nfs4: access denied by server while mounting 127.0.0.1:${path}' ${EXIT}32`

/** (unconfirmed) What mount.nfs4 says for a directory the file system does not have. */
export const noSuchDirectory = (path: string): string =>
  `${EFS_UTILS}b'mount.nfs4: mounting 127.0.0.1:${path} failed, reason given by server: No such file or directory' ${EXIT}32`

export interface MountMeta { requestId: string, now: Date, sourceIp?: string }

export function mount (emulator: Emulator, req: MountRequest, caller: Caller | undefined,
  meta: MountMeta): MountResult {
  const region = req.region ?? emulator.config.region
  const id = resourceOf(req.fileSystemId).id
  const fs = emulator.efs.store.fileSystemById(region, id)
  if (fs === undefined) return { ok: false, status: 404, reason: resolveFailure(id, region) }

  // name resolution: a mount target in the task's zone (and VPC)
  const task = req.taskArn === undefined ? undefined : emulator.ecs.tasks.byArn(req.taskArn)
  const served = servingTarget(emulator, emulator.efs.store.mountTargetsOf(fs), task)
  if (served === undefined) return { ok: false, status: 404, reason: resolveFailure(id, region) }

  // the access point
  const path = req.accessPointId === undefined ? (req.rootDirectory ?? '/') : '/'
  let accessPoint: AccessPointRecord | undefined
  if (req.accessPointId !== undefined) {
    accessPoint = emulator.efs.store.accessPoints.get(fs.account, fs.region, resourceOf(req.accessPointId).id)
    // (unconfirmed) what a mount through a missing or foreign access point shows.
    if (accessPoint?.fileSystemId !== fs.fileSystemId) {
      return { ok: false, status: 403, reason: accessDenied(path) }
    }
  }

  // IAM authorization
  let readOnly = req.readOnly === true
  let rootSquash = false
  if (req.iam === 'ENABLED') {
    if (caller === undefined) return { ok: false, status: 403, reason: accessDenied(path) }
    const check = clientCheck(emulator, fs, accessPoint, req, caller, meta)
    const mountVerdict = check('elasticfilesystem:ClientMount')
    if (!mountVerdict.allowed) {
      return { ok: false, status: 403, reason: accessDenied(path), decisionId: mountVerdict.record.id }
    }
    // Without ClientWrite the file system mounts read-only; without ClientRootAccess root is squashed.
    if (!readOnly) readOnly = !check('elasticfilesystem:ClientWrite').allowed
    if (accessPoint?.posixUser === undefined) rootSquash = !check('elasticfilesystem:ClientRootAccess').allowed
  }

  // the directory
  const storage = emulator.efs.storage
  const hostPath = accessPoint === undefined
    ? storage.existing(fs.fileSystemId, path)
    : storage.accessPointRoot(fs.fileSystemId, accessPoint.rootDirectory.Path,
      accessPoint.rootDirectory.CreationInfo)
  if (hostPath === undefined) return { ok: false, status: 400, reason: noSuchDirectory(path) }
  return { ok: true, hostPath, readOnly, rootSquash }
}

/** The check of one client action, with the file system policy (or the default one). */
function clientCheck (emulator: Emulator, fs: FileSystemRecord, accessPoint: AccessPointRecord | undefined,
  req: MountRequest, caller: Caller, meta: MountMeta) {
  const arn = fileSystemArn(fs, fs.fileSystemId)
  const document = fs.policyText === undefined
    ? defaultPolicy(arn, caller.principal)
    : JSON.parse(fs.policyText)
  const policies: Policy[] = [{ kind: 'resource', id: arn, document }]
  const context: RequestContext = {
    ...resourceTagContext(emulator.tags.list(arn)),
    'elasticfilesystem:AccessedViaMountTarget': true,
    'aws:SecureTransport': req.transitEncryption === 'ENABLED' ? 'true' : 'false'
  }
  if (accessPoint !== undefined) {
    context['elasticfilesystem:AccessPointArn'] = accessPointArn(accessPoint, accessPoint.accessPointId)
  }
  return (action: string) => emulator.authorizer.check(caller.principal, action, arn, context, {
    requestId: meta.requestId, region: fs.region, sourceIp: meta.sourceIp, now: meta.now,
    onBehalfOf: req.taskArn, session: caller.session
  }, policies)
}

/**
 * The mount target the file system's DNS name resolves to for the task: the one in the task's
 * zone (and VPC, when the task's network is known). Without a task, any mount target serves.
 */
function servingTarget (emulator: Emulator, targets: MountTargetRecord[],
  task: TaskRecord | undefined): MountTargetRecord | undefined {
  const where = task === undefined ? {} : taskLocation(emulator, task)
  return targets.find(t => (where.zone === undefined || t.availabilityZoneName === where.zone) &&
    (where.vpcId === undefined || t.vpcId === where.vpcId))
}

/** The zone and VPC a task runs in: its ENI's subnet (awsvpc), else its instance's. */
function taskLocation (emulator: Emulator, task: TaskRecord): { zone?: string, vpcId?: string } {
  const store = emulator.ec2.store
  const subnetId = task.attachments.flatMap(a => a.details).find(d => d.name === 'subnetId')?.value
  const subnet = subnetId === undefined ? undefined : store.resource<SubnetRecord>(task, 'subnet', subnetId)
  if (subnet !== undefined) return { zone: subnet.availabilityZone, vpcId: subnet.vpcId }
  const instance = instanceOf(emulator, task)
  if (instance !== undefined) return { zone: instance.availabilityZone, vpcId: instance.vpcId }
  return { zone: task.availabilityZone }
}

function instanceOf (emulator: Emulator, task: TaskRecord): InstanceRecord | undefined {
  const m = /:container-instance\/([^/]+)\/([^/]+)$/.exec(task.containerInstanceArn ?? '')
  if (m === null) return undefined
  const ci = emulator.ecs.containerInstances.get(task, m[1], m[2])
  return ci?.ec2InstanceId === undefined ? undefined : emulator.ec2.store.instanceById(ci.ec2InstanceId)
}
