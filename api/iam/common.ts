/**
 * What the IAM handlers share: AWS's error texts, the wire forms of users and roles,
 * `Marker`/`MaxItems` pagination, tag merging, the condition keys of a request, and
 * authorization against an entity that may or may not exist yet.
 */
import { AwsError } from '../errors.js'
import type { OperationContext } from '../registry.js'
import type { Tag, UserRecord } from '../../src/iam/directory.js'
import type { RequestContext } from '../../src/iam/policy.js'
import { checkPolicyDocument, type DocumentKind } from '../../src/iam/documents.js'
import { iamArn, type EntityType } from '../../src/iam/entities.js'
import type { IamStore, StoredRole } from '../../store/iam.js'
import type { RoleLastUsed } from '../../store/role-usage.js'
import { isoSeconds } from '../../src/time.js'

// ---------------------------------------------------------------- errors

const error = (code: string, status = 400) => (message: string): AwsError =>
  new AwsError(code, message, status)

export const noSuchEntity = error('NoSuchEntity', 404)
export const alreadyExists = error('EntityAlreadyExists', 409)
export const deleteConflict = error('DeleteConflict', 409)
export const limitExceeded = error('LimitExceeded', 409)
export const invalidInput = error('InvalidInput')

export const noSuchRole = (name: string): AwsError =>
  noSuchEntity(`The role with name ${name} cannot be found.`)
export const noSuchUser = (name: string): AwsError =>
  noSuchEntity(`The user with name ${name} cannot be found.`)
export const notAttachable = (arn: string): AwsError =>
  noSuchEntity(`Policy ${arn} does not exist or is not attachable.`)

export const protectedRole = (name: string): AwsError => new AwsError('UnmodifiableEntity',
  `Cannot perform the operation on the protected role '${name}' - this role is only modifiable by AWS`)

// ---------------------------------------------------------------- small helpers

export const store = (ctx: OperationContext): IamStore => ctx.emulator.iam

/** Second-precision ISO time, as IAM writes its dates. */
export const isoNow = (ctx: OperationContext): string => isoSeconds(ctx.now)

/** Policy documents travel URL-encoded in IAM's XML (RFC 3986); the CLI and boto3 decode them. */
export const encodeDocument = (text: string): string => encodeURIComponent(text)

/** Checks a policy document; warns of actions IAM does not know (AWS takes them silently). */
export async function checkedDocument (ctx: OperationContext, text: string, kind: DocumentKind) {
  const iam = store(ctx)
  const exists = (type: 'role' | 'user', name: string): boolean =>
    (type === 'role' ? iam.role(ctx.account, name) : iam.user(ctx.account, name)) !== undefined
  const checked = await checkPolicyDocument(text, kind, { account: ctx.account, exists })
  if (checked.unknownActions.length > 0) {
    ctx.log.warn({ actions: checked.unknownActions }, 'policy names actions that do not exist')
  }
  return checked.document
}

/** Size as IAM counts it against its quotas: without whitespace. */
export const policySize = (text: string): number => text.replace(/\s+/g, '').length

// ---------------------------------------------------------------- pagination

export interface Page<T> { items: T[], IsTruncated: boolean, Marker?: string }

/** `Marker` is opaque to clients: here, the offset of the next item. */
export function page<T> (items: readonly T[],
  input: { Marker?: string, MaxItems?: number }): Page<T> {
  const start = input.Marker === undefined ? 0 : offsetOf(input.Marker)
  const end = start + (input.MaxItems ?? 100)
  const truncated = end < items.length
  const Marker = truncated ? markerOf(end) : undefined
  return { items: items.slice(start, end), IsTruncated: truncated, Marker }
}

const markerOf = (offset: number): string => Buffer.from(`offset:${offset}`).toString('base64')

function offsetOf (marker: string): number {
  const m = /^offset:(\d+)$/.exec(Buffer.from(marker, 'base64').toString('utf8'))
  if (m === null) throw invalidInput('Invalid Marker.') // (unconfirmed) AWS's wording
  return Number(m[1])
}

// ---------------------------------------------------------------- tags

/** Tags of the request merged over `existing`: a key given again takes the new value, in place. */
export function mergeTags (existing: readonly Tag[], added: readonly Tag[], quota: string): Tag[] {
  const out = existing.map(t => ({ ...t }))
  for (const t of added) {
    const same = out.find(o => o.Key === t.Key)
    if (same !== undefined) same.Value = t.Value ?? ''
    else out.push({ Key: t.Key, Value: t.Value ?? '' })
  }
  // (unconfirmed) wording
  if (out.length > 50) throw limitExceeded(`Cannot exceed quota for ${quota}: 50`)
  return out
}

export const removeTags = (existing: readonly Tag[], keys: readonly string[]): Tag[] =>
  existing.filter(t => !keys.includes(t.Key))

export function checkDuplicateTagKeys (tags: readonly Tag[] | undefined): void {
  const keys = (tags ?? []).map(t => t.Key.toLowerCase())
  if (new Set(keys).size !== keys.length) {
    // (unconfirmed) wording
    throw invalidInput('Duplicate tag keys found. Please note that Tag keys are case insensitive.')
  }
}

/** `aws:RequestTag/K` for each tag and `aws:TagKeys`, as Create* and Tag* set them. */
export function requestTagContext (tags: readonly Tag[] | undefined): RequestContext {
  if (tags === undefined || tags.length === 0) return {}
  const context: RequestContext = { 'aws:TagKeys': tags.map(t => t.Key) }
  for (const t of tags) context[`aws:RequestTag/${t.Key}`] = t.Value ?? ''
  return context
}

/** The keys Create* set: the request tags, and the boundary asked for. */
export function createContext (input: { PermissionsBoundary?: string, Tags?: Tag[] }):
  RequestContext {
  const arn = input.PermissionsBoundary
  const boundary = arn === undefined ? {} : { 'iam:PermissionsBoundary': arn }
  return { ...requestTagContext(input.Tags), ...boundary }
}

/** `aws:ResourceTag/K` (and for roles and users `iam:ResourceTag/K`) of an existing entity. */
export function resourceTagContext (tags: readonly Tag[] | undefined,
  iamKeys: boolean): RequestContext {
  const context: RequestContext = {}
  for (const t of tags ?? []) {
    context[`aws:ResourceTag/${t.Key}`] = t.Value
    if (iamKeys) context[`iam:ResourceTag/${t.Key}`] = t.Value
  }
  return context
}

// ---------------------------------------------------------------- authorization on entities

// Actions whose Service Authorization Reference entry lists iam:PermissionsBoundary: the key
// then holds the boundary the role or user has now (Put* set it to the requested one).
const BOUNDARY_KEYED = new Set(['CreateRole', 'GetRole', 'UpdateRole', 'UpdateRoleDescription',
  'UpdateAssumeRolePolicy', 'DeleteRole', 'PutRolePermissionsBoundary',
  'DeleteRolePermissionsBoundary', 'PutRolePolicy', 'DeleteRolePolicy', 'AttachRolePolicy',
  'DetachRolePolicy', 'CreateUser', 'PutUserPolicy', 'DeleteUserPolicy',
  'PutUserPermissionsBoundary', 'DeleteUserPermissionsBoundary', 'AttachUserPolicy',
  'DetachUserPolicy'])

interface Entity { tags: Tag[], permissionsBoundaryArn?: string }

/** An existing role's or user's keys: its tags, and its boundary where the action takes it. */
function entityContext (action: string, entity: Entity | undefined,
  context: RequestContext): RequestContext {
  const arn = entity?.permissionsBoundaryArn
  const keyed = arn !== undefined && BOUNDARY_KEYED.has(action)
  const boundary = keyed ? { 'iam:PermissionsBoundary': arn } : {}
  return { ...resourceTagContext(entity?.tags, true), ...boundary, ...context }
}

/**
 * Authorizes `iam:ACTION` on the role's ARN (its real path when it exists, `/` otherwise),
 * with its tags as resource tags; returns the role, or undefined when there is none.
 */
export function authorizeRole (ctx: OperationContext, action: string, roleName: string,
  context: RequestContext = {}): StoredRole | undefined {
  const role = store(ctx).role(ctx.account, roleName)
  const resource = role?.arn ?? iamArn(ctx.account, 'role', '/', roleName)
  const keys = entityContext(action, role, context)
  ctx.authorize({ action: `iam:${action}`, resource, context: keys })
  return role
}

/** authorizeRole, then NoSuchEntity when the role does not exist. */
export function requireRole (ctx: OperationContext, action: string, roleName: string,
  context?: RequestContext): StoredRole {
  const role = authorizeRole(ctx, action, roleName, context)
  if (role === undefined) throw noSuchRole(roleName)
  return role
}

/** requireRole for changes: a service-linked role is only modifiable by AWS. */
export function requireCustomerRole (ctx: OperationContext, action: string, roleName: string,
  context?: RequestContext): StoredRole {
  const role = requireRole(ctx, action, roleName, context)
  if (role.serviceLinked !== undefined) throw protectedRole(role.roleName)
  return role
}

/** The user named, or the caller when no name is given (only an IAM user may omit it). */
export function authorizeUser (ctx: OperationContext, action: string, userName: string | undefined,
  context: RequestContext = {}): UserRecord | undefined {
  const name = userName ?? callerUserName(ctx)
  const user = store(ctx).user(ctx.account, name)
  const resource = user?.arn ?? iamArn(ctx.account, 'user', '/', name)
  const keys = entityContext(action, user, context)
  ctx.authorize({ action: `iam:${action}`, resource, context: keys })
  return user
}

export function requireUser (ctx: OperationContext, action: string, userName: string | undefined,
  context?: RequestContext): UserRecord {
  const user = authorizeUser(ctx, action, userName, context)
  if (user === undefined) throw noSuchUser(userName ?? callerUserName(ctx))
  return user
}

function callerUserName (ctx: OperationContext): string {
  const { type, userName } = ctx.principal
  if (type === 'user' && userName !== undefined) return userName
  throw new AwsError('ValidationError', 'Must specify userName when calling with non-User credentials')
}

/** Authorizes on the ARN a new entity will have (Create* operations). */
export function authorizeCreate (ctx: OperationContext, action: string, type: EntityType,
  path: string, name: string, context: RequestContext = {}): string {
  const arn = iamArn(ctx.account, type, path, name)
  ctx.authorize({ action: `iam:${action}`, resource: arn, context })
  return arn
}

// ---------------------------------------------------------------- wire forms

export const wireBoundary = (arn: string | undefined) => arn === undefined
  ? undefined
  : { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: arn }

const tagsOrNone = (tags: readonly Tag[]): Tag[] | undefined =>
  tags.length > 0 ? [...tags] : undefined

/**
 * A Role as GetRole shows it, `RoleLastUsed` from `lastUsed` (empty for a role never used);
 * `listed` drops what ListRoles leaves out.
 */
export function wireRole (r: StoredRole, form: 'get' | 'listed' | 'created' = 'get', lastUsed?: RoleLastUsed) {
  const full = form !== 'listed'
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: r.createDate,
    AssumeRolePolicyDocument: encodeDocument(r.assumeRolePolicyText),
    Description: r.description,
    MaxSessionDuration: r.maxSessionDuration,
    PermissionsBoundary: full ? wireBoundary(r.permissionsBoundaryArn) : undefined,
    Tags: full ? tagsOrNone(r.tags) : undefined,
    RoleLastUsed: form === 'get' ? lastUsed ?? {} : undefined
  }
}

/** A User as GetUser shows it; `listed` drops tags and boundary, as ListUsers does. */
export function wireUser (u: UserRecord, listed = false) {
  return {
    Path: u.path,
    UserName: u.userName,
    UserId: u.userId,
    Arn: u.arn,
    CreateDate: u.createDate,
    PermissionsBoundary: listed ? undefined : wireBoundary(u.permissionsBoundaryArn),
    Tags: listed ? undefined : tagsOrNone(u.tags)
  }
}
