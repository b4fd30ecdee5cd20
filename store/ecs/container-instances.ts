/**
 * ECS container instances by account, region, cluster and id, in registration order.
 * Deregistered ones stay, INACTIVE, so they can still be described.
 */
import type { Db, Schema } from '../db.js'
import { fromJson } from '../db.js'
import { ReadCache } from '../read-cache.js'
import type { Scope } from '../../src/ecs/arns.js'
import type {
  ContainerInstanceRecord, ContainerInstanceStatus
} from '../../src/ecs/container-instance.js'

export const containerInstancesSchema: Schema = {
  name: 'ecs-container-instances',
  sql: `CREATE TABLE ecs_container_instances_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    cluster TEXT NOT NULL,
    id TEXT NOT NULL,
    ec2_instance_id TEXT,
    status TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, cluster, id)
  );
  CREATE INDEX ecs_container_instances_v1_ec2
    ON ecs_container_instances_v1 (account, region, ec2_instance_id);`
}

interface StatusCount { status: string, n: number }

export class ContainerInstanceStore {
  readonly #get
  readonly #byEc2
  readonly #list
  readonly #count
  /** Counts by status per cluster, for DescribeClusters. */
  readonly #counts: ReadCache<StatusCount[]>
  readonly #insert
  readonly #update
  readonly #disconnectAll
  #seq = Date.now()

  constructor (db: Db) {
    this.#counts = new ReadCache(db)
    this.#get = db.prepare(`SELECT doc FROM ecs_container_instances_v1
      WHERE account = ? AND region = ? AND cluster = ? AND id = ?`).pluck()
    this.#byEc2 = db.prepare(`SELECT doc FROM ecs_container_instances_v1
      WHERE account = ? AND region = ? AND cluster = ? AND ec2_instance_id = ?
        AND status <> 'INACTIVE'
      ORDER BY seq DESC LIMIT 1`).pluck()
    this.#list = db.prepare(`SELECT doc FROM ecs_container_instances_v1
      WHERE account = ? AND region = ? AND cluster = ? ORDER BY seq`).pluck()
    this.#count = db.prepare(`SELECT status, COUNT(*) AS n FROM ecs_container_instances_v1
      WHERE account = ? AND region = ? AND cluster = ? GROUP BY status`)
    this.#insert = db.prepare(`INSERT INTO ecs_container_instances_v1
      (account, region, cluster, id, ec2_instance_id, status, seq, doc)
      VALUES (@account, @region, @cluster, @id, @ec2, @status, @seq, @doc)`)
    this.#update = db.prepare(`UPDATE ecs_container_instances_v1
      SET ec2_instance_id = @ec2, status = @status, doc = @doc
      WHERE account = @account AND region = @region AND cluster = @cluster AND id = @id`)
    this.#disconnectAll = db.prepare(`UPDATE ecs_container_instances_v1
      SET doc = json_set(doc, '$.agentConnected', json('false'),
        '$.version', json_extract(doc, '$.version') + 1)
      WHERE json_extract(doc, '$.agentConnected') = 1`)
  }

  get (scope: Scope, cluster: string, id: string): ContainerInstanceRecord | undefined {
    const doc = this.#get.get(scope.account, scope.region, cluster, id) as string | undefined
    return doc === undefined ? undefined : fromJson<ContainerInstanceRecord>(doc)
  }

  /** The live (not INACTIVE) registration of an EC2 instance in a cluster. */
  byEc2Instance (scope: Scope, cluster: string, ec2Id: string): ContainerInstanceRecord | undefined {
    const doc = this.#byEc2.get(scope.account, scope.region, cluster, ec2Id) as string | undefined
    return doc === undefined ? undefined : fromJson<ContainerInstanceRecord>(doc)
  }

  /** Every registration of the cluster, INACTIVE ones included, oldest first. */
  list (scope: Scope, cluster: string): ContainerInstanceRecord[] {
    return (this.#list.all(scope.account, scope.region, cluster) as string[])
      .map(d => fromJson<ContainerInstanceRecord>(d))
  }

  count (scope: Scope, cluster: string, statuses: readonly ContainerInstanceStatus[]): number {
    const rows = this.#counts.get(`${scope.account}\0${scope.region}\0${cluster}`,
      () => this.#count.all(scope.account, scope.region, cluster) as StatusCount[])
    const counted = new Set<string>(statuses)
    return rows.filter(r => counted.has(r.status)).reduce((n, r) => n + r.n, 0)
  }

  create (i: ContainerInstanceRecord): void {
    this.#counts.clear()
    this.#insert.run({ ...this.#row(i), seq: this.#seq++ })
  }

  save (i: ContainerInstanceRecord): void {
    this.#counts.clear()
    this.#update.run(this.#row(i))
  }

  /**
   * Every instance that shows `agentConnected: true` becomes false (its version bumped): on
   * start no agent holds a session yet. Returns how many changed.
   */
  clearCache (): void {
    this.#counts.clear()
  }

  disconnectAll (): number {
    this.#counts.clear()
    return this.#disconnectAll.run().changes
  }

  #row (i: ContainerInstanceRecord): Record<string, unknown> {
    return {
      account: i.account, region: i.region, cluster: i.cluster, id: i.id,
      ec2: i.ec2InstanceId ?? null, status: i.status, doc: JSON.stringify(i)
    }
  }
}
