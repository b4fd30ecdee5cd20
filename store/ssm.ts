/**
 * SSM Parameter Store parameters by account, region and name; each document holds the
 * parameter's version history, newest last.
 */
import type { Db, Schema } from './db.js'
import { fromJson } from './db.js'
import type { ParameterRecord } from '../src/ssm/parameter.js'

export const parametersSchema: Schema = {
  name: 'ssm-parameters',
  sql: `CREATE TABLE ssm_parameters_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
  );`
}

export class ParameterStore {
  readonly #get
  readonly #list
  readonly #upsert
  readonly #remove

  constructor (db: Db) {
    this.#get = db.prepare(`SELECT doc FROM ssm_parameters_v1
      WHERE account = ? AND region = ? AND name = ?`).pluck()
    this.#list = db.prepare(`SELECT doc FROM ssm_parameters_v1
      WHERE account = ? AND region = ? ORDER BY name`).pluck()
    this.#upsert = db.prepare(`INSERT INTO ssm_parameters_v1 (account, region, name, doc)
      VALUES (@account, @region, @name, @doc)
      ON CONFLICT (account, region, name) DO UPDATE SET doc = excluded.doc`)
    this.#remove = db.prepare(`DELETE FROM ssm_parameters_v1
      WHERE account = ? AND region = ? AND name = ?`)
  }

  get (account: string, region: string, name: string): ParameterRecord | undefined {
    const doc = this.#get.get(account, region, name) as string | undefined
    return doc === undefined ? undefined : fromJson<ParameterRecord>(doc)
  }

  /** Every parameter of the account and region, by name. */
  list (account: string, region: string): ParameterRecord[] {
    return (this.#list.all(account, region) as string[]).map(d => fromJson<ParameterRecord>(d))
  }

  save (p: ParameterRecord): void {
    this.#upsert.run({ account: p.account, region: p.region, name: p.name, doc: JSON.stringify(p) })
  }

  remove (p: ParameterRecord): void {
    this.#remove.run(p.account, p.region, p.name)
  }
}
