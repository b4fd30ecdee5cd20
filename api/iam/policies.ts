/**
 * Managed policies: customer managed ones (created, tagged, deleted here; versions in
 * policy-versions.ts), AWS managed ones read from the package, and who uses them.
 */
import { operation, type Operation, type OperationContext } from '../registry.js'
import type { Tag } from '../../src/iam/directory.js'
import * as ids from '../../src/iam/ids.js'
import { awsManagedPolicies, awsManagedPolicy } from '../../src/iam/managed.js'
import type { ManagedPolicyRecord } from '../../store/iam.js'
import {
  alreadyExists, authorizeCreate, checkDuplicateTagKeys, deleteConflict, isoNow, mergeTags, page,
  removeTags, requestTagContext, store
} from './common.js'
import {
  authorizePolicy, policyNotFound, requireCustomerPolicy, usage, wireAwsPolicy, wireCustomerPolicy
} from './policy-lookup.js'
import { checkManagedDocument, policyVersionOperations } from './policy-versions.js'

interface Paged { Marker?: string, MaxItems?: number }

const QUOTA = 'TagsPerPolicy'

interface CreatePolicyRequest {
  PolicyName: string
  PolicyDocument: string
  Path?: string
  Description?: string
  Tags?: Tag[]
}

const CreatePolicy = operation({
  authorize: 'handler',
  async handle (input: CreatePolicyRequest, ctx) {
    const path = input.Path ?? '/'
    const name = input.PolicyName
    const context = requestTagContext(input.Tags)
    const arn = authorizeCreate(ctx, 'CreatePolicy', 'policy', path, name, context)
    checkDuplicateTagKeys(input.Tags)
    const iam = store(ctx)
    if (iam.policyNamed(ctx.account, name) !== undefined) {
      throw alreadyExists(`A policy called ${name} already exists. Duplicate names are not allowed.`)
    }
    await checkManagedDocument(ctx, input.PolicyDocument)

    const now = isoNow(ctx)
    const policy: ManagedPolicyRecord = {
      account: ctx.account, policyName: name, policyId: ids.uniqueId('ANPA'), arn, path,
      description: input.Description, createDate: now, updateDate: now, defaultVersionId: 'v1',
      tags: mergeTags([], input.Tags ?? [], QUOTA), nextVersion: 2,
      versions: [{ versionId: 'v1', document: input.PolicyDocument, createDate: now }]
    }
    iam.putPolicy(policy)
    return { Policy: wireCustomerPolicy(ctx, policy) }
  }
})

const GetPolicy = operation({
  authorize: 'handler',
  notes: 'AWS managed policies have no `Description` here.',
  handle (input: { PolicyArn: string }, ctx) {
    const customer = authorizePolicy(ctx, 'GetPolicy', input.PolicyArn)
    if (customer !== undefined) return { Policy: wireCustomerPolicy(ctx, customer) }
    const aws = awsManagedPolicy(input.PolicyArn)
    if (aws === undefined) throw policyNotFound(input.PolicyArn)
    return { Policy: wireAwsPolicy(ctx, aws) }
  }
})

interface ListPoliciesRequest extends Paged {
  Scope?: 'All' | 'AWS' | 'Local'
  OnlyAttached?: boolean
  PathPrefix?: string
  PolicyUsageFilter?: 'PermissionsPolicy' | 'PermissionsBoundary'
}

interface Listed { name: string, arn: string, path: string, wire: () => object }

const ListPolicies = operation({
  notes: '`PolicyUsageFilter` applies with `OnlyAttached` only.',
  handle (input: ListPoliciesRequest, ctx) {
    const attached = store(ctx).attachedPolicyArns(ctx.account)
    const prefix = input.PathPrefix ?? '/'
    const used = (arn: string): boolean => inUse(ctx, arn, attached, input.PolicyUsageFilter)
    const kept = listed(ctx, input.Scope ?? 'All')
      .filter(r => r.path.startsWith(prefix))
      .filter(r => input.OnlyAttached !== true || used(r.arn))
      .sort((a, b) => a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1)
    const { items, ...rest } = page(kept, input)
    return { Policies: items.map(r => r.wire()), ...rest }
  }
})

function listed (ctx: OperationContext, scope: 'All' | 'AWS' | 'Local'): Listed[] {
  const rows: Listed[] = []
  if (scope !== 'AWS') {
    for (const p of store(ctx).policies(ctx.account)) {
      const wire = (): object => wireCustomerPolicy(ctx, p, true)
      rows.push({ name: p.policyName, arn: p.arn, path: p.path, wire })
    }
  }
  if (scope !== 'Local') {
    for (const p of awsManagedPolicies()) {
      rows.push({ name: p.policyName, arn: p.arn, path: p.path, wire: () => wireAwsPolicy(ctx, p) })
    }
  }
  return rows
}

function inUse (ctx: OperationContext, arn: string, attached: Set<string>,
  filter?: string): boolean {
  if (filter !== 'PermissionsBoundary' && attached.has(arn)) return true
  if (filter === 'PermissionsPolicy') return false
  return usage(ctx, arn).PermissionsBoundaryUsageCount > 0
}

const DeletePolicy = operation({
  authorize: 'handler',
  handle (input: { PolicyArn: string }, ctx) {
    const policy = requireCustomerPolicy(ctx, 'DeletePolicy', input.PolicyArn)
    const used = usage(ctx, policy.arn)
    if (used.AttachmentCount > 0 || used.PermissionsBoundaryUsageCount > 0) {
      throw deleteConflict('Cannot delete a policy attached to entities.')
    }
    if (policy.versions.length > 1) {
      throw deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
    }
    store(ctx).deletePolicy(ctx.account, policy.policyName)
    return {}
  }
})

// ---------------------------------------------------------------- tags

const TagPolicy = operation({
  authorize: 'handler',
  handle (input: { PolicyArn: string, Tags: Tag[] }, ctx) {
    const context = requestTagContext(input.Tags)
    const policy = requireCustomerPolicy(ctx, 'TagPolicy', input.PolicyArn, context)
    checkDuplicateTagKeys(input.Tags)
    store(ctx).putPolicy({ ...policy, tags: mergeTags(policy.tags, input.Tags, QUOTA) })
    return {}
  }
})

const UntagPolicy = operation({
  authorize: 'handler',
  handle (input: { PolicyArn: string, TagKeys: string[] }, ctx) {
    const context = { 'aws:TagKeys': input.TagKeys }
    const policy = requireCustomerPolicy(ctx, 'UntagPolicy', input.PolicyArn, context)
    store(ctx).putPolicy({ ...policy, tags: removeTags(policy.tags, input.TagKeys) })
    return {}
  }
})

const ListPolicyTags = operation({
  authorize: 'handler',
  handle (input: Paged & { PolicyArn: string }, ctx) {
    const policy = requireCustomerPolicy(ctx, 'ListPolicyTags', input.PolicyArn)
    const { items, ...rest } = page(policy.tags, input)
    return { Tags: items, ...rest }
  }
})

// ---------------------------------------------------------------- entities

interface ListEntitiesForPolicyRequest extends Paged {
  PolicyArn: string
  EntityFilter?: 'User' | 'Role' | 'Group' | 'LocalManagedPolicy' | 'AWSManagedPolicy'
  PathPrefix?: string
  PolicyUsageFilter?: 'PermissionsPolicy' | 'PermissionsBoundary'
}

type Entity =
  | { kind: 'role', path: string, wire: { RoleName: string, RoleId: string } }
  | { kind: 'user', path: string, wire: { UserName: string, UserId: string } }

const ListEntitiesForPolicy = operation({
  authorize: 'handler',
  notes: 'Groups are not emulated: `PolicyGroups` is always empty.',
  handle (input: ListEntitiesForPolicyRequest, ctx) {
    const customer = authorizePolicy(ctx, 'ListEntitiesForPolicy', input.PolicyArn)
    if (customer === undefined && awsManagedPolicy(input.PolicyArn) === undefined) {
      throw policyNotFound(input.PolicyArn)
    }
    const { items, ...rest } = page(entitiesOf(ctx, input), input)
    return {
      PolicyGroups: [],
      PolicyUsers: items.flatMap(e => e.kind === 'user' ? [e.wire] : []),
      PolicyRoles: items.flatMap(e => e.kind === 'role' ? [e.wire] : []),
      ...rest
    }
  }
})

function entitiesOf (ctx: OperationContext, input: ListEntitiesForPolicyRequest): Entity[] {
  const iam = store(ctx)
  const found = new Map<string, Entity>()
  const add = (kind: 'role' | 'user', name: string): void => {
    const e = kind === 'role' ? roleEntity(ctx, name) : userEntity(ctx, name)
    if (e !== undefined) found.set(`${kind}/${name.toLowerCase()}`, e)
  }
  if (input.PolicyUsageFilter !== 'PermissionsBoundary') {
    for (const a of iam.attachmentsOf(ctx.account, input.PolicyArn)) add(a.kind, a.owner)
  }
  if (input.PolicyUsageFilter !== 'PermissionsPolicy') {
    const bounded = iam.boundaryUsers(ctx.account, input.PolicyArn)
    bounded.roles.forEach(r => add('role', r.roleName))
    bounded.users.forEach(u => add('user', u.userName))
  }
  const wanted = (e: Entity): boolean => input.EntityFilter === undefined ||
    input.EntityFilter === (e.kind === 'role' ? 'Role' : 'User')
  return [...found.values()].filter(e => wanted(e) && e.path.startsWith(input.PathPrefix ?? '/'))
}

function roleEntity (ctx: OperationContext, name: string): Entity | undefined {
  const r = store(ctx).role(ctx.account, name)
  return r && { kind: 'role', path: r.path, wire: { RoleName: r.roleName, RoleId: r.roleId } }
}

function userEntity (ctx: OperationContext, name: string): Entity | undefined {
  const u = store(ctx).user(ctx.account, name)
  return u && { kind: 'user', path: u.path, wire: { UserName: u.userName, UserId: u.userId } }
}

export const policyOperations: Record<string, Operation> = {
  CreatePolicy, GetPolicy, ListPolicies, DeletePolicy, TagPolicy, UntagPolicy, ListPolicyTags,
  ListEntitiesForPolicy, ...policyVersionOperations
}
