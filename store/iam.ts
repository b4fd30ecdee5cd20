/**
 * IAM state: users and their access keys, roles, inline and customer managed policies, policy
 * attachments, instance profiles and service-linked role deletion tasks, keyed by account
 * and by the lower-cased name (IAM names are unique regardless of case).
 *
 * The authorizer asks for a principal's policies on every request, and for access keys,
 * users and roles almost as often: those answers are cached in memory, and every write
 * drops the caches (writes are rare; reads are every request).
 */
import type Database from 'better-sqlite3'
import type { Db, Schema } from './db.js'
import { fromJson } from './db.js'
import type {
  AccessKeyRecord, IamDirectory, RoleRecord, SessionPolicies, Tag, UserRecord
} from '../src/iam/directory.js'
import type { Policy, PolicyDocument, PolicySet, Principal } from '../src/iam/policy.js'
import { awsManagedPolicy, isAwsManagedArn } from '../src/iam/managed.js'
import { nameKey, parseIamArn } from '../src/iam/entities.js'

export const iamSchema: Schema = {
  name: 'iam',
  sql: `
  CREATE TABLE iam_users_v1 (
    account TEXT NOT NULL, name_key TEXT NOT NULL, boundary_arn TEXT, doc TEXT NOT NULL,
    PRIMARY KEY (account, name_key));
  CREATE TABLE iam_access_keys_v1 (
    access_key_id TEXT PRIMARY KEY NOT NULL, account TEXT NOT NULL, user_key TEXT NOT NULL,
    seq INTEGER NOT NULL, doc TEXT NOT NULL);
  CREATE INDEX iam_access_keys_v1_user ON iam_access_keys_v1 (account, user_key);
  CREATE TABLE iam_roles_v1 (
    account TEXT NOT NULL, name_key TEXT NOT NULL, boundary_arn TEXT, doc TEXT NOT NULL,
    PRIMARY KEY (account, name_key));
  CREATE TABLE iam_inline_policies_v1 (
    account TEXT NOT NULL, owner_kind TEXT NOT NULL, owner_key TEXT NOT NULL,
    name_key TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, owner_kind, owner_key, name_key));
  CREATE TABLE iam_managed_policies_v1 (
    account TEXT NOT NULL, name_key TEXT NOT NULL, arn TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, name_key));
  CREATE TABLE iam_attachments_v1 (
    account TEXT NOT NULL, owner_kind TEXT NOT NULL, owner_key TEXT NOT NULL,
    policy_arn TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (account, owner_kind, owner_key, policy_arn));
  CREATE INDEX iam_attachments_v1_policy ON iam_attachments_v1 (account, policy_arn);
  CREATE TABLE iam_aws_policy_copies_v1 (
    arn TEXT PRIMARY KEY NOT NULL, version_id TEXT NOT NULL, doc TEXT NOT NULL);
  CREATE TABLE iam_instance_profiles_v1 (
    account TEXT NOT NULL, name_key TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (account, name_key));
  CREATE TABLE iam_deletion_tasks_v1 (
    task_id TEXT PRIMARY KEY NOT NULL, account TEXT NOT NULL, doc TEXT NOT NULL);`
}

export type OwnerKind = 'role' | 'user'

export interface StoredRole extends RoleRecord {
  /** The trust policy as the caller wrote it (GetRole returns it so, URL-encoded). */
  assumeRolePolicyText: string
  /** For service-linked roles: the service (`ecs.amazonaws.com`). */
  serviceLinked?: string
}

export interface InlinePolicy { policyName: string, document: string }

export interface PolicyVersionRecord {
  versionId: string
  document: string
  createDate: string
}

export interface ManagedPolicyRecord {
  account: string
  policyName: string
  policyId: string
  arn: string
  path: string
  description?: string
  createDate: string
  updateDate: string
  defaultVersionId: string
  tags: Tag[]
  /** Newest first, at most five. */
  versions: PolicyVersionRecord[]
  /** Version ids are never reused: the next one is `v${nextVersion}`. */
  nextVersion: number
}

export interface InstanceProfileRecord {
  account: string
  instanceProfileName: string
  instanceProfileId: string
  arn: string
  path: string
  createDate: string
  tags: Tag[]
  /** Role names (at most one). */
  roles: string[]
}

export interface DeletionTask {
  taskId: string
  account: string
  status: 'SUCCEEDED' | 'IN_PROGRESS' | 'FAILED' | 'NOT_STARTED'
}

export interface Attachment { kind: OwnerKind, owner: string }

type Stmt = Database.Statement<unknown[]>

type BaseSet = Pick<PolicySet, 'identity' | 'boundary'>

export class IamStore implements IamDirectory {
  readonly #db: Db
  readonly #s: Record<string, Stmt>
  readonly #keys = new Map<string, AccessKeyRecord | null>()
  readonly #users = new Map<string, UserRecord | null>()
  readonly #roles = new Map<string, StoredRole | null>()
  readonly #sets = new Map<string, BaseSet>()
  readonly #docs = new Map<string, PolicyDocument | null>()
  #seq = Date.now()

  constructor (db: Db) {
    this.#db = db
    const p = (sql: string): Stmt => db.prepare(sql)
    this.#s = {
      user: p('SELECT doc FROM iam_users_v1 WHERE account = ? AND name_key = ?').pluck(),
      users: p('SELECT doc FROM iam_users_v1 WHERE account = ? ORDER BY name_key').pluck(),
      putUser: p(`INSERT INTO iam_users_v1 (account, name_key, boundary_arn, doc)
        VALUES (?, ?, ?, ?) ON CONFLICT (account, name_key)
        DO UPDATE SET boundary_arn = excluded.boundary_arn, doc = excluded.doc`),
      deleteUser: p('DELETE FROM iam_users_v1 WHERE account = ? AND name_key = ?'),
      key: p('SELECT doc FROM iam_access_keys_v1 WHERE access_key_id = ?').pluck(),
      keysOf: p(`SELECT doc FROM iam_access_keys_v1 WHERE account = ? AND user_key = ?
        ORDER BY seq`).pluck(),
      putKey: p(`INSERT INTO iam_access_keys_v1 (access_key_id, account, user_key, seq, doc)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT (access_key_id)
        DO UPDATE SET user_key = excluded.user_key, doc = excluded.doc`),
      deleteKey: p('DELETE FROM iam_access_keys_v1 WHERE access_key_id = ?'),
      role: p('SELECT doc FROM iam_roles_v1 WHERE account = ? AND name_key = ?').pluck(),
      roles: p('SELECT doc FROM iam_roles_v1 WHERE account = ? ORDER BY name_key').pluck(),
      putRole: p(`INSERT INTO iam_roles_v1 (account, name_key, boundary_arn, doc)
        VALUES (?, ?, ?, ?) ON CONFLICT (account, name_key)
        DO UPDATE SET boundary_arn = excluded.boundary_arn, doc = excluded.doc`),
      deleteRole: p('DELETE FROM iam_roles_v1 WHERE account = ? AND name_key = ?'),
      boundaryRoles: p(`SELECT doc FROM iam_roles_v1 WHERE account = ? AND boundary_arn = ?
        ORDER BY name_key`).pluck(),
      boundaryUsers: p(`SELECT doc FROM iam_users_v1 WHERE account = ? AND boundary_arn = ?
        ORDER BY name_key`).pluck(),
      inline: p(`SELECT doc FROM iam_inline_policies_v1
        WHERE account = ? AND owner_kind = ? AND owner_key = ? AND name_key = ?`).pluck(),
      inlines: p(`SELECT doc FROM iam_inline_policies_v1
        WHERE account = ? AND owner_kind = ? AND owner_key = ? ORDER BY name_key`).pluck(),
      putInline: p(`INSERT INTO iam_inline_policies_v1
        (account, owner_kind, owner_key, name_key, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, owner_kind, owner_key, name_key)
        DO UPDATE SET doc = excluded.doc`),
      deleteInline: p(`DELETE FROM iam_inline_policies_v1
        WHERE account = ? AND owner_kind = ? AND owner_key = ? AND name_key = ?`),
      policy: p(`SELECT doc FROM iam_managed_policies_v1
        WHERE account = ? AND name_key = ?`).pluck(),
      policies: p(`SELECT doc FROM iam_managed_policies_v1
        WHERE account = ? ORDER BY name_key`).pluck(),
      putPolicy: p(`INSERT INTO iam_managed_policies_v1 (account, name_key, arn, doc)
        VALUES (?, ?, ?, ?) ON CONFLICT (account, name_key)
        DO UPDATE SET arn = excluded.arn, doc = excluded.doc`),
      deletePolicy: p('DELETE FROM iam_managed_policies_v1 WHERE account = ? AND name_key = ?'),
      attach: p(`INSERT INTO iam_attachments_v1 (account, owner_kind, owner_key, policy_arn, seq)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      detach: p(`DELETE FROM iam_attachments_v1
        WHERE account = ? AND owner_kind = ? AND owner_key = ? AND policy_arn = ?`),
      attached: p(`SELECT policy_arn FROM iam_attachments_v1
        WHERE account = ? AND owner_kind = ? AND owner_key = ? ORDER BY seq`).pluck(),
      attachmentsOf: p(`SELECT owner_kind AS kind, owner_key AS owner FROM iam_attachments_v1
        WHERE account = ? AND policy_arn = ? ORDER BY owner_kind, owner_key`),
      attachedArns: p(`SELECT DISTINCT policy_arn FROM iam_attachments_v1
        WHERE account = ?`).pluck(),
      awsCopy: p('SELECT doc FROM iam_aws_policy_copies_v1 WHERE arn = ?').pluck(),
      putAwsCopy: p(`INSERT INTO iam_aws_policy_copies_v1 (arn, version_id, doc) VALUES (?, ?, ?)
        ON CONFLICT (arn) DO UPDATE SET version_id = excluded.version_id, doc = excluded.doc`),
      profile: p(`SELECT doc FROM iam_instance_profiles_v1
        WHERE account = ? AND name_key = ?`).pluck(),
      profiles: p(`SELECT doc FROM iam_instance_profiles_v1
        WHERE account = ? ORDER BY name_key`).pluck(),
      putProfile: p(`INSERT INTO iam_instance_profiles_v1 (account, name_key, doc) VALUES (?, ?, ?)
        ON CONFLICT (account, name_key) DO UPDATE SET doc = excluded.doc`),
      deleteProfile: p('DELETE FROM iam_instance_profiles_v1 WHERE account = ? AND name_key = ?'),
      task: p('SELECT doc FROM iam_deletion_tasks_v1 WHERE task_id = ?').pluck(),
      putTask: p('INSERT INTO iam_deletion_tasks_v1 (task_id, account, doc) VALUES (?, ?, ?)')
    }
  }

  /** Runs `fn` in one transaction (synchronous: never await inside). */
  transaction<T> (fn: () => T): T {
    try {
      return this.#db.transaction(fn)()
    } finally {
      this.#changed()
    }
  }

  clearCaches (): void {
    this.#changed()
  }

  #changed (): void {
    this.#keys.clear()
    this.#users.clear()
    this.#roles.clear()
    this.#sets.clear()
    this.#docs.clear()
  }

  // ---------------------------------------------------------------- IamDirectory

  accessKey (accessKeyId: string): AccessKeyRecord | undefined {
    return cached(this.#keys, accessKeyId, () => this.#one<AccessKeyRecord>('key', accessKeyId))
  }

  user (account: string, userName: string): UserRecord | undefined {
    const k = `${account}\0${nameKey(userName)}`
    return cached(this.#users, k, () => this.#one<UserRecord>('user', account, nameKey(userName)))
  }

  role (account: string, roleName: string): StoredRole | undefined {
    const k = `${account}\0${nameKey(roleName)}`
    return cached(this.#roles, k, () => this.#one<StoredRole>('role', account, nameKey(roleName)))
  }

  policySetFor (principal: Principal, session?: SessionPolicies): PolicySet {
    const owner = ownerOf(principal)
    const base = owner === undefined ? { identity: [] } : this.#baseSet(principal.account, owner)
    const set: PolicySet = { identity: base.identity }
    if (base.boundary !== undefined) set.boundary = base.boundary
    if (session !== undefined) {
      set.session = session.documents.map(d => ({ kind: 'session', id: d.id, document: d.document }))
    }
    return set
  }

  managedPolicyDocument (arn: string): PolicyDocument | undefined {
    return cached(this.#docs, arn, () => this.#resolveManaged(arn))
  }

  #baseSet (account: string, owner: Owner): BaseSet {
    const k = `${owner.kind}\0${account}\0${nameKey(owner.name)}\0${owner.id}`
    let set = this.#sets.get(k)
    if (set === undefined) {
      set = this.#buildSet(account, owner)
      this.#sets.set(k, set)
    }
    return set
  }

  #buildSet (account: string, { kind, name, id }: Owner): BaseSet {
    const entity = kind === 'role' ? this.role(account, name) : this.user(account, name)
    if (entity === undefined || !sameEntity(entity, id)) return { identity: [] }
    const realName = 'roleName' in entity ? entity.roleName : entity.userName
    const identity: Policy[] = []
    for (const p of this.inlinePolicies(account, kind, realName)) {
      const id = `${kind}/${realName}/policy/${p.policyName}`
      identity.push({ kind: 'identity', id, document: parseDocument(p.document) })
    }
    for (const arn of this.attachedPolicies(account, kind, realName)) {
      const document = this.managedPolicyDocument(arn)
      if (document !== undefined) identity.push({ kind: 'identity', id: arn, document })
    }
    const boundaryArn = entity.permissionsBoundaryArn
    if (boundaryArn === undefined) return { identity }
    const document = this.managedPolicyDocument(boundaryArn)
    // A boundary whose policy is gone allows nothing (AWS refuses to delete one in use).
    const boundary: Policy = { kind: 'boundary', id: boundaryArn, document: document ?? NOTHING }
    return { identity, boundary: [boundary] }
  }

  #resolveManaged (arn: string): PolicyDocument | undefined {
    if (isAwsManagedArn(arn)) {
      const copy = this.#one<{ document: PolicyDocument }>('awsCopy', arn)
      return copy?.document ?? awsManagedPolicy(arn)?.document
    }
    const policy = this.policyByArn(arn)
    const version = policy?.versions.find(v => v.versionId === policy.defaultVersionId)
    return version === undefined ? undefined : parseDocument(version.document)
  }

  // ---------------------------------------------------------------- users and access keys

  users (account: string): UserRecord[] {
    return this.#all<UserRecord>('users', account)
  }

  putUser (u: UserRecord): void {
    const boundary = u.permissionsBoundaryArn ?? null
    this.#s.putUser.run(u.account, nameKey(u.userName), boundary, JSON.stringify(u))
    this.#changed()
  }

  /** Renames a user, moving its keys, inline policies and attachments (UpdateUser NewUserName). */
  renameUser (oldName: string, u: UserRecord): void {
    this.transaction(() => {
      this.#s.deleteUser.run(u.account, nameKey(oldName))
      this.putUser(u)
      this.#moveOwner(u.account, 'user', oldName, u.userName)
      for (const key of this.accessKeys(u.account, oldName)) {
        this.putAccessKey({ ...key, userName: u.userName })
      }
    })
  }

  deleteUser (account: string, userName: string): void {
    this.#s.deleteUser.run(account, nameKey(userName))
    this.#changed()
  }

  accessKeys (account: string, userName: string): AccessKeyRecord[] {
    return this.#all<AccessKeyRecord>('keysOf', account, nameKey(userName))
  }

  putAccessKey (k: AccessKeyRecord): void {
    const userKey = nameKey(k.userName)
    this.#s.putKey.run(k.accessKeyId, k.account, userKey, this.#seq++, JSON.stringify(k))
    this.#changed()
  }

  deleteAccessKey (accessKeyId: string): void {
    this.#s.deleteKey.run(accessKeyId)
    this.#changed()
  }

  // ---------------------------------------------------------------- roles

  roles (account: string): StoredRole[] {
    return this.#all<StoredRole>('roles', account)
  }

  putRole (r: StoredRole): void {
    const boundary = r.permissionsBoundaryArn ?? null
    this.#s.putRole.run(r.account, nameKey(r.roleName), boundary, JSON.stringify(r))
    this.#changed()
  }

  deleteRole (account: string, roleName: string): void {
    this.#s.deleteRole.run(account, nameKey(roleName))
    this.#changed()
  }

  /** Deletes a role with its inline and attached policies (a service-linked role's deletion). */
  deleteRoleAndPolicies (account: string, roleName: string): void {
    this.transaction(() => {
      for (const arn of this.attachedPolicies(account, 'role', roleName)) {
        this.detach(account, 'role', roleName, arn)
      }
      for (const p of this.inlinePolicies(account, 'role', roleName)) {
        this.deleteInlinePolicy(account, 'role', roleName, p.policyName)
      }
      this.deleteRole(account, roleName)
    })
  }

  // ---------------------------------------------------------------- inline policies

  inlinePolicy (account: string, kind: OwnerKind, owner: string,
    policyName: string): InlinePolicy | undefined {
    return this.#one<InlinePolicy>('inline', account, kind, nameKey(owner), nameKey(policyName))
  }

  inlinePolicies (account: string, kind: OwnerKind, owner: string): InlinePolicy[] {
    return this.#all<InlinePolicy>('inlines', account, kind, nameKey(owner))
  }

  putInlinePolicy (account: string, kind: OwnerKind, owner: string, p: InlinePolicy): void {
    this.#s.putInline.run(account, kind, nameKey(owner), nameKey(p.policyName), JSON.stringify(p))
    this.#changed()
  }

  deleteInlinePolicy (account: string, kind: OwnerKind, owner: string, policyName: string): void {
    this.#s.deleteInline.run(account, kind, nameKey(owner), nameKey(policyName))
    this.#changed()
  }

  // ---------------------------------------------------------------- attachments

  attachedPolicies (account: string, kind: OwnerKind, owner: string): string[] {
    return this.#s.attached.all(account, kind, nameKey(owner)) as string[]
  }

  attach (account: string, kind: OwnerKind, owner: string, policyArn: string): void {
    this.#s.attach.run(account, kind, nameKey(owner), policyArn, this.#seq++)
    this.#changed()
  }

  detach (account: string, kind: OwnerKind, owner: string, policyArn: string): void {
    this.#s.detach.run(account, kind, nameKey(owner), policyArn)
    this.#changed()
  }

  /** Who has `policyArn` attached (owner names are lower-cased keys). */
  attachmentsOf (account: string, policyArn: string): Attachment[] {
    return this.#s.attachmentsOf.all(account, policyArn) as Attachment[]
  }

  /** Every policy ARN attached to something in the account (ListPolicies OnlyAttached). */
  attachedPolicyArns (account: string): Set<string> {
    return new Set(this.#s.attachedArns.all(account) as string[])
  }

  /** Keeps an AWS managed policy's default document, so that evaluation never loads the package. */
  copyAwsPolicy (arn: string, versionId: string, document: PolicyDocument): void {
    this.#s.putAwsCopy.run(arn, versionId, JSON.stringify({ document }))
    this.#changed()
  }

  // ---------------------------------------------------------------- permissions boundaries

  boundaryUsers (account: string, policyArn: string): { roles: StoredRole[], users: UserRecord[] } {
    return {
      roles: this.#all<StoredRole>('boundaryRoles', account, policyArn),
      users: this.#all<UserRecord>('boundaryUsers', account, policyArn)
    }
  }

  // ---------------------------------------------------------------- customer managed policies

  policyByArn (arn: string): ManagedPolicyRecord | undefined {
    const parsed = parseIamArn(arn)
    if (parsed === undefined || parsed.type !== 'policy') return undefined
    const p = this.policyNamed(parsed.account, parsed.name)
    return p?.arn === arn ? p : undefined
  }

  policyNamed (account: string, policyName: string): ManagedPolicyRecord | undefined {
    return this.#one<ManagedPolicyRecord>('policy', account, nameKey(policyName))
  }

  policies (account: string): ManagedPolicyRecord[] {
    return this.#all<ManagedPolicyRecord>('policies', account)
  }

  putPolicy (p: ManagedPolicyRecord): void {
    this.#s.putPolicy.run(p.account, nameKey(p.policyName), p.arn, JSON.stringify(p))
    this.#changed()
  }

  deletePolicy (account: string, policyName: string): void {
    this.#s.deletePolicy.run(account, nameKey(policyName))
    this.#changed()
  }

  // ---------------------------------------------------------------- instance profiles

  instanceProfile (account: string, name: string): InstanceProfileRecord | undefined {
    return this.#one<InstanceProfileRecord>('profile', account, nameKey(name))
  }

  instanceProfiles (account: string): InstanceProfileRecord[] {
    return this.#all<InstanceProfileRecord>('profiles', account)
  }

  putInstanceProfile (p: InstanceProfileRecord): void {
    this.#s.putProfile.run(p.account, nameKey(p.instanceProfileName), JSON.stringify(p))
    this.#changed()
  }

  deleteInstanceProfile (account: string, name: string): void {
    this.#s.deleteProfile.run(account, nameKey(name))
    this.#changed()
  }

  // ---------------------------------------------------------------- service-linked role deletions

  deletionTask (taskId: string): DeletionTask | undefined {
    return this.#one<DeletionTask>('task', taskId)
  }

  addDeletionTask (t: DeletionTask): void {
    this.#s.putTask.run(t.taskId, t.account, JSON.stringify(t))
  }

  // ---------------------------------------------------------------- helpers

  #one<T> (stmt: string, ...args: unknown[]): T | undefined {
    const doc = this.#s[stmt].get(...args) as string | undefined
    return doc === undefined ? undefined : fromJson<T>(doc)
  }

  #all<T> (stmt: string, ...args: unknown[]): T[] {
    return (this.#s[stmt].all(...args) as string[]).map(d => fromJson<T>(d))
  }

  #moveOwner (account: string, kind: OwnerKind, from: string, to: string): void {
    for (const p of this.inlinePolicies(account, kind, from)) {
      this.deleteInlinePolicy(account, kind, from, p.policyName)
      this.putInlinePolicy(account, kind, to, p)
    }
    for (const arn of this.attachedPolicies(account, kind, from)) {
      this.detach(account, kind, from, arn)
      this.attach(account, kind, to, arn)
    }
  }
}

function cached<T> (map: Map<string, T | null>, key: string,
  load: () => T | undefined): T | undefined {
  let v = map.get(key)
  if (v === undefined) {
    v = load() ?? null
    if (map.size > 10_000) map.clear()
    map.set(key, v)
  }
  return v ?? undefined
}

/**
 * Whether a principal's unique id names this role or user: a session of a role deleted and
 * created again under the same name is no session of the new one. An id without the IAM
 * prefix (a principal the emulator made up for itself) is taken by name.
 */
function sameEntity (entity: RoleRecord | UserRecord, id: string): boolean {
  const actual = 'roleId' in entity ? entity.roleId : entity.userId
  return !/^A(ROA|IDA)/.test(id) || actual === id
}

interface Owner { kind: OwnerKind, name: string, /** The role's or user's unique id. */ id: string }

function ownerOf (p: Principal): Owner | undefined {
  if (p.type === 'user' && p.userName !== undefined) return { kind: 'user', name: p.userName, id: p.userId }
  if (p.type === 'assumed-role' && p.roleArn !== undefined) {
    const name = p.roleArn.slice(p.roleArn.lastIndexOf('/') + 1)
    return { kind: 'role', name, id: p.userId.split(':')[0] }
  }
  return undefined
}

/** Stored documents were checked when put; a broken one allows nothing and denies nothing. */
function parseDocument (text: string): PolicyDocument {
  try { return JSON.parse(text) as PolicyDocument } catch { return NOTHING }
}

const NOTHING: PolicyDocument = { Statement: [] }
