/**
 * Inline policies of roles and users: one document per name, all of an entity's together
 * within IAM's size quota (whitespace not counted).
 */
import type { OperationContext } from '../registry.js'
import type { OwnerKind } from '../../store/iam.js'
import {
  checkedDocument, encodeDocument, limitExceeded, noSuchEntity, page, policySize, store
} from './common.js'

const QUOTA: Record<OwnerKind, number> = { role: 10240, user: 2048 }

export interface InlinePolicyInput { PolicyName: string, PolicyDocument: string }

export const noSuchInlinePolicy = (kind: OwnerKind, name: string) =>
  noSuchEntity(`The ${kind} policy with name ${name} cannot be found.`)

/** PutRolePolicy / PutUserPolicy after authorization: the document, the quota, the write. */
export async function putInlinePolicy (ctx: OperationContext, kind: OwnerKind, owner: string,
  input: InlinePolicyInput): Promise<void> {
  await checkedDocument(ctx, input.PolicyDocument, 'inline')
  const iam = store(ctx)
  const others = iam.inlinePolicies(ctx.account, kind, owner)
    .filter(p => p.policyName.toLowerCase() !== input.PolicyName.toLowerCase())
  const size = others.reduce((n, p) => n + policySize(p.document), policySize(input.PolicyDocument))
  if (size > QUOTA[kind]) {
    throw limitExceeded(`Maximum policy size of ${QUOTA[kind]} bytes exceeded for ${kind} ${owner}`)
  }
  const policy = { policyName: input.PolicyName, document: input.PolicyDocument }
  iam.putInlinePolicy(ctx.account, kind, owner, policy)
}

/** GetRolePolicy / GetUserPolicy after authorization: the document, URL-encoded. */
export function getInlinePolicy (ctx: OperationContext, kind: OwnerKind, owner: string,
  name: string) {
  const p = store(ctx).inlinePolicy(ctx.account, kind, owner, name)
  if (p === undefined) throw noSuchInlinePolicy(kind, name)
  return { PolicyName: p.policyName, PolicyDocument: encodeDocument(p.document) }
}

export function listInlinePolicies (ctx: OperationContext, kind: OwnerKind, owner: string,
  input: { Marker?: string, MaxItems?: number }) {
  const names = store(ctx).inlinePolicies(ctx.account, kind, owner).map(p => p.policyName)
  const { items, ...rest } = page(names, input)
  return { PolicyNames: items, ...rest }
}

export function deleteInlinePolicy (ctx: OperationContext, kind: OwnerKind, owner: string,
  name: string): void {
  const iam = store(ctx)
  if (iam.inlinePolicy(ctx.account, kind, owner, name) === undefined) {
    throw noSuchInlinePolicy(kind, name)
  }
  iam.deleteInlinePolicy(ctx.account, kind, owner, name)
}
