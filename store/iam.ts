// Placeholder: replaced by the owner of this store.
import type { Db, Schema } from './db.js'
import type { AccessKeyRecord, IamDirectory, RoleRecord, UserRecord } from '../src/iam/directory.js'
import type { PolicyDocument, PolicySet } from '../src/iam/policy.js'

export const iamSchema: Schema = { name: 'iam', sql: 'CREATE TABLE IF NOT EXISTS placeholder_iam (x INTEGER);' }

export class IamStore implements IamDirectory {
  constructor (readonly db: Db) {}
  accessKey (_id: string): AccessKeyRecord | undefined { return undefined }
  user (_a: string, _n: string): UserRecord | undefined { return undefined }
  role (_a: string, _n: string): RoleRecord | undefined { return undefined }
  policySetFor (): PolicySet { return { identity: [] } }
  managedPolicyDocument (_arn: string): PolicyDocument | undefined { return undefined }
  clearCaches (): void {}
}
