// Placeholder: replaced by the owner of this store.
import type { Db, Schema } from '../db.js'

export const containerInstancesSchema: Schema = { name: 'container-instances', sql: 'CREATE TABLE IF NOT EXISTS placeholder_containerInstancesSchema (x INTEGER);' }

export class ContainerInstanceStore {
  constructor (readonly db: Db) {}
}
