/**
 * EFS access points (idempotent by client token; the root directory is made on first mount,
 * see src/efs/storage.ts) and the tagging operations of file systems and access points.
 */
import { efsErrors } from '../../src/efs/errors.js'
import {
  accessPointArn, fileSystemArn, newAccessPoint, resourceOf, type AccessPointRecord,
  type NewAccessPointInput
} from '../../src/efs/file-system.js'
import type { RequestContext } from '../../src/iam/policy.js'
import { operation, type Operation, type OperationContext } from '../registry.js'
import {
  authorizeAccessPoint, authorizeFileSystem, nameOf, page, requestTagContext, seconds, storedTags,
  tagsOf, type Tag
} from './common.js'

function accessPointDescription (ctx: OperationContext, ap: AccessPointRecord,
  state: 'creating' | 'available' = 'available') {
  const arn = accessPointArn(ap, ap.accessPointId)
  const tags = tagsOf(ctx, arn)
  return {
    ClientToken: ap.clientToken,
    Name: nameOf(tags),
    Tags: tags,
    AccessPointId: ap.accessPointId,
    AccessPointArn: arn,
    FileSystemId: ap.fileSystemId,
    PosixUser: ap.posixUser,
    RootDirectory: ap.rootDirectory,
    OwnerId: ap.account,
    LifeCycleState: state
  }
}

interface CreateAccessPointRequest extends NewAccessPointInput { Tags?: Tag[] }

const CreateAccessPoint = operation({
  authorize: 'handler',
  notes: 'Available at once (the answer says `creating`). The root directory is made on the first mount through the access point; its POSIX user is not enforced on the files containers write.',
  handle (input: CreateAccessPointRequest, ctx) {
    const tags = input.Tags ?? []
    const context = requestTagContext(tags)
    const fs = authorizeFileSystem(ctx, 'elasticfilesystem:CreateAccessPoint', input.FileSystemId, context)
    const store = ctx.emulator.efs.store
    const existing = store.accessPoints.list(ctx.account, ctx.region)
      .find(a => a.clientToken === input.ClientToken)
    if (existing !== undefined) throw efsErrors.accessPointExists(existing.accessPointId, input.ClientToken)

    const ap = newAccessPoint(input, fs, seconds(ctx))
    const arn = accessPointArn(ap, ap.accessPointId)
    // EFS's guide: tags on a create call are also authorized as elasticfilesystem:TagResource.
    if (tags.length > 0) {
      ctx.authorize({
        action: 'elasticfilesystem:TagResource',
        resource: arn,
        context: { ...context, 'elasticfilesystem:CreateAction': 'CreateAccessPoint' }
      })
    }
    store.transaction(() => {
      store.accessPoints.save(ap)
      ctx.emulator.tags.tag(arn, storedTags(tags))
    })
    return accessPointDescription(ctx, ap, 'creating')
  }
})

interface DescribeAccessPointsRequest {
  MaxResults?: number
  NextToken?: string
  AccessPointId?: string
  FileSystemId?: string
}

const DescribeAccessPoints = operation({
  authorize: 'handler',
  handle (input: DescribeAccessPointsRequest, ctx) {
    const action = 'elasticfilesystem:DescribeAccessPoints'
    let found: AccessPointRecord[]
    if (input.AccessPointId !== undefined && input.FileSystemId !== undefined) {
      ctx.authorize({ action, resource: '*' })
      // (unconfirmed) EFS's wording.
      throw efsErrors.badRequest('You can specify either an AccessPointId or a FileSystemId, not both.')
    } else if (input.AccessPointId !== undefined) {
      found = [authorizeAccessPoint(ctx, action, input.AccessPointId)]
    } else if (input.FileSystemId !== undefined) {
      found = ctx.emulator.efs.store.accessPointsOf(authorizeFileSystem(ctx, action, input.FileSystemId))
    } else {
      ctx.authorize({ action, resource: '*' })
      found = ctx.emulator.efs.store.accessPoints.list(ctx.account, ctx.region)
    }
    const { items, next } = page(found, a => a.accessPointId, input.NextToken, input.MaxResults, 1000)
    return { AccessPoints: items.map(a => accessPointDescription(ctx, a)), NextToken: next }
  }
})

const DeleteAccessPoint = operation({
  authorize: 'handler',
  notes: 'The files under its root directory stay, as on AWS.',
  handle (input: { AccessPointId: string }, ctx) {
    const ap = authorizeAccessPoint(ctx, 'elasticfilesystem:DeleteAccessPoint', input.AccessPointId)
    ctx.emulator.efs.store.transaction(() => {
      ctx.emulator.efs.store.accessPoints.remove(ap)
      ctx.emulator.tags.drop(accessPointArn(ap, ap.accessPointId))
    })
    return {}
  }
})

// --- tags ---------------------------------------------------------------------------------

/** Authorizes `action` on the file system or access point `ResourceId` names; its ARN. */
function authorizeResource (ctx: OperationContext, action: string, resourceId: string,
  context: RequestContext = {}): string {
  const r = resourceOf(resourceId)
  if (r.kind === 'access-point') {
    const ap = authorizeAccessPoint(ctx, action, r.id, context)
    return accessPointArn(ap, ap.accessPointId)
  }
  const fs = authorizeFileSystem(ctx, action, r.id, context)
  return fileSystemArn(fs, fs.fileSystemId)
}

const TagResource = operation({
  authorize: 'handler',
  handle (input: { ResourceId: string, Tags: Tag[] }, ctx) {
    const arn = authorizeResource(ctx, 'elasticfilesystem:TagResource', input.ResourceId,
      requestTagContext(input.Tags))
    ctx.emulator.tags.tag(arn, storedTags(input.Tags))
    return {}
  }
})

const UntagResource = operation({
  authorize: 'handler',
  handle (input: { ResourceId: string, TagKeys: string[] }, ctx) {
    const arn = authorizeResource(ctx, 'elasticfilesystem:UntagResource', input.ResourceId,
      { 'aws:TagKeys': input.TagKeys })
    ctx.emulator.tags.untag(arn, input.TagKeys)
    return {}
  }
})

interface ListTagsForResourceRequest { ResourceId: string, MaxResults?: number, NextToken?: string }

const ListTagsForResource = operation({
  authorize: 'handler',
  handle (input: ListTagsForResourceRequest, ctx) {
    const arn = authorizeResource(ctx, 'elasticfilesystem:ListTagsForResource', input.ResourceId)
    const { items, next } = page(tagsOf(ctx, arn), t => t.Key, input.NextToken, input.MaxResults, 100)
    return { Tags: items, NextToken: next }
  }
})

export const accessPointOperations: Record<string, Operation> = {
  CreateAccessPoint, DescribeAccessPoints, DeleteAccessPoint, TagResource, UntagResource,
  ListTagsForResource
}
