/**
 * When each role was last used, and in which region: GetRole's `RoleLastUsed`. A role is used
 * when one of its sessions makes a request (allowed or not), the emulator's own included. The
 * time is written at most once a minute a role and region, since the authorizer reports every
 * request; AWS itself reports the figure hours late.
 */
import type { Db, Schema } from './db.js'
import { isoSeconds } from '../src/time.js'

export const roleUsageSchema: Schema = {
  name: 'iam-role-last-used',
  sql: `CREATE TABLE iam_role_last_used_v1 (
    role_id TEXT PRIMARY KEY,
    last_used_date TEXT NOT NULL,
    region TEXT NOT NULL
  );`
}

/** As GetRole answers it. */
export interface RoleLastUsed { LastUsedDate: string, Region: string }

const WRITE_EVERY_MS = 60_000

export class RoleUsage {
  readonly #put
  readonly #get
  /** The last time written, per role id, and the region it was written with. */
  readonly #written = new Map<string, { at: number, region: string }>()

  constructor (db: Db) {
    this.#put = db.prepare(`INSERT INTO iam_role_last_used_v1 (role_id, last_used_date, region)
      VALUES (?, ?, ?) ON CONFLICT (role_id) DO UPDATE SET last_used_date = excluded.last_used_date,
      region = excluded.region`)
    this.#get = db.prepare(`SELECT last_used_date AS LastUsedDate, region AS Region
      FROM iam_role_last_used_v1 WHERE role_id = ?`)
  }

  used (roleId: string, now: Date, region: string): void {
    const last = this.#written.get(roleId)
    if (last !== undefined && last.region === region && now.getTime() - last.at < WRITE_EVERY_MS) return
    this.#written.set(roleId, { at: now.getTime(), region })
    this.#put.run(roleId, isoSeconds(now), region)
  }

  lastUsed (roleId: string): RoleLastUsed | undefined {
    return this.#get.get(roleId) as RoleLastUsed | undefined
  }

  /** After a reset: the table is wiped with the others. */
  clear (): void {
    this.#written.clear()
  }
}
