/**
 * The SQLite database all state lives in. Each resource family (store/iam.ts, store/ecs.ts, ...)
 * declares its own tables through `Schema`; `openDatabase` creates what is missing, in order.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export type Db = Database.Database

/** One family's tables. `version` is part of nothing yet: bump it with a migration step. */
export interface Schema {
  name: string
  sql: string
}

/** Opens `DATA_DIR/state.db` (or an in-memory database) with WAL, and creates every schema. */
export function openDatabase (dataDir: string, schemas: readonly Schema[]): Db {
  const path = dataDir === ':memory:' ? ':memory:' : fileIn(dataDir)
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  // NORMAL keeps WAL durable across process crashes; only a power loss can drop the last commits.
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.exec('CREATE TABLE IF NOT EXISTS schema_v1 (name TEXT PRIMARY KEY NOT NULL, created TEXT NOT NULL)')
  const known = new Set(db.prepare('SELECT name FROM schema_v1').pluck().all() as string[])
  const record = db.prepare('INSERT INTO schema_v1 (name, created) VALUES (?, ?)')
  db.transaction(() => {
    for (const schema of schemas) {
      if (known.has(schema.name)) continue
      db.exec(schema.sql)
      record.run(schema.name, new Date().toISOString())
    }
  })()
  return db
}

function fileIn (dir: string): string {
  mkdirSync(dir, { recursive: true })
  return join(dir, 'state.db')
}

/** Reads a JSON document column. */
export const fromJson = <T>(text: string): T => JSON.parse(text) as T
