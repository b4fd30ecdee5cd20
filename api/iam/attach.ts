/**
 * Managed policies by ARN, as attachments and permissions boundaries see them: AWS managed
 * ones from the package (copied into the store when used, so evaluation never needs the
 * package again), customer managed ones from the store.
 */
import type { OperationContext } from '../registry.js'
import { awsManagedPolicy, isAwsManagedArn } from '../../src/iam/managed.js'
import { isServiceRolePolicyArn } from '../../src/iam/entities.js'
import type { OwnerKind, StoredRole } from '../../store/iam.js'
import { AwsError } from '../errors.js'
import { limitExceeded, noSuchEntity, notAttachable, protectedRole, store } from './common.js'

export interface PolicyRef { arn: string, policyName: string, path: string }

/** The policy with this exact ARN, or undefined. Loads AWS managed policies on first use. */
export function findManagedPolicy (ctx: OperationContext, arn: string): PolicyRef | undefined {
  if (isAwsManagedArn(arn)) {
    const p = awsManagedPolicy(arn)
    return p === undefined ? undefined : { arn, policyName: p.policyName, path: p.path }
  }
  const p = store(ctx).policyByArn(arn)
  if (p === undefined || p.account !== ctx.account) return undefined
  return { arn, policyName: p.policyName, path: p.path }
}

/** Keeps the default document of an AWS managed policy in the store before it is used. */
export function keepAwsCopy (ctx: OperationContext, arn: string): void {
  const p = awsManagedPolicy(arn)
  if (p !== undefined) store(ctx).copyAwsPolicy(arn, p.defaultVersionId, p.document)
}

const QUOTA: Record<OwnerKind, string> = { role: 'PoliciesPerRole', user: 'PoliciesPerUser' }

/** AttachRolePolicy / AttachUserPolicy after authorization: existence, attachability, quota. */
export function attachPolicy (ctx: OperationContext, kind: OwnerKind, owner: string, arn: string,
  role?: StoredRole): void {
  const policy = findManagedPolicy(ctx, arn)
  if (policy === undefined) throw notAttachable(arn)
  if (role?.serviceLinked !== undefined) throw protectedRole(role.roleName)
  if (isServiceRolePolicyArn(arn)) {
    // (unconfirmed) that users get the same answer as customer roles
    const message = 'Cannot attach a Service Role Policy to a Customer Role.'
    throw new AwsError('PolicyNotAttachable', message)
  }

  const iam = store(ctx)
  const attached = iam.attachedPolicies(ctx.account, kind, owner)
  if (attached.includes(arn)) return // attaching twice changes nothing, as on AWS
  if (attached.length >= 10) throw limitExceeded(`Cannot exceed quota for ${QUOTA[kind]}: 10`)

  if (isAwsManagedArn(arn)) keepAwsCopy(ctx, arn)
  iam.attach(ctx.account, kind, owner, arn)
}

export function detachPolicy (ctx: OperationContext, kind: OwnerKind, owner: string, arn: string,
  role?: StoredRole): void {
  if (role?.serviceLinked !== undefined) throw protectedRole(role.roleName)
  const iam = store(ctx)
  if (!iam.attachedPolicies(ctx.account, kind, owner).includes(arn)) {
    throw noSuchEntity(`Policy ${arn} was not found.`) // (unconfirmed) wording
  }
  iam.detach(ctx.account, kind, owner, arn)
}

/** The policy a permissions boundary names; AWS managed ones are copied into the store. */
export function boundaryPolicy (ctx: OperationContext, arn: string): PolicyRef {
  const policy = findManagedPolicy(ctx, arn)
  if (policy === undefined) {
    // (unconfirmed) wording
    throw noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`)
  }
  if (isAwsManagedArn(arn)) keepAwsCopy(ctx, arn)
  return policy
}

/** AttachedPolicies of ListAttached*Policies, with the PathPrefix filter. */
export function attachedList (ctx: OperationContext, kind: OwnerKind, owner: string,
  pathPrefix = '/'): { PolicyArn: string, PolicyName: string }[] {
  return store(ctx).attachedPolicies(ctx.account, kind, owner)
    .filter(arn => pathOfArn(arn).startsWith(pathPrefix))
    .map(arn => ({ PolicyArn: arn, PolicyName: arn.slice(arn.lastIndexOf('/') + 1) }))
}

const pathOfArn = (arn: string): string => {
  const resource = arn.slice(arn.indexOf(':policy') + ':policy'.length)
  return resource.slice(0, resource.lastIndexOf('/') + 1)
}
