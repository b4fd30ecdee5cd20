/**
 * ECR repositories by account, region and name (one document each, in creation order), and
 * the registry passwords GetAuthorizationToken hands out, with whom they were issued to.
 */
import type { Db, Schema } from './db.js'
import { RegionalDocuments, regionalTable } from './regional.js'
import type { AuthorizationTokenRecord, RepositoryRecord } from '../src/ecr/repository.js'

export const ecrSchema: Schema = {
  name: 'ecr-repositories',
  sql: `${regionalTable('ecr_repositories_v1')}
  CREATE TABLE ecr_tokens_v1 (
    token TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );`
}

export class RepositoryStore extends RegionalDocuments<RepositoryRecord> {
  readonly #addToken
  readonly #getToken
  readonly #purgeTokens

  constructor (db: Db) {
    super(db, 'ecr_repositories_v1', r => ({ account: r.account, region: r.region, name: r.repositoryName }))
    this.#addToken = db.prepare(`INSERT INTO ecr_tokens_v1
      (token, account, region, principal_arn, expires_at)
      VALUES (@token, @account, @region, @principalArn, @expiresAt)`)
    this.#getToken = db.prepare(`SELECT token, account, region, principal_arn AS principalArn,
      expires_at AS expiresAt FROM ecr_tokens_v1 WHERE token = ?`)
    this.#purgeTokens = db.prepare('DELETE FROM ecr_tokens_v1 WHERE expires_at <= ?')
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
