// Placeholder: replaced by the owner of this store.
import type { Db, Schema } from '../db.js'

export const clustersSchema: Schema = { name: 'clusters', sql: 'CREATE TABLE IF NOT EXISTS placeholder_clustersSchema (x INTEGER);' }

export class ClusterStore {
  constructor (readonly db: Db) {}
}
