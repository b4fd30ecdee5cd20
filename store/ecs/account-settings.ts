// Placeholder: replaced by the owner of this store.
import type { Db, Schema } from '../db.js'

export const accountSettingsSchema: Schema = { name: 'account-settings', sql: 'CREATE TABLE IF NOT EXISTS placeholder_accountSettingsSchema (x INTEGER);' }

export class AccountSettingStore {
  constructor (readonly db: Db) {}
}
