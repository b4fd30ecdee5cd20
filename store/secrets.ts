// Placeholder: replaced by the owner of this store.
import type { Db, Schema } from './db.js'

export const secretsSchema: Schema = { name: 'secrets-placeholder', sql: 'CREATE TABLE IF NOT EXISTS placeholder_secrets (x INTEGER);' }

export class SecretStore {
  constructor (readonly db: Db) {}
}
