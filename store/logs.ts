// Placeholder: replaced by the owner of this store.
import type { Db, Schema } from './db.js'

export const logsSchema: Schema = { name: 'logs-placeholder', sql: 'CREATE TABLE IF NOT EXISTS placeholder_logs (x INTEGER);' }

export class LogStore {
  constructor (readonly db: Db) {}
}
