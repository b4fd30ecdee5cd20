/**
 * GetAccountAuthorizationDetails: everything IAM knows about the account's users, roles and
 * policies in one answer, documents URL-encoded.
 */
import { operation, type Operation, type OperationContext } from '../registry.js'
import { awsManagedPolicy, isAwsManagedArn } from '../../src/iam/managed.js'
import type { OwnerKind } from '../../store/iam.js'
import { encodeDocument, store, wireBoundary } from './common.js'
import { attachedList } from './attach.js'
import { inProfile } from './roles.js'
import { wireAwsPolicy, wireCustomerPolicy } from './policy-lookup.js'

type Filter = 'User' | 'Role' | 'Group' | 'LocalManagedPolicy' | 'AWSManagedPolicy'

const GetAccountAuthorizationDetails = operation({
  notes: 'Answers everything in one page (`IsTruncated` false); groups are not emulated.',
  handle (input: { Filter?: Filter[] }, ctx) {
    const filter = input.Filter ?? []
    const want = (f: Filter): boolean => filter.length === 0 || filter.includes(f)
    return {
      UserDetailList: want('User') ? userDetails(ctx) : [],
      RoleDetailList: want('Role') ? roleDetails(ctx) : [],
      GroupDetailList: [],
      Policies: [
        ...(want('LocalManagedPolicy') ? localPolicies(ctx) : []),
        ...(want('AWSManagedPolicy') ? awsPolicies(ctx) : [])
      ],
      IsTruncated: false
    }
  }
})

function inlineList (ctx: OperationContext, kind: OwnerKind, owner: string) {
  return store(ctx).inlinePolicies(ctx.account, kind, owner)
    .map(p => ({ PolicyName: p.policyName, PolicyDocument: encodeDocument(p.document) }))
}

function userDetails (ctx: OperationContext) {
  return store(ctx).users(ctx.account).map(u => ({
    Path: u.path,
    UserName: u.userName,
    UserId: u.userId,
    Arn: u.arn,
    CreateDate: u.createDate,
    UserPolicyList: inlineList(ctx, 'user', u.userName),
    GroupList: [],
    AttachedManagedPolicies: attachedList(ctx, 'user', u.userName),
    PermissionsBoundary: wireBoundary(u.permissionsBoundaryArn),
    Tags: u.tags
  }))
}

function roleDetails (ctx: OperationContext) {
  const iam = store(ctx)
  const profiles = iam.instanceProfiles(ctx.account)
  return iam.roles(ctx.account).map(r => ({
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: r.createDate,
    AssumeRolePolicyDocument: encodeDocument(r.assumeRolePolicyText),
    InstanceProfileList: profiles.filter(p => inProfile(p.roles, r.roleName)).map(p => ({
      Path: p.path, InstanceProfileName: p.instanceProfileName,
      InstanceProfileId: p.instanceProfileId, Arn: p.arn, CreateDate: p.createDate, Roles: []
    })),
    RolePolicyList: inlineList(ctx, 'role', r.roleName),
    AttachedManagedPolicies: attachedList(ctx, 'role', r.roleName),
    PermissionsBoundary: wireBoundary(r.permissionsBoundaryArn),
    Tags: r.tags,
    RoleLastUsed: ctx.emulator.roleUsage.lastUsed(r.roleId) ?? {}
  }))
}

function localPolicies (ctx: OperationContext) {
  return store(ctx).policies(ctx.account).map(p => ({
    ...wireCustomerPolicy(ctx, p),
    Tags: undefined, // ManagedPolicyDetail has no Tags member
    PolicyVersionList: p.versions.map(v => ({
      Document: encodeDocument(v.document), VersionId: v.versionId,
      IsDefaultVersion: v.versionId === p.defaultVersionId, CreateDate: v.createDate
    }))
  }))
}

/** AWS managed policies in use in the account (AWS lists only the attached ones). */
function awsPolicies (ctx: OperationContext) {
  const arns = [...store(ctx).attachedPolicyArns(ctx.account)].filter(isAwsManagedArn)
  return arns.flatMap(arn => {
    const p = awsManagedPolicy(arn)
    if (p === undefined) return []
    return [{
      ...wireAwsPolicy(ctx, p),
      PolicyVersionList: [{
        Document: encodeDocument(JSON.stringify(p.document)), VersionId: p.defaultVersionId,
        IsDefaultVersion: true, CreateDate: p.updateDate
      }]
    }]
  })
}

export const accountOperations: Record<string, Operation> = { GetAccountAuthorizationDetails }
