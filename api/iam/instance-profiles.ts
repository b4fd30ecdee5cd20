/**
 * Instance profiles: the container EC2 hands a role to an instance in (one role at most).
 */
import { operation, type Operation, type OperationContext } from '../registry.js'
import type { Tag } from '../../src/iam/directory.js'
import type { RequestContext } from '../../src/iam/policy.js'
import * as ids from '../../src/iam/ids.js'
import { iamArn } from '../../src/iam/entities.js'
import type { InstanceProfileRecord } from '../../store/iam.js'
import {
  alreadyExists, authorizeCreate, checkDuplicateTagKeys, deleteConflict, isoNow, limitExceeded,
  mergeTags, noSuchEntity, noSuchRole, page, removeTags, requestTagContext, requireRole,
  resourceTagContext, store, wireRole
} from './common.js'
import { inProfile } from './roles.js'

interface Paged { Marker?: string, MaxItems?: number }
interface ProfileRef { InstanceProfileName: string }

const QUOTA = 'TagsPerInstanceProfile'

const noSuchProfile = (name: string) => noSuchEntity(`Instance Profile ${name} cannot be found.`)

/** Authorizes on the profile's ARN (with its tags); the profile, or undefined. */
function authorizeProfile (ctx: OperationContext, action: string, name: string,
  context: RequestContext = {}): InstanceProfileRecord | undefined {
  const profile = store(ctx).instanceProfile(ctx.account, name)
  const resource = profile?.arn ?? iamArn(ctx.account, 'instance-profile', '/', name)
  const keys = { ...resourceTagContext(profile?.tags, false), ...context }
  ctx.authorize({ action: `iam:${action}`, resource, context: keys })
  return profile
}

function requireProfile (ctx: OperationContext, action: string, name: string,
  context?: RequestContext): InstanceProfileRecord {
  const profile = authorizeProfile(ctx, action, name, context)
  if (profile === undefined) throw noSuchProfile(name)
  return profile
}

/** An InstanceProfile, its roles shown as AWS lists them there (no description or duration). */
function wireProfile (ctx: OperationContext, p: InstanceProfileRecord, withTags = true) {
  const iam = store(ctx)
  const roles = p.roles.flatMap(name => {
    const r = iam.role(ctx.account, name)
    if (r === undefined) return []
    return [{ ...wireRole(r, 'listed'), Description: undefined, MaxSessionDuration: undefined }]
  })
  return {
    Path: p.path,
    InstanceProfileName: p.instanceProfileName,
    InstanceProfileId: p.instanceProfileId,
    Arn: p.arn,
    CreateDate: p.createDate,
    Roles: roles,
    Tags: withTags && p.tags.length > 0 ? p.tags : undefined
  }
}

const CreateInstanceProfile = operation({
  authorize: 'handler',
  handle (input: ProfileRef & { Path?: string, Tags?: Tag[] }, ctx) {
    const path = input.Path ?? '/'
    const name = input.InstanceProfileName
    const arn = authorizeCreate(ctx, 'CreateInstanceProfile', 'instance-profile', path, name,
      requestTagContext(input.Tags))
    checkDuplicateTagKeys(input.Tags)
    const iam = store(ctx)
    if (iam.instanceProfile(ctx.account, name) !== undefined) {
      throw alreadyExists(`Instance Profile ${name} already exists.`)
    }

    const profile: InstanceProfileRecord = {
      account: ctx.account, instanceProfileName: name, instanceProfileId: ids.uniqueId('AIPA'),
      arn, path, createDate: isoNow(ctx), tags: mergeTags([], input.Tags ?? [], QUOTA), roles: []
    }
    iam.putInstanceProfile(profile)
    return { InstanceProfile: wireProfile(ctx, profile) }
  }
})

const GetInstanceProfile = operation({
  authorize: 'handler',
  handle (input: ProfileRef, ctx) {
    const profile = requireProfile(ctx, 'GetInstanceProfile', input.InstanceProfileName)
    return { InstanceProfile: wireProfile(ctx, profile) }
  }
})

const ListInstanceProfiles = operation({
  handle (input: Paged & { PathPrefix?: string }, ctx) {
    const prefix = input.PathPrefix ?? '/'
    const profiles = store(ctx).instanceProfiles(ctx.account).filter(p => p.path.startsWith(prefix))
    const { items, ...rest } = page(profiles, input)
    return { InstanceProfiles: items.map(p => wireProfile(ctx, p, false)), ...rest }
  }
})

const ListInstanceProfilesForRole = operation({
  authorize: 'handler',
  handle (input: Paged & { RoleName: string }, ctx) {
    const role = requireRole(ctx, 'ListInstanceProfilesForRole', input.RoleName)
    const profiles = store(ctx).instanceProfiles(ctx.account)
      .filter(p => inProfile(p.roles, role.roleName))
    const { items, ...rest } = page(profiles, input)
    return { InstanceProfiles: items.map(p => wireProfile(ctx, p, false)), ...rest }
  }
})

const DeleteInstanceProfile = operation({
  authorize: 'handler',
  handle (input: ProfileRef, ctx) {
    const profile = requireProfile(ctx, 'DeleteInstanceProfile', input.InstanceProfileName)
    if (profile.roles.length > 0) {
      throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.')
    }
    store(ctx).deleteInstanceProfile(ctx.account, profile.instanceProfileName)
    return {}
  }
})

const AddRoleToInstanceProfile = operation({
  authorize: 'handler',
  notes: 'Also authorizes `iam:PassRole` on the role, as AWS requires (without ' +
    '`iam:PassedToService`).',
  handle (input: ProfileRef & { RoleName: string }, ctx) {
    const profile = authorizeProfile(ctx, 'AddRoleToInstanceProfile', input.InstanceProfileName)
    const role = store(ctx).role(ctx.account, input.RoleName)
    const roleArn = role?.arn ?? iamArn(ctx.account, 'role', '/', input.RoleName)
    ctx.authorize({ action: 'iam:PassRole', resource: roleArn })
    if (profile === undefined) throw noSuchProfile(input.InstanceProfileName)
    if (role === undefined) throw noSuchRole(input.RoleName)
    if (profile.roles.length >= 1) {
      throw limitExceeded('Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1')
    }

    store(ctx).putInstanceProfile({ ...profile, roles: [role.roleName] })
    return {}
  }
})

const RemoveRoleFromInstanceProfile = operation({
  authorize: 'handler',
  handle (input: ProfileRef & { RoleName: string }, ctx) {
    const name = input.InstanceProfileName
    const profile = requireProfile(ctx, 'RemoveRoleFromInstanceProfile', name)
    // (unconfirmed) wording for a role that exists but is not in the profile
    if (!inProfile(profile.roles, input.RoleName)) throw noSuchRole(input.RoleName)
    const roles = profile.roles.filter(r => r.toLowerCase() !== input.RoleName.toLowerCase())
    store(ctx).putInstanceProfile({ ...profile, roles })
    return {}
  }
})

const TagInstanceProfile = operation({
  authorize: 'handler',
  handle (input: ProfileRef & { Tags: Tag[] }, ctx) {
    const context = requestTagContext(input.Tags)
    const profile = requireProfile(ctx, 'TagInstanceProfile', input.InstanceProfileName, context)
    checkDuplicateTagKeys(input.Tags)
    store(ctx).putInstanceProfile({ ...profile, tags: mergeTags(profile.tags, input.Tags, QUOTA) })
    return {}
  }
})

const UntagInstanceProfile = operation({
  authorize: 'handler',
  handle (input: ProfileRef & { TagKeys: string[] }, ctx) {
    const context = { 'aws:TagKeys': input.TagKeys }
    const profile = requireProfile(ctx, 'UntagInstanceProfile', input.InstanceProfileName, context)
    store(ctx).putInstanceProfile({ ...profile, tags: removeTags(profile.tags, input.TagKeys) })
    return {}
  }
})

const ListInstanceProfileTags = operation({
  authorize: 'handler',
  handle (input: Paged & ProfileRef, ctx) {
    const profile = requireProfile(ctx, 'ListInstanceProfileTags', input.InstanceProfileName)
    const { items, ...rest } = page(profile.tags, input)
    return { Tags: items, ...rest }
  }
})

export const instanceProfileOperations: Record<string, Operation> = {
  CreateInstanceProfile, GetInstanceProfile, ListInstanceProfiles, ListInstanceProfilesForRole,
  DeleteInstanceProfile, AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile,
  TagInstanceProfile, UntagInstanceProfile, ListInstanceProfileTags
}
