/**
 * ECS services by account, region, cluster and name, in creation order. A deleted service
 * stays INACTIVE (describable) until one of the same name is created again, which replaces it.
 */
import type { Db, Schema } from '../db.js'
import { fromJson } from '../db.js'
import type { Scope } from '../../src/ecs/arns.js'
import type { ServiceRecord, ServiceStatus } from '../../src/ecs/service.js'

export const servicesSchema: Schema = {
  name: 'ecs-services',
  sql: `CREATE TABLE ecs_services_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    cluster TEXT NOT NULL,
    name TEXT NOT NULL,
    service_arn TEXT NOT NULL,
    status TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, cluster, name)
  );
  CREATE INDEX ecs_services_v1_status ON ecs_services_v1 (status, seq);`
}

const docs = (rows: unknown[]): ServiceRecord[] =>
  (rows as string[]).map(d => fromJson<ServiceRecord>(d))

export class ServiceStore {
  readonly #get
  readonly #byArn
  readonly #list
  readonly #live
  readonly #insert
  readonly #update
  #seq = Date.now()

  constructor (db: Db) {
    this.#get = db.prepare(`SELECT doc FROM ecs_services_v1
      WHERE account = ? AND region = ? AND cluster = ? AND name = ?`).pluck()
    this.#byArn = db.prepare('SELECT doc FROM ecs_services_v1 WHERE service_arn = ?').pluck()
    this.#list = db.prepare(`SELECT doc FROM ecs_services_v1
      WHERE account = ? AND region = ? AND cluster = ? AND status <> 'INACTIVE' ORDER BY seq`).pluck()
    this.#live = db.prepare(`SELECT doc FROM ecs_services_v1
      WHERE status <> 'INACTIVE' ORDER BY seq`).pluck()
    this.#insert = db.prepare(`INSERT INTO ecs_services_v1
        (account, region, cluster, name, service_arn, status, seq, doc)
      VALUES (@account, @region, @cluster, @name, @arn, @status, @seq, @doc)
      ON CONFLICT (account, region, cluster, name)
      DO UPDATE SET service_arn = excluded.service_arn, status = excluded.status,
        seq = excluded.seq, doc = excluded.doc`)
    this.#update = db.prepare(`UPDATE ecs_services_v1 SET status = @status, doc = @doc
      WHERE account = @account AND region = @region AND cluster = @cluster AND name = @name`)
  }

  get (scope: Scope, cluster: string, name: string): ServiceRecord | undefined {
    const doc = this.#get.get(scope.account, scope.region, cluster, name) as string | undefined
    return doc === undefined ? undefined : fromJson<ServiceRecord>(doc)
  }

  byArn (arn: string): ServiceRecord | undefined {
    const doc = this.#byArn.get(arn) as string | undefined
    return doc === undefined ? undefined : fromJson<ServiceRecord>(doc)
  }

  /** The cluster's ACTIVE and DRAINING services, oldest first. */
  list (scope: Scope, cluster: string): ServiceRecord[] {
    return docs(this.#list.all(scope.account, scope.region, cluster))
  }

  /** Every ACTIVE and DRAINING service of every account: what the scheduler keeps. */
  live (): ServiceRecord[] {
    return docs(this.#live.all())
  }

  /** A new service, replacing an INACTIVE one of the same name. */
  create (s: ServiceRecord): void {
    this.#insert.run({ ...this.#key(s), arn: s.serviceArn, seq: this.#seq++, doc: JSON.stringify(s) })
  }

  save (s: ServiceRecord): void {
    this.#update.run({ ...this.#key(s), doc: JSON.stringify(s) })
  }

  #key (s: ServiceRecord): { account: string, region: string, cluster: string, name: string,
    status: ServiceStatus } {
    return { account: s.account, region: s.region, cluster: s.cluster, name: s.serviceName, status: s.status }
  }
}
