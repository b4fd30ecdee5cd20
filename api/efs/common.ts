/**
 * What the EFS handlers share: tags on the wire and in the request context, the checks on a
 * file system (with its file system policy as the resource's policy) or an access point, and
 * the lookups that authorize before they answer FileSystemNotFound or AccessPointNotFound.
 */
import { efsErrors } from '../../src/efs/errors.js'
import {
  accessPointArn, fileSystemArn, resourceOf, type AccessPointRecord, type FileSystemRecord
} from '../../src/efs/file-system.js'
import type { PolicyDocument, RequestContext } from '../../src/iam/policy.js'
import { resourceTagContext } from '../../src/iam/tag-context.js'
import type { WireTag } from '../../store/tags.js'
import type { Check, OperationContext } from '../registry.js'
import type { Scope } from '../../src/ecs/arns.js'

export interface Tag { Key: string, Value: string }

export const seconds = (ctx: OperationContext): number => Math.floor(ctx.now.getTime() / 1000)

/** The account and region alone (records spread their scope: never the whole context). */
export const scopeOf = (ctx: OperationContext): Scope => ({ account: ctx.account, region: ctx.region })

export const storedTags = (tags: Tag[]): WireTag[] => tags.map(t => ({ key: t.Key, value: t.Value }))

export const wireTags = (tags: WireTag[]): Tag[] => tags.map(t => ({ Key: t.key, Value: t.value }))

/** `aws:RequestTag/KEY` and `aws:TagKeys` for the tags a call sets. */
export function requestTagContext (tags: Tag[]): RequestContext {
  const context: RequestContext = {}
  if (tags.length > 0) {
    for (const t of tags) context[`aws:RequestTag/${t.Key}`] = t.Value
    context['aws:TagKeys'] = tags.map(t => t.Key)
  }
  return context
}

export const tagsOf = (ctx: OperationContext, arn: string): Tag[] => wireTags(ctx.emulator.tags.list(arn))

/** The value of the `Name` tag, which EFS shows as the resource's name. */
export const nameOf = (tags: Tag[]): string | undefined => tags.find(t => t.Key === 'Name')?.Value

const store = (ctx: OperationContext) => ctx.emulator.efs.store

/** The check of `action` on a file system, with its tags and its file system policy. */
export function fileSystemCheck (ctx: OperationContext, action: string, id: string,
  fs: FileSystemRecord | undefined, context: RequestContext = {}): Check {
  const arn = fileSystemArn(ctx, id)
  const check: Check = {
    action,
    resource: arn,
    context: { ...(fs === undefined ? {} : resourceTagContext(ctx.emulator.tags.list(arn))), ...context }
  }
  if (fs?.policyText !== undefined) {
    check.resourcePolicies = [{ kind: 'resource', id: arn, document: JSON.parse(fs.policyText) as PolicyDocument }]
  }
  return check
}

/** Authorizes `action` on the file system an id or ARN names, then finds it (or 404s). */
export function authorizeFileSystem (ctx: OperationContext, action: string, idOrArn: string,
  context: RequestContext = {}): FileSystemRecord {
  const { id } = resourceOf(idOrArn)
  const fs = store(ctx).fileSystems.get(ctx.account, ctx.region, id)
  ctx.authorize(fileSystemCheck(ctx, action, id, fs, context))
  if (fs === undefined) throw efsErrors.fileSystemNotFound(id)
  return fs
}

/** Authorizes `action` on the access point an id or ARN names, then finds it (or 404s). */
export function authorizeAccessPoint (ctx: OperationContext, action: string, idOrArn: string,
  context: RequestContext = {}): AccessPointRecord {
  const { id } = resourceOf(idOrArn)
  const arn = accessPointArn(ctx, id)
  const ap = store(ctx).accessPoints.get(ctx.account, ctx.region, id)
  ctx.authorize({
    action,
    resource: arn,
    context: { ...(ap === undefined ? {} : resourceTagContext(ctx.emulator.tags.list(arn))), ...context }
  })
  if (ap === undefined) throw efsErrors.accessPointNotFound(id)
  return ap
}

/**
 * One page of `items` from the item whose id is `marker`: EFS's markers are opaque; here they
 * are the id of the next page's first item. (unconfirmed) the answer to a marker not issued.
 */
export function page<T> (items: T[], idOf: (item: T) => string, marker: string | undefined,
  max: number | undefined, limit: number): { items: T[], next?: string } {
  const start = marker === undefined ? 0 : items.findIndex(i => idOf(i) === marker)
  if (start < 0) throw efsErrors.badRequest(`Invalid pagination token '${marker}'.`)
  const size = Math.min(max ?? limit, limit)
  const slice = items.slice(start, start + size)
  const next = items[start + size]
  return { items: slice, next: next === undefined ? undefined : idOf(next) }
}
