/**
 * The emulated EC2: instances, and the network resources they and the tasks sit in (VPCs,
 * subnets, security groups, route tables, network interfaces), one JSON document each, keyed
 * by account, region and id. EC2 ids are unique across accounts, so an id alone finds an
 * instance too (the metadata service knows nothing else).
 */
import type { Db, Schema } from './db.js'
import { fromJson } from './db.js'
import type { Scope } from '../src/ecs/arns.js'
import type { InstanceRecord } from '../src/ec2/instance.js'
import type { NetworkResource, ResourceKind } from '../src/ec2/network.js'

export const ec2Schema: Schema = {
  name: 'ec2-v1',
  sql: `CREATE TABLE IF NOT EXISTS ec2_instances_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, id)
  );
  CREATE INDEX IF NOT EXISTS ec2_instances_v1_id ON ec2_instances_v1 (id);
  CREATE TABLE IF NOT EXISTS ec2_resources_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, kind, id)
  );
  CREATE TABLE IF NOT EXISTS ec2_defaults_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    PRIMARY KEY (account, region)
  );
  CREATE TABLE IF NOT EXISTS ec2_builtins_v1 (
    account TEXT PRIMARY KEY NOT NULL
  );`
}

export class Ec2Store {
  readonly #instance
  readonly #instanceById
  readonly #instances
  readonly #putInstance
  readonly #resource
  readonly #resources
  readonly #putResource
  readonly #removeResource
  readonly #hasDefaults
  readonly #markDefaults
  readonly #hasBuiltins
  readonly #markBuiltins
  #seq = Date.now()

  constructor (readonly db: Db) {
    this.#instance = db.prepare(`SELECT doc FROM ec2_instances_v1
      WHERE account = ? AND region = ? AND id = ?`).pluck()
    this.#instanceById = db.prepare('SELECT doc FROM ec2_instances_v1 WHERE id = ?').pluck()
    this.#instances = db.prepare(`SELECT doc FROM ec2_instances_v1
      WHERE account = ? AND region = ? ORDER BY seq`).pluck()
    this.#putInstance = db.prepare(`INSERT INTO ec2_instances_v1 (account, region, id, seq, doc)
      VALUES (@account, @region, @id, @seq, @doc)
      ON CONFLICT (account, region, id) DO UPDATE SET doc = excluded.doc`)
    this.#resource = db.prepare(`SELECT doc FROM ec2_resources_v1
      WHERE account = ? AND region = ? AND kind = ? AND id = ?`).pluck()
    this.#resources = db.prepare(`SELECT doc FROM ec2_resources_v1
      WHERE account = ? AND region = ? AND kind = ? ORDER BY seq`).pluck()
    this.#putResource = db.prepare(`INSERT INTO ec2_resources_v1 (account, region, kind, id, seq, doc)
      VALUES (@account, @region, @kind, @id, @seq, @doc)
      ON CONFLICT (account, region, kind, id) DO UPDATE SET doc = excluded.doc`)
    this.#removeResource = db.prepare(`DELETE FROM ec2_resources_v1
      WHERE account = ? AND region = ? AND kind = ? AND id = ?`)
    this.#hasDefaults = db.prepare(`SELECT 1 FROM ec2_defaults_v1
      WHERE account = ? AND region = ?`).pluck()
    this.#markDefaults = db.prepare(`INSERT INTO ec2_defaults_v1 (account, region) VALUES (?, ?)
      ON CONFLICT DO NOTHING`)
    this.#hasBuiltins = db.prepare('SELECT 1 FROM ec2_builtins_v1 WHERE account = ?').pluck()
    this.#markBuiltins = db.prepare(`INSERT INTO ec2_builtins_v1 (account) VALUES (?)
      ON CONFLICT DO NOTHING`)
  }

  /** Runs `fn` in one transaction (synchronous: never await inside). */
  transaction<T> (fn: () => T): T {
    return this.db.transaction(fn)()
  }

  // ---------------------------------------------------------------- instances

  instance (scope: Scope, id: string): InstanceRecord | undefined {
    const doc = this.#instance.get(scope.account, scope.region, id) as string | undefined
    return doc === undefined ? undefined : fromJson<InstanceRecord>(doc)
  }

  /** An instance by id alone, in whichever account and region it runs. */
  instanceById (id: string): InstanceRecord | undefined {
    const doc = this.#instanceById.get(id) as string | undefined
    return doc === undefined ? undefined : fromJson<InstanceRecord>(doc)
  }

  /** Every instance of the account and region, terminated ones included, oldest first. */
  instances (scope: Scope): InstanceRecord[] {
    return (this.#instances.all(scope.account, scope.region) as string[])
      .map(d => fromJson<InstanceRecord>(d))
  }

  saveInstance (i: InstanceRecord): void {
    this.#putInstance.run({
      account: i.account, region: i.region, id: i.instanceId, seq: this.#seq++, doc: JSON.stringify(i)
    })
  }

  // ---------------------------------------------------------------- network resources

  resource<T extends NetworkResource> (scope: Scope, kind: T['kind'], id: string): T | undefined {
    const doc = this.#resource.get(scope.account, scope.region, kind, id) as string | undefined
    return doc === undefined ? undefined : fromJson<T>(doc)
  }

  resources<T extends NetworkResource> (scope: Scope, kind: T['kind']): T[] {
    return (this.#resources.all(scope.account, scope.region, kind) as string[]).map(d => fromJson<T>(d))
  }

  saveResource (r: NetworkResource): void {
    this.#putResource.run({
      account: r.account, region: r.region, kind: r.kind, id: r.id, seq: this.#seq++,
      doc: JSON.stringify(r)
    })
  }

  removeResource (scope: Scope, kind: ResourceKind, id: string): void {
    this.#removeResource.run(scope.account, scope.region, kind, id)
  }

  // ---------------------------------------------------------------- what exists from the start

  /** Whether the default VPC of the account and region has been made (it is made once). */
  hasDefaults (scope: Scope): boolean {
    return this.#hasDefaults.get(scope.account, scope.region) !== undefined
  }

  markDefaults (scope: Scope): void {
    this.#markDefaults.run(scope.account, scope.region)
  }

  /** Whether the built-in instance role and profile have been made in the account. */
  hasBuiltins (account: string): boolean {
    return this.#hasBuiltins.get(account) !== undefined
  }

  markBuiltins (account: string): void {
    this.#markBuiltins.run(account)
  }
}
