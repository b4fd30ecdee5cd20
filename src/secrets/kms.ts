/**
 * A secret under a customer managed KMS key: reading its value also takes `kms:Decrypt` on that
 * key, for the caller, through Secrets Manager (`kms:ViaService`). Without it GetSecretValue
 * answers `AccessDeniedException: Access to KMS is not allowed`. The AWS managed key
 * (`aws/secretsmanager`, a secret without a key) needs no permission of the caller. KMS itself is
 * not emulated: a key is named by its id or ARN; a key named by an alias is not checked, since
 * no alias can be resolved to its key here.
 */
import type { Check } from '../../api/registry.js'

export const KMS_NOT_ALLOWED = 'Access to KMS is not allowed'

const KEY_ID = /^(?:mrk-)?[0-9a-f-]{32,36}$/
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:mrk-)?[0-9a-f-]{32,36}$/

/** The `kms:Decrypt` check GetSecretValue makes for the caller, if the secret's key asks one. */
export function decryptCheck (kmsKeyId: string | undefined, secretArn: string,
  scope: { account: string, region: string }): Check | undefined {
  if (kmsKeyId === undefined) return undefined
  const key = KEY_ARN.test(kmsKeyId)
    ? kmsKeyId
    : KEY_ID.test(kmsKeyId) ? `arn:aws:kms:${scope.region}:${scope.account}:key/${kmsKeyId}` : undefined
  if (key === undefined) return undefined
  return {
    action: 'kms:Decrypt',
    resource: key,
    context: {
      'kms:ViaService': `secretsmanager.${scope.region}.amazonaws.com`,
      'kms:CallerAccount': scope.account,
      'kms:EncryptionContext:SecretARN': secretArn
    }
  }
}
