/**
 * EFS file systems: create (idempotent by creation token), describe, update, delete; their
 * file system policies and lifecycle configurations. A file system's data is a directory on
 * this host (src/efs/storage.ts), made with it and removed with it.
 */
import { efsErrors } from '../../src/efs/errors.js'
import {
  accessPointArn, fileSystemArn, newFileSystem, parseFileSystemPolicy, updatedThroughput,
  type FileSystemRecord, type LifecyclePolicy, type NewFileSystemInput, type ThroughputMode
} from '../../src/efs/file-system.js'
import { evaluate } from '../../src/iam/evaluator.js'
import type { Principal } from '../../src/iam/policy.js'
import { operation, type Operation, type OperationContext } from '../registry.js'
import {
  authorizeFileSystem, nameOf, page, requestTagContext, scopeOf, seconds, storedTags, tagsOf, type Tag
} from './common.js'

type LifeCycleState = 'creating' | 'available' | 'updating'

export function fileSystemDescription (ctx: OperationContext, fs: FileSystemRecord,
  state: LifeCycleState = 'available') {
  const arn = fileSystemArn(fs, fs.fileSystemId)
  const tags = tagsOf(ctx, arn)
  const size = ctx.emulator.efs.storage.sizeOf(fs.fileSystemId)
  return {
    OwnerId: fs.account,
    CreationToken: fs.creationToken,
    FileSystemId: fs.fileSystemId,
    FileSystemArn: arn,
    CreationTime: fs.creationTime,
    LifeCycleState: state,
    Name: nameOf(tags),
    NumberOfMountTargets: ctx.emulator.efs.store.mountTargetsOf(fs).length,
    SizeInBytes: {
      Value: size, Timestamp: seconds(ctx), ValueInIA: 0, ValueInStandard: size, ValueInArchive: 0
    },
    PerformanceMode: fs.performanceMode,
    Encrypted: fs.encrypted,
    KmsKeyId: fs.kmsKeyId,
    ThroughputMode: fs.throughputMode,
    ProvisionedThroughputInMibps: fs.provisionedThroughputInMibps,
    AvailabilityZoneName: fs.availabilityZoneName,
    AvailabilityZoneId: fs.availabilityZoneId,
    Tags: tags,
    FileSystemProtection: { ReplicationOverwriteProtection: fs.replicationOverwriteProtection }
  }
}

const save = (ctx: OperationContext, fs: FileSystemRecord): void =>
  ctx.emulator.efs.store.fileSystems.save(fs)

interface CreateFileSystemRequest extends NewFileSystemInput { Tags?: Tag[] }

const CreateFileSystem = operation({
  authorize: 'handler',
  notes: 'Available at once: the answer says `creating` as AWS\'s does, DescribeFileSystems `available`. Nothing is encrypted or throttled: the KMS key, throughput and performance settings are kept and shown. `Backup` is kept (no backups are made).',
  handle (input: CreateFileSystemRequest, ctx) {
    const tags = input.Tags ?? []
    const context = requestTagContext(tags)
    ctx.authorize({
      action: 'elasticfilesystem:CreateFileSystem',
      resource: '*',
      context: { ...context, 'elasticfilesystem:Encrypted': input.Encrypted === true }
    })

    const store = ctx.emulator.efs.store
    const existing = store.fileSystems.list(ctx.account, ctx.region)
      .find(f => f.creationToken === input.CreationToken)
    if (existing !== undefined) throw efsErrors.fileSystemExists(existing.fileSystemId, input.CreationToken)
    const fs = newFileSystem(input, scopeOf(ctx), seconds(ctx))
    const arn = fileSystemArn(fs, fs.fileSystemId)
    // EFS's guide: tags on a create call are also authorized as elasticfilesystem:TagResource.
    if (tags.length > 0) {
      ctx.authorize({
        action: 'elasticfilesystem:TagResource',
        resource: arn,
        context: { ...context, 'elasticfilesystem:CreateAction': 'CreateFileSystem' }
      })
    }

    store.transaction(() => {
      save(ctx, fs)
      ctx.emulator.tags.tag(arn, storedTags(tags))
    })
    ctx.emulator.efs.storage.create(fs.fileSystemId)
    return fileSystemDescription(ctx, fs, 'creating')
  }
})

interface DescribeFileSystemsRequest {
  MaxItems?: number
  Marker?: string
  CreationToken?: string
  FileSystemId?: string
}

const DescribeFileSystems = operation({
  authorize: 'handler',
  handle (input: DescribeFileSystemsRequest, ctx) {
    let found: FileSystemRecord[]
    if (input.FileSystemId !== undefined) {
      found = [authorizeFileSystem(ctx, 'elasticfilesystem:DescribeFileSystems', input.FileSystemId)]
    } else {
      ctx.authorize({ action: 'elasticfilesystem:DescribeFileSystems', resource: '*' })
      found = ctx.emulator.efs.store.fileSystems.list(ctx.account, ctx.region)
    }
    if (input.CreationToken !== undefined) found = found.filter(f => f.creationToken === input.CreationToken)
    const { items, next } = page(found, f => f.fileSystemId, input.Marker, input.MaxItems, 100)
    return {
      Marker: input.Marker,
      FileSystems: items.map(f => fileSystemDescription(ctx, f)),
      NextMarker: next
    }
  }
})

interface FileSystemRef { FileSystemId: string }

const DeleteFileSystem = operation({
  authorize: 'handler',
  notes: 'Its access points and its data go with it, at once.',
  handle (input: FileSystemRef, ctx) {
    const fs = authorizeFileSystem(ctx, 'elasticfilesystem:DeleteFileSystem', input.FileSystemId)
    const store = ctx.emulator.efs.store
    if (store.mountTargetsOf(fs).length > 0) throw efsErrors.fileSystemInUse(fs.fileSystemId)
    store.transaction(() => {
      for (const ap of store.accessPointsOf(fs)) {
        store.accessPoints.remove(ap)
        ctx.emulator.tags.drop(accessPointArn(ap, ap.accessPointId))
      }
      store.fileSystems.remove(fs)
      ctx.emulator.tags.drop(fileSystemArn(fs, fs.fileSystemId))
    })
    ctx.emulator.efs.storage.remove(fs.fileSystemId)
    return {}
  }
})

interface UpdateFileSystemRequest extends FileSystemRef {
  ThroughputMode?: ThroughputMode
  ProvisionedThroughputInMibps?: number
}

const UpdateFileSystem = operation({
  authorize: 'handler',
  notes: 'The throughput settings change at once (the answer says `updating`); AWS\'s once-a-day limit on decreases is not applied.',
  handle (input: UpdateFileSystemRequest, ctx) {
    const fs = authorizeFileSystem(ctx, 'elasticfilesystem:UpdateFileSystem', input.FileSystemId)
    const updated = updatedThroughput(fs, input.ThroughputMode, input.ProvisionedThroughputInMibps)
    save(ctx, updated)
    return fileSystemDescription(ctx, updated, 'updating')
  }
})

// --- file system policies -----------------------------------------------------------------

interface PutFileSystemPolicyRequest extends FileSystemRef {
  Policy: string
  BypassPolicyLockoutSafetyCheck?: boolean
}

const PutFileSystemPolicy = operation({
  authorize: 'handler',
  notes: 'The policy is evaluated for the file system\'s API actions and for mounts with IAM authorization; mounts without IAM authorization are not checked against it.',
  handle (input: PutFileSystemPolicyRequest, ctx) {
    const fs = authorizeFileSystem(ctx, 'elasticfilesystem:PutFileSystemPolicy', input.FileSystemId)
    const document = parseFileSystemPolicy(input.Policy)
    if (input.BypassPolicyLockoutSafetyCheck !== true && locksOut(ctx, fs, document)) {
      // (unconfirmed) EFS's wording.
      throw efsErrors.invalidPolicy('The file system policy would prevent the principal making this request from making future PutFileSystemPolicy requests on this file system. Set BypassPolicyLockoutSafetyCheck to true to put it anyway.')
    }
    save(ctx, { ...fs, policyText: input.Policy })
    return { FileSystemId: fs.fileSystemId, Policy: input.Policy }
  }
})

/** Whether the new policy would deny the caller PutFileSystemPolicy on this file system. */
function locksOut (ctx: OperationContext, fs: FileSystemRecord, document: object): boolean {
  const principal: Principal = ctx.principal
  const arn = fileSystemArn(fs, fs.fileSystemId)
  const authorizer = ctx.emulator.authorizer
  const context = authorizer.globalKeys(principal,
    { requestId: ctx.requestId, region: ctx.region, now: ctx.now })
  const decision = evaluate(
    { principal, action: 'elasticfilesystem:PutFileSystemPolicy', resource: arn, context },
    { ...authorizer.policies(principal), resource: [{ kind: 'resource', id: arn, document: document as never }] })
  return decision.decision === 'ExplicitDeny'
}

const DescribeFileSystemPolicy = operation({
  authorize: 'handler',
  handle (input: FileSystemRef, ctx) {
    const fs = authorizeFileSystem(ctx, 'elasticfilesystem:DescribeFileSystemPolicy', input.FileSystemId)
    if (fs.policyText === undefined) throw efsErrors.policyNotFound(fs.fileSystemId)
    return { FileSystemId: fs.fileSystemId, Policy: fs.policyText }
  }
})

const DeleteFileSystemPolicy = operation({
  authorize: 'handler',
  handle (input: FileSystemRef, ctx) {
    const fs = authorizeFileSystem(ctx, 'elasticfilesystem:DeleteFileSystemPolicy', input.FileSystemId)
    save(ctx, { ...fs, policyText: undefined })
    return {}
  }
})

// --- lifecycle configuration --------------------------------------------------------------

const DescribeLifecycleConfiguration = operation({
  authorize: 'handler',
  handle (input: FileSystemRef, ctx) {
    const fs = authorizeFileSystem(ctx, 'elasticfilesystem:DescribeLifecycleConfiguration', input.FileSystemId)
    return { LifecyclePolicies: fs.lifecyclePolicies }
  }
})

interface PutLifecycleConfigurationRequest extends FileSystemRef { LifecyclePolicies: LifecyclePolicy[] }

const PutLifecycleConfiguration = operation({
  authorize: 'handler',
  notes: 'Kept and shown: no data moves between storage classes (ValueInIA and ValueInArchive stay 0).',
  handle (input: PutLifecycleConfigurationRequest, ctx) {
    const fs = authorizeFileSystem(ctx, 'elasticfilesystem:PutLifecycleConfiguration', input.FileSystemId)
    for (const p of input.LifecyclePolicies) {
      // (unconfirmed) EFS's wording: each policy holds exactly one transition.
      if (Object.values(p).filter(v => v !== undefined && v !== null).length !== 1) {
        throw efsErrors.badRequest('Each LifecyclePolicy object can have only a single transition.')
      }
    }
    save(ctx, { ...fs, lifecyclePolicies: input.LifecyclePolicies })
    return { LifecyclePolicies: input.LifecyclePolicies }
  }
})

export const fileSystemOperations: Record<string, Operation> = {
  CreateFileSystem, DescribeFileSystems, DeleteFileSystem, UpdateFileSystem,
  PutFileSystemPolicy, DescribeFileSystemPolicy, DeleteFileSystemPolicy,
  DescribeLifecycleConfiguration, PutLifecycleConfiguration
}
