/**
 * A secret or a SecureString parameter under a customer managed KMS key: reading its value also
 * takes `kms:Decrypt` on that key for the caller, through the service (`kms:ViaService`), with
 * the service's encryption context. An AWS managed key (`aws/secretsmanager`, `aws/ssm`: the
 * default) grants its use to the account's principals in its key policy, so it asks nothing of
 * theirs. KMS itself is not emulated: a key is named by its id or ARN; one named by an alias
 * is not checked, since no alias can be resolved to its key here.
 */
import { AwsError } from '../../api/errors.js'
import type { Check, OperationContext } from '../../api/registry.js'

/** Secrets Manager's answer when the caller may not use the secret's key. */
export const SECRETS_KMS_DENIED = 'Access to KMS is not allowed'

/** Parameter Store's: KMS's refusal as the service passes it on (`Proxy: null`, its SDK's). */
export const ssmKmsDenied = (kmsRequestId: string): string =>
  'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access. ' +
  `(Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: ${kmsRequestId}; Proxy: null)`

const KEY_ID = /^(?:mrk-)?[0-9a-f-]{32,36}$/
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:mrk-)?[0-9a-f-]{32,36}$/

/** What a service encrypts under: SecretARN for Secrets Manager, PARAMETER_ARN for SSM. */
const ENCRYPTION_CONTEXT = { secretsmanager: 'SecretARN', ssm: 'PARAMETER_ARN' } as const

/** The `kms:Decrypt` check a read of `resourceArn` makes for the caller, if its key asks one. */
export function decryptCheck (service: keyof typeof ENCRYPTION_CONTEXT, kmsKeyId: string | undefined,
  resourceArn: string, scope: { account: string, region: string }): Check | undefined {
  if (kmsKeyId === undefined) return undefined
  const key = KEY_ARN.test(kmsKeyId)
    ? kmsKeyId
    : KEY_ID.test(kmsKeyId) ? `arn:aws:kms:${scope.region}:${scope.account}:key/${kmsKeyId}` : undefined
  if (key === undefined) return undefined
  return {
    action: 'kms:Decrypt',
    resource: key,
    context: {
      'kms:ViaService': `${service}.${scope.region}.amazonaws.com`,
      'kms:CallerAccount': scope.account,
      [`kms:EncryptionContext:${ENCRYPTION_CONTEXT[service]}`]: resourceArn
    }
  }
}

/**
 * Authorizes the read's use of the key, if it has a customer managed one: a denial is recorded
 * as every other, and answered in the service's words (`denied`), linked to the decision.
 */
export function authorizeKeyUse (ctx: OperationContext, check: Check | undefined, denied: () => string): void {
  if (check === undefined) return
  try {
    ctx.authorize(check)
  } catch (e) {
    if (!(e instanceof AwsError) || e.code !== 'AccessDeniedException') throw e
    const refused = new AwsError('AccessDeniedException', denied())
    refused.decisionId = e.decisionId
    throw refused
  }
}
