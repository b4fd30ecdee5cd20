/**
 * What the rest of the emulator asks of IAM: access keys, roles and the policies that apply
 * to a principal. store/iam.ts implements it over SQLite; the authorizer and STS read it.
 */
import type { PolicyDocument, PolicySet, Principal } from './policy.js'

export interface Tag { Key: string, Value: string }

export interface AccessKeyRecord {
  accessKeyId: string
  secretAccessKey: string
  account: string
  userName: string
  status: 'Active' | 'Inactive'
  createDate: string
}

export interface UserRecord {
  account: string
  userName: string
  userId: string
  arn: string
  path: string
  createDate: string
  tags: Tag[]
  permissionsBoundaryArn?: string
}

export interface RoleRecord {
  account: string
  roleName: string
  roleId: string
  arn: string
  path: string
  createDate: string
  assumeRolePolicyDocument: PolicyDocument
  maxSessionDuration: number
  description?: string
  tags: Tag[]
  permissionsBoundaryArn?: string
}

/** What an STS session adds on top of its role: session policies and tags. */
export interface SessionPolicies {
  /** The inline `Policy` of AssumeRole, and the documents of its `PolicyArns`. */
  documents: { id: string, document: PolicyDocument }[]
}

export interface IamDirectory {
  accessKey (accessKeyId: string): AccessKeyRecord | undefined
  user (account: string, userName: string): UserRecord | undefined
  /** A role by name (the last path segment of its ARN). */
  role (account: string, roleName: string): RoleRecord | undefined
  /**
   * Identity policies (inline and attached managed), the permissions boundary when the user or
   * role has one, and the session policies when given. Root gets an empty set (root is allowed
   * by the evaluator itself).
   */
  policySetFor (principal: Principal, session?: SessionPolicies): PolicySet
  /** A managed policy's default version document, AWS managed ones included (for PolicyArns). */
  managedPolicyDocument (arn: string): PolicyDocument | undefined
}
