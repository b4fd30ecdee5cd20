/**
 * STS sessions: the temporary credentials AssumeRole and GetSessionToken hand out. Kept in
 * SQLite so that credentials stay valid across a restart, and cached in memory because every
 * signed request with an `ASIA` key reads one.
 */
import type { Db, Schema } from './db.js'
import type { Tag } from '../src/iam/directory.js'
import type { PolicyDocument } from '../src/iam/policy.js'

export const stsSchema: Schema = {
  name: 'sts',
  sql: `CREATE TABLE sts_sessions_v1 (
    access_key_id TEXT PRIMARY KEY NOT NULL,
    expiration REAL NOT NULL,
    doc TEXT NOT NULL
  );`
}

export interface SessionRecord {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  account: string
  /** `assumed-role` from AssumeRole; `session-token` from GetSessionToken (acts as its caller). */
  kind: 'assumed-role' | 'session-token'
  roleArn?: string
  roleName?: string
  roleId?: string
  roleSessionName?: string
  sourceIdentity?: string
  /** GetSessionToken: the calling user's name, or undefined for root. */
  userName?: string
  /** Epoch seconds. */
  expiration: number
  policies: { id: string, document: PolicyDocument }[]
  tags: Tag[]
  /** Whether the session was made with role credentials (role chaining caps it at an hour). */
  chained: boolean
  /** A session ECS obtained for a task: the task's ARN, which every decision it makes names. */
  onBehalfOf?: string
}

export class StsSessions {
  readonly #db: Db
  readonly #cache = new Map<string, SessionRecord | null>()
  readonly #insert
  readonly #get
  readonly #prune

  constructor (db: Db) {
    this.#db = db
    this.#insert = db.prepare('INSERT INTO sts_sessions_v1 (access_key_id, expiration, doc) VALUES (?, ?, ?)')
    this.#get = db.prepare('SELECT doc FROM sts_sessions_v1 WHERE access_key_id = ?').pluck()
    this.#prune = db.prepare('DELETE FROM sts_sessions_v1 WHERE expiration < ?')
  }

  add (s: SessionRecord): void {
    this.#insert.run(s.accessKeyId, s.expiration, JSON.stringify(s))
    this.#cache.set(s.accessKeyId, s)
  }

  get (accessKeyId: string): SessionRecord | undefined {
    let s = this.#cache.get(accessKeyId)
    if (s === undefined) {
      const doc = this.#get.get(accessKeyId) as string | undefined
      s = doc === undefined ? null : JSON.parse(doc) as SessionRecord
      if (this.#cache.size > 50_000) this.#cache.clear()
      this.#cache.set(accessKeyId, s)
    }
    return s ?? undefined
  }

  /** Drops sessions that expired more than a day ago (an expired key still answers ExpiredToken until then). */
  prune (nowSeconds: number): void {
    this.#prune.run(nowSeconds - 86_400)
    this.#cache.clear()
  }

  clear (): void {
    this.#db.exec('DELETE FROM sts_sessions_v1')
    this.#cache.clear()
  }
}
