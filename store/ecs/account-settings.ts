/**
 * ECS account settings that someone set, by account, region and principal (an IAM user or
 * role ARN, or the account root, whose settings are the account's defaults).
 */
import type { Db, Schema } from '../db.js'
import type { Scope } from '../../src/ecs/arns.js'

export const accountSettingsSchema: Schema = {
  name: 'ecs-account-settings',
  sql: `CREATE TABLE ecs_account_settings_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (account, region, principal_arn, name)
  );`
}

interface Row { name: string, value: string }

export class AccountSettingStore {
  readonly #list
  readonly #get
  readonly #put
  readonly #delete

  constructor (db: Db) {
    this.#list = db.prepare(`SELECT name, value FROM ecs_account_settings_v1
      WHERE account = ? AND region = ? AND principal_arn = ?`)
    this.#get = db.prepare(`SELECT value FROM ecs_account_settings_v1
      WHERE account = ? AND region = ? AND principal_arn = ? AND name = ?`).pluck()
    this.#put = db.prepare(`INSERT INTO ecs_account_settings_v1
      (account, region, principal_arn, name, value) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (account, region, principal_arn, name) DO UPDATE SET value = excluded.value`)
    this.#delete = db.prepare(`DELETE FROM ecs_account_settings_v1
      WHERE account = ? AND region = ? AND principal_arn = ? AND name = ?`)
  }

  /** The principal's own settings, name → value. */
  of (scope: Scope, principalArn: string): Map<string, string> {
    const rows = this.#list.all(scope.account, scope.region, principalArn) as Row[]
    return new Map(rows.map(r => [r.name, r.value]))
  }

  put (scope: Scope, principalArn: string, name: string, value: string): void {
    this.#put.run(scope.account, scope.region, principalArn, name, value)
  }

  /** Removes the setting and returns the value it had, if any. */
  delete (scope: Scope, principalArn: string, name: string): string | undefined {
    const old = this.#get.get(scope.account, scope.region, principalArn, name) as string | undefined
    this.#delete.run(scope.account, scope.region, principalArn, name)
    return old
  }
}
