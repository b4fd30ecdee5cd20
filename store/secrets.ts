/**
 * Secrets Manager secrets by account, region and name, each one document with its versions,
 * in creation order. A secret scheduled for deletion stays until it is restored or purged.
 */
import type { Db, Schema } from './db.js'
import { fromJson } from './db.js'
import type { SecretRecord } from '../src/secrets/secret.js'

export const secretsSchema: Schema = {
  name: 'secretsmanager-secrets',
  sql: `CREATE TABLE secretsmanager_secrets_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
  );`
}

export class SecretStore {
  readonly #get
  readonly #list
  readonly #upsert
  readonly #remove
  #seq = Date.now()

  constructor (db: Db) {
    this.#get = db.prepare(`SELECT doc FROM secretsmanager_secrets_v1
      WHERE account = ? AND region = ? AND name = ?`).pluck()
    this.#list = db.prepare(`SELECT doc FROM secretsmanager_secrets_v1
      WHERE account = ? AND region = ? ORDER BY seq`).pluck()
    this.#upsert = db.prepare(`INSERT INTO secretsmanager_secrets_v1 (account, region, name, seq, doc)
      VALUES (@account, @region, @name, @seq, @doc)
      ON CONFLICT (account, region, name) DO UPDATE SET doc = excluded.doc`)
    this.#remove = db.prepare(`DELETE FROM secretsmanager_secrets_v1
      WHERE account = ? AND region = ? AND name = ?`)
  }

  get (account: string, region: string, name: string): SecretRecord | undefined {
    const doc = this.#get.get(account, region, name) as string | undefined
    return doc === undefined ? undefined : fromJson<SecretRecord>(doc)
  }

  /** Every secret of the account and region, oldest first. */
  list (account: string, region: string): SecretRecord[] {
    return (this.#list.all(account, region) as string[]).map(d => fromJson<SecretRecord>(d))
  }

  save (s: SecretRecord): void {
    const key = { account: s.account, region: s.region, name: s.name }
    this.#upsert.run({ ...key, seq: this.#seq++, doc: JSON.stringify(s) })
  }

  remove (s: SecretRecord): void {
    this.#remove.run(s.account, s.region, s.name)
  }
}
