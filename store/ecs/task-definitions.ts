// Placeholder: replaced by the owner of this store.
import type { Db, Schema } from '../db.js'

export const taskDefinitionsSchema: Schema = { name: 'task-definitions', sql: 'CREATE TABLE IF NOT EXISTS placeholder_taskDefinitionsSchema (x INTEGER);' }

export class TaskDefinitionStore {
  constructor (readonly db: Db) {}
}
