/**
 * Managed policies as the policy operations see them: authorization on the policy ARN, the
 * customer managed record when there is one, and the wire form of a Policy.
 */
import type { OperationContext } from '../registry.js'
import type { RequestContext } from '../../src/iam/policy.js'
import { isAwsManagedArn, type AwsManagedPolicy } from '../../src/iam/managed.js'
import type { ManagedPolicyRecord, PolicyVersionRecord } from '../../store/iam.js'
import { encodeDocument, noSuchEntity, resourceTagContext, store } from './common.js'

export const policyNotFound = (arn: string) => noSuchEntity(`Policy ${arn} was not found.`)

export const noSuchVersion = (arn: string, v: string) =>
  noSuchEntity(`Policy ${arn} version ${v} does not exist or is not attachable.`)

/** Authorizes `iam:ACTION` on the policy ARN, with the customer policy's tags when it exists. */
export function authorizePolicy (ctx: OperationContext, action: string, arn: string,
  context: RequestContext = {}): ManagedPolicyRecord | undefined {
  const found = isAwsManagedArn(arn) ? undefined : store(ctx).policyByArn(arn)
  const policy = found?.account === ctx.account ? found : undefined
  const keys = { ...resourceTagContext(policy?.tags, false), ...context }
  ctx.authorize({ action: `iam:${action}`, resource: arn, context: keys })
  return policy
}

/** authorizePolicy, then NoSuchEntity unless it is a customer managed policy of the account. */
export function requireCustomerPolicy (ctx: OperationContext, action: string, arn: string,
  context?: RequestContext): ManagedPolicyRecord {
  const policy = authorizePolicy(ctx, action, arn, context)
  if (policy === undefined) throw policyNotFound(arn)
  return policy
}

export function requireVersion (p: ManagedPolicyRecord, versionId: string): PolicyVersionRecord {
  const v = p.versions.find(x => x.versionId === versionId)
  if (v === undefined) throw noSuchVersion(p.arn, versionId)
  return v
}

export interface Usage { AttachmentCount: number, PermissionsBoundaryUsageCount: number }

export function usage (ctx: OperationContext, arn: string): Usage {
  const iam = store(ctx)
  const boundary = iam.boundaryUsers(ctx.account, arn)
  return {
    AttachmentCount: iam.attachmentsOf(ctx.account, arn).length,
    PermissionsBoundaryUsageCount: boundary.roles.length + boundary.users.length
  }
}

/** A customer managed Policy; `listed` drops what ListPolicies leaves out. */
export function wireCustomerPolicy (ctx: OperationContext, p: ManagedPolicyRecord, listed = false) {
  return {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    ...usage(ctx, p.arn),
    IsAttachable: true,
    Description: listed ? undefined : p.description,
    CreateDate: p.createDate,
    UpdateDate: p.updateDate,
    Tags: listed || p.tags.length === 0 ? undefined : p.tags
  }
}

/** An AWS managed Policy (the package has no descriptions). */
export function wireAwsPolicy (ctx: OperationContext, p: AwsManagedPolicy) {
  return {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    ...usage(ctx, p.arn),
    IsAttachable: true,
    CreateDate: p.createDate,
    UpdateDate: p.updateDate
  }
}

export const wireVersion = (p: ManagedPolicyRecord, v: PolicyVersionRecord,
  withDocument: boolean) => ({
  Document: withDocument ? encodeDocument(v.document) : undefined,
  VersionId: v.versionId,
  IsDefaultVersion: v.versionId === p.defaultVersionId,
  CreateDate: v.createDate
})
