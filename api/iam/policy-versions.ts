/**
 * Versions of managed policies: customer managed ones keep up to five, never reusing an id;
 * AWS managed ones have the history the package carries.
 */
import { operation, type Operation, type OperationContext } from '../registry.js'
import { awsManagedPolicy, awsPolicyVersionDocument } from '../../src/iam/managed.js'
import type { ManagedPolicyRecord } from '../../store/iam.js'
import {
  checkedDocument, deleteConflict, encodeDocument, isoNow, limitExceeded, page, policySize, store
} from './common.js'
import {
  authorizePolicy, noSuchVersion, policyNotFound, requireCustomerPolicy, requireVersion, wireVersion
} from './policy-lookup.js'

interface Paged { Marker?: string, MaxItems?: number }
interface VersionRef { PolicyArn: string, VersionId: string }

const POLICY_SIZE_QUOTA = 6144
const MAX_VERSIONS = 5

/** A managed policy's document: its size quota, then its grammar. */
export async function checkManagedDocument (ctx: OperationContext, text: string): Promise<void> {
  if (policySize(text) > POLICY_SIZE_QUOTA) {
    throw limitExceeded(`Cannot exceed quota for PolicySize: ${POLICY_SIZE_QUOTA}`)
  }
  await checkedDocument(ctx, text, 'managed')
}

const CreatePolicyVersion = operation({
  authorize: 'handler',
  async handle (input: { PolicyArn: string, PolicyDocument: string, SetAsDefault?: boolean }, ctx) {
    const policy = requireCustomerPolicy(ctx, 'CreatePolicyVersion', input.PolicyArn)
    if (policy.versions.length >= MAX_VERSIONS) {
      throw limitExceeded(`A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`)
    }
    await checkManagedDocument(ctx, input.PolicyDocument)

    const now = isoNow(ctx)
    const versionId = `v${policy.nextVersion}`
    const version = { versionId, document: input.PolicyDocument, createDate: now }
    const asDefault = input.SetAsDefault === true
    const updated: ManagedPolicyRecord = {
      ...policy,
      versions: [version, ...policy.versions],
      nextVersion: policy.nextVersion + 1,
      defaultVersionId: asDefault ? version.versionId : policy.defaultVersionId,
      updateDate: asDefault ? now : policy.updateDate
    }
    store(ctx).putPolicy(updated)
    return { PolicyVersion: wireVersion(updated, version, false) }
  }
})

const GetPolicyVersion = operation({
  authorize: 'handler',
  handle (input: VersionRef, ctx) {
    const customer = authorizePolicy(ctx, 'GetPolicyVersion', input.PolicyArn)
    if (customer !== undefined) {
      const version = requireVersion(customer, input.VersionId)
      return { PolicyVersion: wireVersion(customer, version, true) }
    }
    const aws = awsManagedPolicy(input.PolicyArn)
    if (aws === undefined) throw policyNotFound(input.PolicyArn)
    const v = aws.versions.find(x => x.versionId === input.VersionId)
    const document = awsPolicyVersionDocument(input.PolicyArn, input.VersionId)
    if (v === undefined || document === undefined) {
      throw noSuchVersion(input.PolicyArn, input.VersionId)
    }
    return {
      PolicyVersion: {
        Document: encodeDocument(JSON.stringify(document)),
        VersionId: v.versionId,
        IsDefaultVersion: v.versionId === aws.defaultVersionId,
        CreateDate: v.createDate
      }
    }
  }
})

const ListPolicyVersions = operation({
  authorize: 'handler',
  handle (input: Paged & { PolicyArn: string }, ctx) {
    const customer = authorizePolicy(ctx, 'ListPolicyVersions', input.PolicyArn)
    const { items, ...rest } = page(versionsOf(input.PolicyArn, customer), input)
    return { Versions: items, ...rest }
  }
})

function versionsOf (arn: string, customer: ManagedPolicyRecord | undefined): object[] {
  if (customer !== undefined) return customer.versions.map(v => wireVersion(customer, v, false))
  const aws = awsManagedPolicy(arn)
  if (aws === undefined) throw policyNotFound(arn)
  return aws.versions.map(v => ({
    VersionId: v.versionId,
    IsDefaultVersion: v.versionId === aws.defaultVersionId,
    CreateDate: v.createDate
  }))
}

const DeletePolicyVersion = operation({
  authorize: 'handler',
  handle (input: VersionRef, ctx) {
    const policy = requireCustomerPolicy(ctx, 'DeletePolicyVersion', input.PolicyArn)
    requireVersion(policy, input.VersionId)
    if (input.VersionId === policy.defaultVersionId) {
      throw deleteConflict('Cannot delete the default version of a policy.')
    }
    const versions = policy.versions.filter(v => v.versionId !== input.VersionId)
    store(ctx).putPolicy({ ...policy, versions })
    return {}
  }
})

const SetDefaultPolicyVersion = operation({
  authorize: 'handler',
  handle (input: VersionRef, ctx) {
    const policy = requireCustomerPolicy(ctx, 'SetDefaultPolicyVersion', input.PolicyArn)
    requireVersion(policy, input.VersionId)
    store(ctx).putPolicy({ ...policy, defaultVersionId: input.VersionId, updateDate: isoNow(ctx) })
    return {}
  }
})

export const policyVersionOperations: Record<string, Operation> = {
  CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions, DeletePolicyVersion,
  SetDefaultPolicyVersion
}
