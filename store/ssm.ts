// Placeholder: replaced by the owner of this store.
import type { Db, Schema } from './db.js'

export const parametersSchema: Schema = { name: 'ssm-placeholder', sql: 'CREATE TABLE IF NOT EXISTS placeholder_ssm (x INTEGER);' }

export class ParameterStore {
  constructor (readonly db: Db) {}
}
