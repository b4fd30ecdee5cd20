/**
 * IAM roles: the roles, their trust policies, tags, inline policies, attached managed
 * policies, permissions boundaries, and the service-linked roles AWS services own.
 */
import { operation, type Operation, type OperationContext } from '../registry.js'
import type { Tag } from '../../src/iam/directory.js'
import * as ids from '../../src/iam/ids.js'
import type { StoredRole } from '../../store/iam.js'
import {
  alreadyExists, authorizeCreate, checkDuplicateTagKeys, checkedDocument, createContext,
  deleteConflict, isoNow, limitExceeded, mergeTags, page, policySize, protectedRole, removeTags,
  requestTagContext, requireCustomerRole, requireRole, store, wireRole
} from './common.js'
import { attachPolicy, attachedList, boundaryPolicy, detachPolicy } from './attach.js'
import {
  deleteInlinePolicy, getInlinePolicy, listInlinePolicies, putInlinePolicy
} from './inline.js'
import { serviceLinkedRoleOperations } from './service-linked-roles.js'

interface Paged { Marker?: string, MaxItems?: number }

export interface CreateRoleRequest {
  RoleName: string
  AssumeRolePolicyDocument: string
  Path?: string
  Description?: string
  MaxSessionDuration?: number
  PermissionsBoundary?: string
  Tags?: Tag[]
}

const TRUST_POLICY_QUOTA = 2048

async function trustPolicy (ctx: OperationContext, text: string) {
  if (policySize(text) > TRUST_POLICY_QUOTA) {
    throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_QUOTA}`)
  }
  return checkedDocument(ctx, text, 'trust')
}

const CreateRole = operation({
  authorize: 'handler',
  notes: 'Tagging on create is authorized as `iam:CreateRole` with the request tags; ' +
    '`iam:TagRole` is not checked as well.',
  async handle (input: CreateRoleRequest, ctx) {
    const path = input.Path ?? '/'
    const context = createContext(input)
    const arn = authorizeCreate(ctx, 'CreateRole', 'role', path, input.RoleName, context)
    checkDuplicateTagKeys(input.Tags)
    const iam = store(ctx)
    if (iam.role(ctx.account, input.RoleName) !== undefined) {
      throw alreadyExists(`Role with name ${input.RoleName} already exists.`)
    }
    const document = await trustPolicy(ctx, input.AssumeRolePolicyDocument)
    if (input.PermissionsBoundary !== undefined) boundaryPolicy(ctx, input.PermissionsBoundary)

    const role: StoredRole = {
      account: ctx.account, roleName: input.RoleName, roleId: ids.uniqueId('AROA'), arn, path,
      createDate: isoNow(ctx), assumeRolePolicyDocument: document,
      assumeRolePolicyText: input.AssumeRolePolicyDocument,
      maxSessionDuration: input.MaxSessionDuration ?? 3600, description: input.Description,
      tags: mergeTags([], input.Tags ?? [], 'TagsPerRole'),
      permissionsBoundaryArn: input.PermissionsBoundary
    }
    iam.putRole(role)
    return { Role: wireRole(role, 'created') }
  }
})

const GetRole = operation({
  authorize: 'handler',
  notes: '`RoleLastUsed` is the last request one of the role\'s sessions made, written at most once a minute (AWS: hours late).',
  handle (input: { RoleName: string }, ctx) {
    const role = requireRole(ctx, 'GetRole', input.RoleName)
    return { Role: wireRole(role, 'get', ctx.emulator.roleUsage.lastUsed(role.roleId)) }
  }
})

const ListRoles = operation({
  handle (input: Paged & { PathPrefix?: string }, ctx) {
    const prefix = input.PathPrefix ?? '/'
    const roles = store(ctx).roles(ctx.account).filter(r => r.path.startsWith(prefix))
    const { items, ...rest } = page(roles, input)
    return { Roles: items.map(r => wireRole(r, 'listed')), ...rest }
  }
})

const UpdateRole = operation({
  authorize: 'handler',
  handle (input: { RoleName: string, Description?: string, MaxSessionDuration?: number }, ctx) {
    const role = requireRole(ctx, 'UpdateRole', input.RoleName)
    if (role.serviceLinked !== undefined && input.MaxSessionDuration !== undefined) {
      throw protectedRole(role.roleName)
    }
    store(ctx).putRole({
      ...role,
      description: input.Description ?? role.description,
      maxSessionDuration: input.MaxSessionDuration ?? role.maxSessionDuration
    })
    return {}
  }
})

const UpdateRoleDescription = operation({
  authorize: 'handler',
  handle (input: { RoleName: string, Description: string }, ctx) {
    const role = requireRole(ctx, 'UpdateRoleDescription', input.RoleName)
    const updated = { ...role, description: input.Description }
    store(ctx).putRole(updated)
    return { Role: wireRole(updated) }
  }
})

const UpdateAssumeRolePolicy = operation({
  authorize: 'handler',
  async handle (input: { RoleName: string, PolicyDocument: string }, ctx) {
    const role = requireCustomerRole(ctx, 'UpdateAssumeRolePolicy', input.RoleName)
    const document = await trustPolicy(ctx, input.PolicyDocument)
    const text = input.PolicyDocument
    store(ctx).putRole({ ...role, assumeRolePolicyDocument: document, assumeRolePolicyText: text })
    return {}
  }
})

const DeleteRole = operation({
  authorize: 'handler',
  handle (input: { RoleName: string }, ctx) {
    const role = requireCustomerRole(ctx, 'DeleteRole', input.RoleName)
    const iam = store(ctx)
    // (unconfirmed) the order AWS checks these in when several apply
    if (iam.instanceProfiles(ctx.account).some(p => inProfile(p.roles, role.roleName))) {
      throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.')
    }
    if (iam.inlinePolicies(ctx.account, 'role', role.roleName).length > 0) {
      throw deleteConflict('Cannot delete entity, must delete policies first.')
    }
    if (iam.attachedPolicies(ctx.account, 'role', role.roleName).length > 0) {
      throw deleteConflict('Cannot delete entity, must detach all policies first.')
    }
    iam.deleteRole(ctx.account, role.roleName)
    return {}
  }
})

export const inProfile = (roles: string[], roleName: string): boolean =>
  roles.some(r => r.toLowerCase() === roleName.toLowerCase())

// ---------------------------------------------------------------- tags

const TagRole = operation({
  authorize: 'handler',
  handle (input: { RoleName: string, Tags: Tag[] }, ctx) {
    const role = requireRole(ctx, 'TagRole', input.RoleName, requestTagContext(input.Tags))
    checkDuplicateTagKeys(input.Tags)
    store(ctx).putRole({ ...role, tags: mergeTags(role.tags, input.Tags, 'TagsPerRole') })
    return {}
  }
})

const UntagRole = operation({
  authorize: 'handler',
  handle (input: { RoleName: string, TagKeys: string[] }, ctx) {
    const role = requireRole(ctx, 'UntagRole', input.RoleName, { 'aws:TagKeys': input.TagKeys })
    store(ctx).putRole({ ...role, tags: removeTags(role.tags, input.TagKeys) })
    return {}
  }
})

const ListRoleTags = operation({
  authorize: 'handler',
  handle (input: Paged & { RoleName: string }, ctx) {
    const role = requireRole(ctx, 'ListRoleTags', input.RoleName)
    const { items, ...rest } = page(role.tags, input)
    return { Tags: items, ...rest }
  }
})

// ---------------------------------------------------------------- permissions boundary

const PutRolePermissionsBoundary = operation({
  authorize: 'handler',
  handle (input: { RoleName: string, PermissionsBoundary: string }, ctx) {
    const role = requireCustomerRole(ctx, 'PutRolePermissionsBoundary', input.RoleName,
      { 'iam:PermissionsBoundary': input.PermissionsBoundary })
    boundaryPolicy(ctx, input.PermissionsBoundary)
    store(ctx).putRole({ ...role, permissionsBoundaryArn: input.PermissionsBoundary })
    return {}
  }
})

const DeleteRolePermissionsBoundary = operation({
  authorize: 'handler',
  handle (input: { RoleName: string }, ctx) {
    const role = requireCustomerRole(ctx, 'DeleteRolePermissionsBoundary', input.RoleName)
    store(ctx).putRole({ ...role, permissionsBoundaryArn: undefined })
    return {}
  }
})

// ---------------------------------------------------------------- inline policies

interface RolePolicyRef { RoleName: string, PolicyName: string }

const PutRolePolicy = operation({
  authorize: 'handler',
  async handle (input: RolePolicyRef & { PolicyDocument: string }, ctx) {
    const role = requireCustomerRole(ctx, 'PutRolePolicy', input.RoleName)
    await putInlinePolicy(ctx, 'role', role.roleName, input)
    return {}
  }
})

const GetRolePolicy = operation({
  authorize: 'handler',
  handle (input: RolePolicyRef, ctx) {
    const role = requireRole(ctx, 'GetRolePolicy', input.RoleName)
    const policy = getInlinePolicy(ctx, 'role', role.roleName, input.PolicyName)
    return { RoleName: role.roleName, ...policy }
  }
})

const ListRolePolicies = operation({
  authorize: 'handler',
  handle (input: Paged & { RoleName: string }, ctx) {
    const role = requireRole(ctx, 'ListRolePolicies', input.RoleName)
    return listInlinePolicies(ctx, 'role', role.roleName, input)
  }
})

const DeleteRolePolicy = operation({
  authorize: 'handler',
  handle (input: RolePolicyRef, ctx) {
    const role = requireCustomerRole(ctx, 'DeleteRolePolicy', input.RoleName)
    deleteInlinePolicy(ctx, 'role', role.roleName, input.PolicyName)
    return {}
  }
})

// ---------------------------------------------------------------- managed policies

const AttachRolePolicy = operation({
  authorize: 'handler',
  handle (input: { RoleName: string, PolicyArn: string }, ctx) {
    const context = { 'iam:PolicyARN': input.PolicyArn }
    const role = requireRole(ctx, 'AttachRolePolicy', input.RoleName, context)
    attachPolicy(ctx, 'role', role.roleName, input.PolicyArn, role)
    return {}
  }
})

const DetachRolePolicy = operation({
  authorize: 'handler',
  handle (input: { RoleName: string, PolicyArn: string }, ctx) {
    const context = { 'iam:PolicyARN': input.PolicyArn }
    const role = requireRole(ctx, 'DetachRolePolicy', input.RoleName, context)
    detachPolicy(ctx, 'role', role.roleName, input.PolicyArn, role)
    return {}
  }
})

const ListAttachedRolePolicies = operation({
  authorize: 'handler',
  handle (input: Paged & { RoleName: string, PathPrefix?: string }, ctx) {
    const role = requireRole(ctx, 'ListAttachedRolePolicies', input.RoleName)
    const attached = attachedList(ctx, 'role', role.roleName, input.PathPrefix)
    const { items, ...rest } = page(attached, input)
    return { AttachedPolicies: items, ...rest }
  }
})

export const roleOperations: Record<string, Operation> = {
  CreateRole, GetRole, ListRoles, UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy,
  DeleteRole, TagRole, UntagRole, ListRoleTags, PutRolePermissionsBoundary,
  DeleteRolePermissionsBoundary, PutRolePolicy, GetRolePolicy, ListRolePolicies, DeleteRolePolicy,
  AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies,
  ...serviceLinkedRoleOperations
}
