/**
 * AWS Secrets Manager (awsJson1_1, target prefix secretsmanager): the secrets an ECS task's
 * `secrets` and `repositoryCredentials` read, with versions, deletion, tags and resource policies.
 */
import { resourceTagContext as tagKeys } from '../../src/iam/tag-context.js'
import { AwsError, validationMessage } from '../errors.js'
import { SECRETS_KMS_DENIED, authorizeKeyUse, decryptCheck } from '../../src/secrets/kms.js'
import {
  operation, type Check, type Operation, type OperationContext, type Service
} from '../registry.js'
import {
  addVersion, assertNotDeleted, checkValue, findSecret, hasValue, matchesFilters, newSecret,
  parseResourcePolicy, purged, restore, scheduleDeletion, secretArn, secretErrors, secretIdName,
  selectVersion, versionsToStages, type DeleteSecretRequest, type SecretRecord,
  type SecretValueInput
} from '../../src/secrets/secret.js'
import type { PolicyDocument, RequestContext } from '../../src/iam/policy.js'
import type { WireTag } from '../../store/tags.js'

interface Tag { Key: string, Value: string }

const seconds = (ctx: OperationContext): number => ctx.now.getTime() / 1000

const lookup = (ctx: OperationContext) => (name: string) =>
  ctx.emulator.secrets.get(ctx.account, ctx.region, name)

const tagsOf = (ctx: OperationContext, arn: string): WireTag[] => ctx.emulator.tags.list(arn)

const wireTags = (tags: WireTag[]): Tag[] => tags.map(t => ({ Key: t.key, Value: t.value }))

const storedTags = (tags: Tag[]): WireTag[] => tags.map(t => ({ key: t.Key, value: t.Value }))

const resourceTagContext = (tags: WireTag[]): RequestContext => tagKeys(tags, 'secretsmanager')

const definedOnly = (context: RequestContext): RequestContext =>
  Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined))

/**
 * Authorizes `action` on the secret SecretId names, with its tags and resource policy, and
 * returns the secret; ResourceNotFoundException after the check when there is none.
 */
function authorizeOn (ctx: OperationContext, action: string, secretId: string,
  context: RequestContext = {}): SecretRecord {
  const secret = findSecret(secretId, lookup(ctx), seconds(ctx))
  // (unconfirmed) for a secret that does not exist AWS authorizes on the ARN the name implies.
  const resource = secret?.arn ?? secretIdName(secretId).arn ??
    `arn:aws:secretsmanager:${ctx.region}:${ctx.account}:secret:${secretId}`
  const check: Check = {
    action,
    resource,
    context: {
      'secretsmanager:SecretId': secret?.arn ?? secretId,
      ...(secret === undefined ? {} : resourceTagContext(tagsOf(ctx, secret.arn))),
      ...definedOnly(context)
    }
  }
  if (secret?.resourcePolicy !== undefined) {
    const document = JSON.parse(secret.resourcePolicy) as PolicyDocument
    check.resourcePolicies = [{ kind: 'resource', id: secret.arn, document }]
  }
  ctx.authorize(check)
  if (secret === undefined) throw secretErrors.notFound()
  return secret
}

const save = (ctx: OperationContext, s: SecretRecord): void => ctx.emulator.secrets.save(s)

const idAndName = (s: SecretRecord) => ({ ARN: s.arn, Name: s.name })

interface CreateSecretRequest extends SecretValueInput {
  Name: string
  Description?: string
  KmsKeyId?: string
  Tags?: Tag[]
}

function createContext (input: CreateSecretRequest): RequestContext {
  const context: RequestContext = { 'secretsmanager:Name': input.Name }
  if (input.Description !== undefined) context['secretsmanager:Description'] = input.Description
  if (input.KmsKeyId !== undefined) context['secretsmanager:KmsKeyId'] = input.KmsKeyId
  return { ...context, ...requestTagContext(input.Tags ?? []) }
}

function requestTagContext (tags: Tag[]): RequestContext {
  const context: RequestContext = {}
  if (tags.length > 0) {
    for (const t of tags) context[`aws:RequestTag/${t.Key}`] = t.Value
    context['aws:TagKeys'] = tags.map(t => t.Key)
  }
  return context
}

const CreateSecret = operation({
  authorize: 'handler',
  notes: 'KmsKeyId is kept and echoed, nothing is encrypted (GetSecretValue checks kms:Decrypt on a key named by id or ARN). Replication (`AddReplicaRegions`) and `Type` are not emulated.',
  handle (input: CreateSecretRequest, ctx) {
    const now = seconds(ctx)
    checkValue(input)
    const secret = newSecret(input, ctx.account, ctx.region, now)
    const context = createContext(input)
    ctx.authorize({ action: 'secretsmanager:CreateSecret', resource: secret.arn, context })
    const tags = input.Tags ?? []
    if (tags.length > 0) {
      const context = requestTagContext(tags)
      ctx.authorize({ action: 'secretsmanager:TagResource', resource: secret.arn, context })
    }

    const existing = ctx.emulator.secrets.get(ctx.account, ctx.region, input.Name)
    if (existing !== undefined && !purged(existing, now)) {
      if (existing.deleted !== undefined) throw secretErrors.nameScheduled()
      throw secretErrors.exists(input.Name)
    }
    ctx.emulator.db.transaction(() => {
      if (existing !== undefined) ctx.emulator.tags.drop(existing.arn)
      ctx.emulator.secrets.remove(secret)
      save(ctx, secret)
      ctx.emulator.tags.tag(secret.arn, storedTags(tags))
    })()
    return { ...idAndName(secret), VersionId: secret.versions[0]?.versionId }
  }
})

interface GetSecretValueRequest { SecretId: string, VersionId?: string, VersionStage?: string }

const GetSecretValue = operation({
  authorize: 'handler',
  handle (input: GetSecretValueRequest, ctx) {
    const context = {
      'secretsmanager:VersionId': input.VersionId,
      'secretsmanager:VersionStage': input.VersionStage
    }
    const secret = authorizeOn(ctx, 'secretsmanager:GetSecretValue', input.SecretId, context)
    assertNotDeleted(secret)
    authorizeKeyUse(ctx, decryptCheck('secretsmanager', secret.kmsKeyId, secret.arn, ctx), () => SECRETS_KMS_DENIED)

    const version = selectVersion(secret, input.VersionId, input.VersionStage)
    secret.lastAccessed = Math.floor(seconds(ctx) / 86_400) * 86_400
    save(ctx, secret)
    return {
      ...idAndName(secret),
      VersionId: version.versionId,
      SecretString: version.secretString,
      SecretBinary: version.secretBinary,
      VersionStages: [...version.stages],
      CreatedDate: version.created
    }
  }
})

interface PutSecretValueRequest extends SecretValueInput {
  SecretId: string
  VersionStages?: string[]
}

const PutSecretValue = operation({
  authorize: 'handler',
  notes: 'Rotation is not emulated; `RotationToken` is ignored.',
  handle (input: PutSecretValueRequest, ctx) {
    const secret = authorizeOn(ctx, 'secretsmanager:PutSecretValue', input.SecretId)
    assertNotDeleted(secret)
    if (!hasValue(input)) throw secretErrors.noValue()

    const version = addVersion(secret, input, input.VersionStages, seconds(ctx))
    save(ctx, secret)
    return {
      ...idAndName(secret), VersionId: version.versionId, VersionStages: [...version.stages]
    }
  }
})

function describe (ctx: OperationContext, s: SecretRecord) {
  const tags = tagsOf(ctx, s.arn)
  return {
    ...idAndName(s),
    Description: s.description,
    KmsKeyId: s.kmsKeyId,
    LastChangedDate: s.lastChanged,
    LastAccessedDate: s.lastAccessed,
    DeletedDate: s.deleted,
    // (unconfirmed) AWS leaves Tags out for a secret without tags.
    Tags: tags.length === 0 ? undefined : wireTags(tags),
    CreatedDate: s.created
  }
}

const DescribeSecret = operation({
  authorize: 'handler',
  notes: 'Rotation fields are never set: rotation is not emulated.',
  handle (input: { SecretId: string }, ctx) {
    const secret = authorizeOn(ctx, 'secretsmanager:DescribeSecret', input.SecretId)
    return { ...describe(ctx, secret), VersionIdsToStages: versionsToStages(secret) }
  }
})

interface ListSecretsRequest {
  Filters?: { Key?: string, Values?: string[] }[]
  IncludePlannedDeletion?: boolean
  MaxResults?: number
  NextToken?: string
  SortOrder?: 'asc' | 'desc'
}

const ListSecrets = operation({
  notes: 'Filters match by prefix (case-insensitive) with `!` negation; `primary-region` and `owning-service` match nothing. `SortBy` is ignored: secrets come in creation order.',
  handle (input: ListSecretsRequest, ctx) {
    const now = seconds(ctx)
    let all = ctx.emulator.secrets.list(ctx.account, ctx.region)
      .filter(s => !purged(s, now))
      .filter(s => input.IncludePlannedDeletion === true || s.deleted === undefined)
      .filter(s => matchesFilters(s, tagsOf(ctx, s.arn), input.Filters ?? []))
    if (input.SortOrder === 'desc') all = all.reverse()
    const start = input.NextToken === undefined ? 0 : tokenPosition(input.NextToken)
    const end = start + (input.MaxResults ?? 100)
    const SecretList = all.slice(start, end).map(s => ({
      ...describe(ctx, s), SecretVersionsToStages: versionsToStages(s)
    }))
    const NextToken = end < all.length ? Buffer.from(String(end)).toString('base64') : undefined
    return { SecretList, NextToken }
  }
})

function tokenPosition (token: string): number {
  const n = Number(Buffer.from(token, 'base64').toString('utf8'))
  // (unconfirmed) AWS's wording for a token it did not issue.
  if (!Number.isInteger(n) || n < 0) throw new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.')
  return n
}

interface UpdateSecretRequest extends SecretValueInput {
  SecretId: string
  Description?: string
  KmsKeyId?: string
}

const UpdateSecret = operation({
  authorize: 'handler',
  handle (input: UpdateSecretRequest, ctx) {
    const context = {
      'secretsmanager:Description': input.Description,
      'secretsmanager:KmsKeyId': input.KmsKeyId
    }
    const secret = authorizeOn(ctx, 'secretsmanager:UpdateSecret', input.SecretId, context)
    assertNotDeleted(secret)

    const now = seconds(ctx)
    if (input.Description !== undefined) secret.description = input.Description
    if (input.KmsKeyId !== undefined) secret.kmsKeyId = input.KmsKeyId
    const version = hasValue(input) ? addVersion(secret, input, undefined, now) : undefined
    secret.lastChanged = now
    save(ctx, secret)
    return { ...idAndName(secret), VersionId: version?.versionId }
  }
})

const DeleteSecret = operation({
  authorize: 'handler',
  handle (input: DeleteSecretRequest, ctx) {
    const context: RequestContext = {
      'secretsmanager:RecoveryWindowInDays': input.RecoveryWindowInDays,
      'secretsmanager:ForceDeleteWithoutRecovery': input.ForceDeleteWithoutRecovery
    }
    const secret = authorizeOn(ctx, 'secretsmanager:DeleteSecret', input.SecretId, context)

    const DeletionDate = scheduleDeletion(secret, input, seconds(ctx))
    ctx.emulator.db.transaction(() => {
      if (input.ForceDeleteWithoutRecovery === true) {
        ctx.emulator.secrets.remove(secret)
        ctx.emulator.tags.drop(secret.arn)
      } else {
        save(ctx, secret)
      }
    })()
    return { ...idAndName(secret), DeletionDate }
  }
})

const RestoreSecret = operation({
  authorize: 'handler',
  handle (input: { SecretId: string }, ctx) {
    const secret = authorizeOn(ctx, 'secretsmanager:RestoreSecret', input.SecretId)
    restore(secret)
    save(ctx, secret)
    return idAndName(secret)
  }
})

const TagResource = operation({
  authorize: 'handler',
  handle (input: { SecretId: string, Tags: Tag[] }, ctx) {
    const context = requestTagContext(input.Tags)
    const secret = authorizeOn(ctx, 'secretsmanager:TagResource', input.SecretId, context)
    assertNotDeleted(secret)
    ctx.emulator.tags.tag(secret.arn, storedTags(input.Tags))
    return {}
  }
})

const UntagResource = operation({
  authorize: 'handler',
  handle (input: { SecretId: string, TagKeys: string[] }, ctx) {
    const context = { 'aws:TagKeys': input.TagKeys }
    const secret = authorizeOn(ctx, 'secretsmanager:UntagResource', input.SecretId, context)
    assertNotDeleted(secret)
    ctx.emulator.tags.untag(secret.arn, input.TagKeys)
    return {}
  }
})

const GetResourcePolicy = operation({
  authorize: 'handler',
  handle (input: { SecretId: string }, ctx) {
    const secret = authorizeOn(ctx, 'secretsmanager:GetResourcePolicy', input.SecretId)
    return { ...idAndName(secret), ResourcePolicy: secret.resourcePolicy }
  }
})

const PutResourcePolicy = operation({
  authorize: 'handler',
  notes: '`BlockPublicPolicy` is accepted and not checked: no policy is refused as public.',
  handle (input: { SecretId: string, ResourcePolicy: string, BlockPublicPolicy?: boolean }, ctx) {
    const context = { 'secretsmanager:BlockPublicPolicy': input.BlockPublicPolicy }
    const secret = authorizeOn(ctx, 'secretsmanager:PutResourcePolicy', input.SecretId, context)
    assertNotDeleted(secret)
    parseResourcePolicy(input.ResourcePolicy)
    secret.resourcePolicy = input.ResourcePolicy
    save(ctx, secret)
    return idAndName(secret)
  }
})

const DeleteResourcePolicy = operation({
  authorize: 'handler',
  handle (input: { SecretId: string }, ctx) {
    const secret = authorizeOn(ctx, 'secretsmanager:DeleteResourcePolicy', input.SecretId)
    assertNotDeleted(secret)
    delete secret.resourcePolicy
    save(ctx, secret)
    return idAndName(secret)
  }
})

export const secretsManagerOperations: Record<string, Operation> = {
  CreateSecret, GetSecretValue, PutSecretValue, DescribeSecret, ListSecrets, UpdateSecret,
  DeleteSecret, RestoreSecret, TagResource, UntagResource, GetResourcePolicy, PutResourcePolicy,
  DeleteResourcePolicy
}

export { secretArn }

export const secretsmanager: Service = {
  name: 'secretsmanager',
  model: 'secretsmanager',
  protocol: 'json',
  signingName: 'secretsmanager',
  actionPrefix: 'secretsmanager',
  targetPrefix: 'secretsmanager',
  checkPatterns: true,
  // Secrets Manager answers framework validation as ValidationException `1 validation error detected: ...`.
  invalidInput: failures => new AwsError('ValidationException', validationMessage(failures)),
  operations: secretsManagerOperations
}
