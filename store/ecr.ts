/**
 * ECR repositories by account, region and name (one document each, in creation order), and
 * the registry passwords GetAuthorizationToken hands out, with whom they were issued to.
 */
import type { Db, Schema } from './db.js'
import { fromJson } from './db.js'
import type { AuthorizationTokenRecord, RepositoryRecord } from '../src/ecr/repository.js'

export const ecrSchema: Schema = {
  name: 'ecr-repositories',
  sql: `CREATE TABLE ecr_repositories_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
  );
  CREATE TABLE ecr_tokens_v1 (
    token TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );`
}

export class RepositoryStore {
  readonly #get
  readonly #list
  readonly #upsert
  readonly #remove
  readonly #addToken
  readonly #getToken
  readonly #purgeTokens
  #seq = Date.now()

  constructor (db: Db) {
    this.#get = db.prepare(`SELECT doc FROM ecr_repositories_v1
      WHERE account = ? AND region = ? AND name = ?`).pluck()
    this.#list = db.prepare(`SELECT doc FROM ecr_repositories_v1
      WHERE account = ? AND region = ? ORDER BY seq`).pluck()
    this.#upsert = db.prepare(`INSERT INTO ecr_repositories_v1 (account, region, name, seq, doc)
      VALUES (@account, @region, @name, @seq, @doc)
      ON CONFLICT (account, region, name) DO UPDATE SET doc = excluded.doc`)
    this.#remove = db.prepare(`DELETE FROM ecr_repositories_v1
      WHERE account = ? AND region = ? AND name = ?`)
    this.#addToken = db.prepare(`INSERT INTO ecr_tokens_v1
      (token, account, region, principal_arn, expires_at)
      VALUES (@token, @account, @region, @principalArn, @expiresAt)`)
    this.#getToken = db.prepare(`SELECT token, account, region, principal_arn AS principalArn,
      expires_at AS expiresAt FROM ecr_tokens_v1 WHERE token = ?`)
    this.#purgeTokens = db.prepare('DELETE FROM ecr_tokens_v1 WHERE expires_at <= ?')
  }

  get (account: string, region: string, name: string): RepositoryRecord | undefined {
    const doc = this.#get.get(account, region, name) as string | undefined
    return doc === undefined ? undefined : fromJson<RepositoryRecord>(doc)
  }

  /** Every repository of the account and region, oldest first. */
  list (account: string, region: string): RepositoryRecord[] {
    return (this.#list.all(account, region) as string[]).map(d => fromJson<RepositoryRecord>(d))
  }

  save (r: RepositoryRecord): void {
    const key = { account: r.account, region: r.region, name: r.repositoryName }
    this.#upsert.run({ ...key, seq: this.#seq++, doc: JSON.stringify(r) })
  }

  remove (r: RepositoryRecord): void {
    this.#remove.run(r.account, r.region, r.repositoryName)
  }

  /** Keeps a new token, dropping the ones expired by `now` (epoch seconds). */
  addToken (t: AuthorizationTokenRecord, now: number): void {
    this.#purgeTokens.run(now)
    this.#addToken.run(t)
  }

  /** The token a registry client presents as its password, while it is valid at `now`. */
  findToken (token: string, now: number): AuthorizationTokenRecord | undefined {
    const t = this.#getToken.get(token) as AuthorizationTokenRecord | undefined
    return t === undefined || t.expiresAt <= now ? undefined : t
  }
}
