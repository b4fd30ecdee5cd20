/**
 * ECS clusters by account, region and name, in creation order. A deleted cluster stays as
 * INACTIVE until a cluster of the same name is created again, which replaces it.
 */
import type { Db, Schema } from '../db.js'
import { ReadCache } from '../read-cache.js'
import { fromJson } from '../db.js'
import type { Scope } from '../../src/ecs/arns.js'
import type { ClusterRecord } from '../../src/ecs/cluster.js'

export const clustersSchema: Schema = {
  name: 'ecs-clusters',
  sql: `CREATE TABLE ecs_clusters_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
  );`
}

export class ClusterStore {
  /** Parsed and frozen: the domain makes new records, it never edits them. */
  readonly #cache: ReadCache<ClusterRecord | undefined>
  readonly #get
  readonly #list
  readonly #insert
  readonly #update
  #seq = Date.now()

  constructor (db: Db) {
    this.#cache = new ReadCache(db)
    this.#get = db.prepare(`SELECT doc FROM ecs_clusters_v1
      WHERE account = ? AND region = ? AND name = ?`).pluck()
    this.#list = db.prepare(`SELECT doc FROM ecs_clusters_v1
      WHERE account = ? AND region = ? AND status = ? ORDER BY seq`).pluck()
    this.#insert = db.prepare(`INSERT INTO ecs_clusters_v1 (account, region, name, status, seq, doc)
      VALUES (@account, @region, @name, @status, @seq, @doc)
      ON CONFLICT (account, region, name)
      DO UPDATE SET status = excluded.status, seq = excluded.seq, doc = excluded.doc`)
    this.#update = db.prepare(`UPDATE ecs_clusters_v1 SET status = @status, doc = @doc
      WHERE account = @account AND region = @region AND name = @name`)
  }

  get (scope: Scope, name: string): ClusterRecord | undefined {
    return this.#cache.get(`${scope.account}\0${scope.region}\0${name}`, () => {
      const doc = this.#get.get(scope.account, scope.region, name) as string | undefined
      return doc === undefined ? undefined : Object.freeze(fromJson<ClusterRecord>(doc))
    })
  }

  clearCache (): void {
    this.#cache.clear()
  }

  /** ACTIVE clusters (or those of another status), oldest first. */
  list (scope: Scope, status: ClusterRecord['status'] = 'ACTIVE'): ClusterRecord[] {
    const docs = this.#list.all(scope.account, scope.region, status) as string[]
    return docs.map(d => fromJson<ClusterRecord>(d))
  }

  /** A new cluster, replacing an INACTIVE one of the same name. */
  create (c: ClusterRecord): void {
    this.#cache.clear()
    this.#insert.run({ ...this.#key(c), seq: this.#seq++, doc: JSON.stringify(c) })
  }

  save (c: ClusterRecord): void {
    this.#cache.clear()
    this.#update.run({ ...this.#key(c), doc: JSON.stringify(c) })
  }

  #key (c: ClusterRecord): { account: string, region: string, name: string, status: string } {
    return { account: c.account, region: c.region, name: c.clusterName, status: c.status }
  }
}
