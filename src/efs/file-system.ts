/**
 * The rules of EFS file systems, access points and mount targets: ids and ARNs, defaults, the
 * checks CreateFileSystem and CreateAccessPoint make, file system policies and the default
 * policy that applies when there is none. api/efs only reads parameters and shapes output.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Scope } from '../ecs/arns.js'
import { availabilityZones } from '../ec2/network.js'
import type { PolicyDocument, PolicyStatement, Principal } from '../iam/policy.js'
import { efsErrors } from './errors.js'

export type PerformanceMode = 'generalPurpose' | 'maxIO'
export type ThroughputMode = 'bursting' | 'provisioned' | 'elastic'

export interface LifecyclePolicy {
  TransitionToIA?: string
  TransitionToPrimaryStorageClass?: string
  TransitionToArchive?: string
}

export interface FileSystemRecord extends Scope {
  fileSystemId: string
  creationToken: string
  /** Epoch seconds. */
  creationTime: number
  performanceMode: PerformanceMode
  throughputMode: ThroughputMode
  provisionedThroughputInMibps?: number
  encrypted: boolean
  kmsKeyId?: string
  /** One Zone file systems only. */
  availabilityZoneName?: string
  availabilityZoneId?: string
  backup: boolean
  replicationOverwriteProtection: 'ENABLED' | 'DISABLED' | 'REPLICATING'
  policyText?: string
  lifecyclePolicies: LifecyclePolicy[]
}

export interface PosixUser { Uid: number, Gid: number, SecondaryGids?: number[] }

export interface CreationInfo { OwnerUid: number, OwnerGid: number, Permissions: string }

export interface RootDirectory { Path: string, CreationInfo?: CreationInfo }

export interface AccessPointRecord extends Scope {
  accessPointId: string
  fileSystemId: string
  clientToken: string
  posixUser?: PosixUser
  rootDirectory: RootDirectory
  /** Epoch seconds. */
  createdAt: number
}

export interface MountTargetRecord extends Scope {
  mountTargetId: string
  fileSystemId: string
  subnetId: string
  vpcId: string
  availabilityZoneName: string
  availabilityZoneId: string
  ipAddress: string
  networkInterfaceId: string
}

// --- ids and ARNs -------------------------------------------------------------------------

/** `fs-`, `fsap-`, `fsmt-` and 17 hex digits, as EFS makes them now. */
export const efsId = (prefix: 'fs' | 'fsap' | 'fsmt'): string =>
  `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`

export const fileSystemArn = (s: Scope, id: string): string =>
  `arn:aws:elasticfilesystem:${s.region}:${s.account}:file-system/${id}`

export const accessPointArn = (s: Scope, id: string): string =>
  `arn:aws:elasticfilesystem:${s.region}:${s.account}:access-point/${id}`

export type EfsResource = { kind: 'file-system' | 'access-point', id: string, account?: string }

/** What a `ResourceId`, `FileSystemId` or `AccessPointId` names: an id or the resource's ARN. */
export function resourceOf (text: string): EfsResource {
  const m = /^arn:aws[-a-z]*:elasticfilesystem:[^:]*:(\d*):(file-system|access-point)\/(.+)$/.exec(text)
  if (m !== null) return { kind: m[2] as EfsResource['kind'], id: m[3], account: m[1] }
  return { kind: text.startsWith('fsap-') ? 'access-point' : 'file-system', id: text }
}

// --- file systems -------------------------------------------------------------------------

export interface NewFileSystemInput {
  CreationToken: string
  PerformanceMode?: PerformanceMode
  Encrypted?: boolean
  KmsKeyId?: string
  ThroughputMode?: ThroughputMode
  ProvisionedThroughputInMibps?: number
  AvailabilityZoneName?: string
  Backup?: boolean
}

/** A new file system, with AWS's defaults, or the BadRequest its settings earn. */
export function newFileSystem (input: NewFileSystemInput, scope: Scope, now: number): FileSystemRecord {
  const throughputMode = input.ThroughputMode ?? 'bursting'
  // (unconfirmed) the wording of these two BadRequests.
  if (throughputMode === 'provisioned' && input.ProvisionedThroughputInMibps === undefined) {
    throw efsErrors.badRequest('ProvisionedThroughputInMibps is required when ThroughputMode is provisioned.')
  }
  if (input.KmsKeyId !== undefined && input.Encrypted !== true) {
    throw efsErrors.badRequest('A KmsKeyId can only be specified when Encrypted is true.')
  }
  const zone = input.AvailabilityZoneName === undefined
    ? undefined
    : availabilityZones(scope.region).find(z => z.zoneName === input.AvailabilityZoneName)
  if (input.AvailabilityZoneName !== undefined && zone === undefined) {
    throw efsErrors.unsupportedZone(input.AvailabilityZoneName)
  }
  const encrypted = input.Encrypted === true
  return {
    ...scope,
    fileSystemId: efsId('fs'),
    creationToken: input.CreationToken,
    creationTime: now,
    performanceMode: input.PerformanceMode ?? 'generalPurpose',
    throughputMode,
    provisionedThroughputInMibps: throughputMode === 'provisioned' ? input.ProvisionedThroughputInMibps : undefined,
    encrypted,
    kmsKeyId: encrypted ? kmsKeyArn(scope, input.KmsKeyId) : undefined,
    availabilityZoneName: zone?.zoneName,
    availabilityZoneId: zone?.zoneId,
    // One Zone file systems have automatic backups on unless asked otherwise.
    backup: input.Backup ?? zone !== undefined,
    replicationOverwriteProtection: 'ENABLED',
    lifecyclePolicies: []
  }
}

/**
 * The key ARN EFS reports: the one given (a key id becomes its ARN), else the account's
 * `aws/elasticfilesystem` key. (unconfirmed) how an alias is reported; it is kept as given.
 */
function kmsKeyArn (scope: Scope, keyId: string | undefined): string {
  if (keyId?.startsWith('arn:') === true) return keyId
  if (keyId?.startsWith('alias/') === true) return `arn:aws:kms:${scope.region}:${scope.account}:${keyId}`
  const id = keyId ?? uuidFrom(`${scope.account}/${scope.region}/aws/elasticfilesystem`)
  return `arn:aws:kms:${scope.region}:${scope.account}:key/${id}`
}

function uuidFrom (text: string): string {
  const h = createHash('sha256').update(text).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/** Throughput changes UpdateFileSystem accepts. */
export function updatedThroughput (fs: FileSystemRecord, mode: ThroughputMode | undefined,
  mibps: number | undefined): FileSystemRecord {
  const throughputMode = mode ?? fs.throughputMode
  if (throughputMode === 'provisioned' && mibps === undefined && fs.provisionedThroughputInMibps === undefined) {
    throw efsErrors.badRequest('ProvisionedThroughputInMibps is required when ThroughputMode is provisioned.')
  }
  return {
    ...fs,
    throughputMode,
    provisionedThroughputInMibps: throughputMode === 'provisioned'
      ? (mibps ?? fs.provisionedThroughputInMibps)
      : undefined
  }
}

// --- access points ------------------------------------------------------------------------

export interface NewAccessPointInput {
  ClientToken: string
  FileSystemId: string
  PosixUser?: PosixUser
  RootDirectory?: Partial<RootDirectory>
}

export function newAccessPoint (input: NewAccessPointInput, fs: FileSystemRecord,
  now: number): AccessPointRecord {
  return {
    account: fs.account,
    region: fs.region,
    accessPointId: efsId('fsap'),
    fileSystemId: fs.fileSystemId,
    clientToken: input.ClientToken,
    posixUser: input.PosixUser,
    rootDirectory: {
      Path: input.RootDirectory?.Path ?? '/',
      CreationInfo: input.RootDirectory?.CreationInfo
    },
    createdAt: now
  }
}

// --- policies -----------------------------------------------------------------------------

/**
 * Checks a file system policy as EFS does before keeping it: JSON, with statements that each
 * have an Effect, a Principal and an Action. (unconfirmed) EFS's messages for each case.
 */
export function parseFileSystemPolicy (text: string): PolicyDocument {
  let doc: unknown
  try { doc = JSON.parse(text) } catch {
    throw efsErrors.invalidPolicy('Policy is not a valid JSON document.')
  }
  if (doc === null || typeof doc !== 'object' || !('Statement' in doc)) {
    throw efsErrors.invalidPolicy('Policy document must contain a Statement.')
  }
  const raw = (doc as PolicyDocument).Statement
  const statements = (Array.isArray(raw) ? raw : [raw]) as unknown[]
  if (statements.length === 0) throw efsErrors.invalidPolicy('Policy document must contain a Statement.')
  for (const s of statements) {
    const why = statementProblem(s)
    if (why !== undefined) throw efsErrors.invalidPolicy(why)
  }
  return doc as PolicyDocument
}

function statementProblem (s: unknown): string | undefined {
  if (s === null || typeof s !== 'object') return 'Policy statement must be a JSON object.'
  const st = s as PolicyStatement
  if (st.Effect !== 'Allow' && st.Effect !== 'Deny') return 'Policy statement must contain a valid Effect.'
  if (st.Principal === undefined && st.NotPrincipal === undefined) return 'Policy statement must contain a Principal.'
  if (st.Action === undefined && st.NotAction === undefined) return 'Policy statement must contain an Action.'
  return undefined
}

export const CLIENT_ACTIONS = ['elasticfilesystem:ClientRootAccess', 'elasticfilesystem:ClientWrite',
  'elasticfilesystem:ClientMount']

/**
 * The default file system policy, in effect while none is set: full access for any client
 * that comes through a mount target. It is written for the one principal it is evaluated for,
 * because it grants on its own (no identity policy needs to allow), as AWS describes it.
 */
export function defaultPolicy (arn: string, principal: Principal): PolicyDocument {
  return {
    Version: '2012-10-17',
    Id: 'efs-default-policy',
    Statement: [{
      Sid: 'efs-default-statement',
      Effect: 'Allow',
      Principal: { AWS: principal.arn },
      Action: CLIENT_ACTIONS,
      Resource: arn,
      Condition: { Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' } }
    }]
  }
}
