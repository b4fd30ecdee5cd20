/**
 * IAM users: the users themselves, their tags, access keys, inline policies, attached managed
 * policies and permissions boundaries.
 */
import { operation, type Operation, type OperationContext } from '../registry.js'
import type { AccessKeyRecord, Tag, UserRecord } from '../../src/iam/directory.js'
import * as ids from '../../src/iam/ids.js'
import { iamArn } from '../../src/iam/entities.js'
import {
  alreadyExists, authorizeCreate, checkDuplicateTagKeys, createContext, deleteConflict, isoNow,
  limitExceeded, mergeTags, noSuchEntity, page, removeTags, requestTagContext, requireUser, store,
  wireUser
} from './common.js'
import { attachPolicy, attachedList, boundaryPolicy, detachPolicy } from './attach.js'
import {
  deleteInlinePolicy, getInlinePolicy, listInlinePolicies, putInlinePolicy
} from './inline.js'

interface Paged { Marker?: string, MaxItems?: number }

interface CreateUserRequest {
  UserName: string
  Path?: string
  PermissionsBoundary?: string
  Tags?: Tag[]
}

const CreateUser = operation({
  authorize: 'handler',
  async handle (input: CreateUserRequest, ctx) {
    const path = input.Path ?? '/'
    const context = createContext(input)
    const arn = authorizeCreate(ctx, 'CreateUser', 'user', path, input.UserName, context)
    checkDuplicateTagKeys(input.Tags)
    const iam = store(ctx)
    if (iam.user(ctx.account, input.UserName) !== undefined) {
      throw alreadyExists(`User with name ${input.UserName} already exists.`)
    }
    if (input.PermissionsBoundary !== undefined) boundaryPolicy(ctx, input.PermissionsBoundary)

    const user: UserRecord = {
      account: ctx.account, userName: input.UserName, userId: ids.uniqueId('AIDA'), arn, path,
      createDate: isoNow(ctx), tags: mergeTags([], input.Tags ?? [], 'TagsPerUser'),
      permissionsBoundaryArn: input.PermissionsBoundary
    }
    iam.putUser(user)
    return { User: wireUser(user) }
  }
})

const GetUser = operation({
  authorize: 'handler',
  notes: 'Without `UserName` a root caller gets the root user as AWS shows it (no `UserName`, ' +
    'no `Path`); `PasswordLastUsed` is never set.',
  handle (input: { UserName?: string }, ctx) {
    if (input.UserName === undefined && ctx.principal.type === 'root') {
      ctx.authorize({ action: 'iam:GetUser', resource: ctx.principal.arn })
      // AWS answers the root user without the UserName and Path its own model marks required.
      return { User: { UserId: ctx.account, Arn: ctx.principal.arn, CreateDate: ROOT_CREATED } }
    }
    return { User: wireUser(requireUser(ctx, 'GetUser', input.UserName)) }
  }
})

// (unconfirmed) what to show: the emulated account has no creation date
const ROOT_CREATED = '2020-01-01T00:00:00Z'

const ListUsers = operation({
  handle (input: Paged & { PathPrefix?: string }, ctx) {
    const prefix = input.PathPrefix ?? '/'
    const users = store(ctx).users(ctx.account).filter(u => u.path.startsWith(prefix))
    const { items, ...rest } = page(users, input)
    return { Users: items.map(u => wireUser(u, true)), ...rest }
  }
})

const UpdateUser = operation({
  authorize: 'handler',
  handle (input: { UserName: string, NewUserName?: string, NewPath?: string }, ctx) {
    const user = requireUser(ctx, 'UpdateUser', input.UserName)
    const iam = store(ctx)
    const userName = input.NewUserName ?? user.userName
    const path = input.NewPath ?? user.path
    const renamed = userName.toLowerCase() !== user.userName.toLowerCase()
    if (renamed && iam.user(ctx.account, userName) !== undefined) {
      throw alreadyExists(`User with name ${userName} already exists.`)
    }
    const updated = { ...user, userName, path, arn: iamArn(ctx.account, 'user', path, userName) }
    iam.renameUser(user.userName, updated)
    return {}
  }
})

const DeleteUser = operation({
  authorize: 'handler',
  notes: 'Login profiles, MFA devices, signing certificates, SSH keys and groups are not ' +
    'emulated, so they never block a deletion.',
  handle (input: { UserName: string }, ctx) {
    const user = requireUser(ctx, 'DeleteUser', input.UserName)
    const iam = store(ctx)
    if (iam.accessKeys(ctx.account, user.userName).length > 0) {
      throw deleteConflict('Cannot delete entity, must delete access keys first.')
    }
    if (iam.inlinePolicies(ctx.account, 'user', user.userName).length > 0) {
      throw deleteConflict('Cannot delete entity, must delete policies first.')
    }
    if (iam.attachedPolicies(ctx.account, 'user', user.userName).length > 0) {
      throw deleteConflict('Cannot delete entity, must detach all policies first.')
    }
    iam.deleteUser(ctx.account, user.userName)
    return {}
  }
})

// ---------------------------------------------------------------- tags

const TagUser = operation({
  authorize: 'handler',
  handle (input: { UserName: string, Tags: Tag[] }, ctx) {
    const user = requireUser(ctx, 'TagUser', input.UserName, requestTagContext(input.Tags))
    checkDuplicateTagKeys(input.Tags)
    store(ctx).putUser({ ...user, tags: mergeTags(user.tags, input.Tags, 'TagsPerUser') })
    return {}
  }
})

const UntagUser = operation({
  authorize: 'handler',
  handle (input: { UserName: string, TagKeys: string[] }, ctx) {
    const user = requireUser(ctx, 'UntagUser', input.UserName, { 'aws:TagKeys': input.TagKeys })
    store(ctx).putUser({ ...user, tags: removeTags(user.tags, input.TagKeys) })
    return {}
  }
})

const ListUserTags = operation({
  authorize: 'handler',
  handle (input: Paged & { UserName: string }, ctx) {
    const user = requireUser(ctx, 'ListUserTags', input.UserName)
    const { items, ...rest } = page(user.tags, input)
    return { Tags: items, ...rest }
  }
})

// ---------------------------------------------------------------- access keys

const wireKey = (k: AccessKeyRecord) =>
  ({ UserName: k.userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: k.createDate })

const CreateAccessKey = operation({
  authorize: 'handler',
  notes: 'Root access keys cannot be created: without `UserName` the caller must be an IAM user.',
  handle (input: { UserName?: string }, ctx) {
    const user = requireUser(ctx, 'CreateAccessKey', input.UserName)
    const iam = store(ctx)
    if (iam.accessKeys(ctx.account, user.userName).length >= 2) {
      throw limitExceeded('Cannot exceed quota for AccessKeysPerUser: 2')
    }
    const key: AccessKeyRecord = {
      accessKeyId: ids.accessKeyId(false), secretAccessKey: ids.secretAccessKey(),
      account: ctx.account, userName: user.userName, status: 'Active', createDate: isoNow(ctx)
    }
    iam.putAccessKey(key)
    return { AccessKey: { ...wireKey(key), SecretAccessKey: key.secretAccessKey } }
  }
})

const ListAccessKeys = operation({
  authorize: 'handler',
  handle (input: Paged & { UserName?: string }, ctx) {
    const user = requireUser(ctx, 'ListAccessKeys', input.UserName)
    const { items, ...rest } = page(store(ctx).accessKeys(ctx.account, user.userName), input)
    return { AccessKeyMetadata: items.map(wireKey), ...rest }
  }
})

function requireKey (ctx: OperationContext, user: UserRecord,
  accessKeyId: string): AccessKeyRecord {
  const key = store(ctx).accessKey(accessKeyId)
  const owner = key?.userName.toLowerCase()
  const mine = key?.account === ctx.account && owner === user.userName.toLowerCase()
  if (key === undefined || !mine) {
    throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`)
  }
  return key
}

const UpdateAccessKey = operation({
  authorize: 'handler',
  handle (input: { UserName?: string, AccessKeyId: string, Status: 'Active' | 'Inactive' }, ctx) {
    const user = requireUser(ctx, 'UpdateAccessKey', input.UserName)
    const key = requireKey(ctx, user, input.AccessKeyId)
    store(ctx).putAccessKey({ ...key, status: input.Status })
    return {}
  }
})

const DeleteAccessKey = operation({
  authorize: 'handler',
  handle (input: { UserName?: string, AccessKeyId: string }, ctx) {
    const user = requireUser(ctx, 'DeleteAccessKey', input.UserName)
    requireKey(ctx, user, input.AccessKeyId)
    store(ctx).deleteAccessKey(input.AccessKeyId)
    return {}
  }
})

// ---------------------------------------------------------------- inline policies

interface UserPolicyRef { UserName: string, PolicyName: string }

const PutUserPolicy = operation({
  authorize: 'handler',
  async handle (input: UserPolicyRef & { PolicyDocument: string }, ctx) {
    const user = requireUser(ctx, 'PutUserPolicy', input.UserName)
    await putInlinePolicy(ctx, 'user', user.userName, input)
    return {}
  }
})

const GetUserPolicy = operation({
  authorize: 'handler',
  handle (input: UserPolicyRef, ctx) {
    const user = requireUser(ctx, 'GetUserPolicy', input.UserName)
    const policy = getInlinePolicy(ctx, 'user', user.userName, input.PolicyName)
    return { UserName: user.userName, ...policy }
  }
})

const ListUserPolicies = operation({
  authorize: 'handler',
  handle (input: Paged & { UserName: string }, ctx) {
    const user = requireUser(ctx, 'ListUserPolicies', input.UserName)
    return listInlinePolicies(ctx, 'user', user.userName, input)
  }
})

const DeleteUserPolicy = operation({
  authorize: 'handler',
  handle (input: UserPolicyRef, ctx) {
    const user = requireUser(ctx, 'DeleteUserPolicy', input.UserName)
    deleteInlinePolicy(ctx, 'user', user.userName, input.PolicyName)
    return {}
  }
})

// ---------------------------------------------------------------- managed policies and boundary

const AttachUserPolicy = operation({
  authorize: 'handler',
  handle (input: { UserName: string, PolicyArn: string }, ctx) {
    const context = { 'iam:PolicyARN': input.PolicyArn }
    const user = requireUser(ctx, 'AttachUserPolicy', input.UserName, context)
    attachPolicy(ctx, 'user', user.userName, input.PolicyArn)
    return {}
  }
})

const DetachUserPolicy = operation({
  authorize: 'handler',
  handle (input: { UserName: string, PolicyArn: string }, ctx) {
    const context = { 'iam:PolicyARN': input.PolicyArn }
    const user = requireUser(ctx, 'DetachUserPolicy', input.UserName, context)
    detachPolicy(ctx, 'user', user.userName, input.PolicyArn)
    return {}
  }
})

const ListAttachedUserPolicies = operation({
  authorize: 'handler',
  handle (input: Paged & { UserName: string, PathPrefix?: string }, ctx) {
    const user = requireUser(ctx, 'ListAttachedUserPolicies', input.UserName)
    const attached = attachedList(ctx, 'user', user.userName, input.PathPrefix)
    const { items, ...rest } = page(attached, input)
    return { AttachedPolicies: items, ...rest }
  }
})

const PutUserPermissionsBoundary = operation({
  authorize: 'handler',
  handle (input: { UserName: string, PermissionsBoundary: string }, ctx) {
    const user = requireUser(ctx, 'PutUserPermissionsBoundary', input.UserName,
      { 'iam:PermissionsBoundary': input.PermissionsBoundary })
    boundaryPolicy(ctx, input.PermissionsBoundary)
    store(ctx).putUser({ ...user, permissionsBoundaryArn: input.PermissionsBoundary })
    return {}
  }
})

const DeleteUserPermissionsBoundary = operation({
  authorize: 'handler',
  handle (input: { UserName: string }, ctx) {
    const user = requireUser(ctx, 'DeleteUserPermissionsBoundary', input.UserName)
    store(ctx).putUser({ ...user, permissionsBoundaryArn: undefined })
    return {}
  }
})

export const userOperations: Record<string, Operation> = {
  CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, TagUser, UntagUser, ListUserTags,
  CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
  PutUserPolicy, GetUserPolicy, ListUserPolicies, DeleteUserPolicy,
  AttachUserPolicy, DetachUserPolicy, ListAttachedUserPolicies,
  PutUserPermissionsBoundary, DeleteUserPermissionsBoundary
}
