/**
 * Tags of every taggable resource, keyed by the resource's ARN, in the order they were added.
 * Every authorization of a taggable resource reads its tags (`aws:ResourceTag/*`), so they
 * are cached per ARN; each write replaces the cached entry.
 */
import type { Db, Schema } from './db.js'

export interface WireTag { key: string, value: string }

export const tagsSchema: Schema = {
  name: 'tags',
  sql: `CREATE TABLE tags_v1 (
    arn TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (arn, key)
  );`
}

export class TagStore {
  readonly #list
  readonly #upsert
  readonly #remove
  readonly #removeAll
  #seq = Date.now()
  readonly #cache = new Map<string, WireTag[]>()

  constructor (db: Db) {
    this.#list = db.prepare('SELECT key, value FROM tags_v1 WHERE arn = ? ORDER BY seq')
    this.#upsert = db.prepare(`INSERT INTO tags_v1 (arn, key, value, seq) VALUES (?, ?, ?, ?)
      ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value`)
    this.#remove = db.prepare('DELETE FROM tags_v1 WHERE arn = ? AND key = ?')
    this.#removeAll = db.prepare('DELETE FROM tags_v1 WHERE arn = ?')
  }

  /** The resource's tags; callers must not change the array they get. */
  list (arn: string): WireTag[] {
    let tags = this.#cache.get(arn)
    if (tags === undefined) {
      tags = this.#list.all(arn) as WireTag[]
      if (this.#cache.size >= 10_000) this.#cache.clear()
      this.#cache.set(arn, tags)
    }
    return tags
  }

  tag (arn: string, tags: readonly WireTag[]): void {
    for (const t of tags) this.#upsert.run(arn, t.key, t.value ?? '', this.#seq++)
    this.#cache.delete(arn)
  }

  untag (arn: string, keys: readonly string[]): void {
    for (const k of keys) this.#remove.run(arn, k)
    this.#cache.delete(arn)
  }

  drop (arn: string): void {
    this.#removeAll.run(arn)
    this.#cache.delete(arn)
  }

  /** After the table was wiped from outside (Emulator.reset). */
  clearCache (): void {
    this.#cache.clear()
  }
}
