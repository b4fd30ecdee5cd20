/**
 * Secrets Manager secrets by account, region and name, each one document with its versions,
 * in creation order. A secret scheduled for deletion stays until it is restored or purged.
 */
import type { Db, Schema } from './db.js'
import { RegionalDocuments, regionalTable } from './regional.js'
import type { SecretRecord } from '../src/secrets/secret.js'

export const secretsSchema: Schema = {
  name: 'secretsmanager-secrets',
  sql: regionalTable('secretsmanager_secrets_v1')
}

export class SecretStore extends RegionalDocuments<SecretRecord> {
  constructor (db: Db) {
    super(db, 'secretsmanager_secrets_v1', s => ({ account: s.account, region: s.region, name: s.name }))
  }
}
