// Placeholder: replaced by the owner of this store.
import type { Db, Schema } from './db.js'

export const ecrSchema: Schema = { name: 'ecr-placeholder', sql: 'CREATE TABLE IF NOT EXISTS placeholder_ecr (x INTEGER);' }

export class RepositoryStore {
  constructor (readonly db: Db) {}
}
