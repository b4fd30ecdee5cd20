/**
 * A table of one JSON document per resource, keyed by account, region and name and listed in
 * creation order: the shape most regional resource families share (secrets, repositories).
 */
import type { Db } from './db.js'
import { fromJson } from './db.js'

export interface RegionalKey { account: string, region: string, name: string }

/** The CREATE TABLE statement for such a table. */
export const regionalTable = (table: string): string => `CREATE TABLE ${table} (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
  );`

export class RegionalDocuments<T> {
  readonly #get
  readonly #list
  readonly #upsert
  readonly #remove
  #seq = Date.now()

  constructor (db: Db, table: string, private readonly keyOf: (doc: T) => RegionalKey) {
    this.#get = db.prepare(`SELECT doc FROM ${table} WHERE account = ? AND region = ? AND name = ?`).pluck()
    this.#list = db.prepare(`SELECT doc FROM ${table} WHERE account = ? AND region = ? ORDER BY seq`).pluck()
    this.#upsert = db.prepare(`INSERT INTO ${table} (account, region, name, seq, doc)
      VALUES (@account, @region, @name, @seq, @doc)
      ON CONFLICT (account, region, name) DO UPDATE SET doc = excluded.doc`)
    this.#remove = db.prepare(`DELETE FROM ${table} WHERE account = ? AND region = ? AND name = ?`)
  }

  get (account: string, region: string, name: string): T | undefined {
    const doc = this.#get.get(account, region, name) as string | undefined
    return doc === undefined ? undefined : fromJson<T>(doc)
  }

  /** Every document of the account and region, oldest first. */
  list (account: string, region: string): T[] {
    return (this.#list.all(account, region) as string[]).map(d => fromJson<T>(d))
  }

  save (doc: T): void {
    this.#upsert.run({ ...this.keyOf(doc), seq: this.#seq++, doc: JSON.stringify(doc) })
  }

  remove (doc: T): void {
    const { account, region, name } = this.keyOf(doc)
    this.#remove.run(account, region, name)
  }
}
