/**
 * The rules of Secrets Manager secrets: names and ARNs, versions and their staging labels,
 * scheduled deletion. api/secretsmanager only reads parameters and shapes output.
 */
import { randomInt, randomUUID } from 'node:crypto'
import { AwsError } from '../../api/errors.js'
import type { WireTag } from '../../store/tags.js'

export interface SecretVersion {
  versionId: string
  secretString?: string
  /** Base64, as the wire carries it. */
  secretBinary?: string
  created: number
  stages: string[]
}

export interface SecretRecord {
  account: string
  region: string
  name: string
  arn: string
  description?: string
  kmsKeyId?: string
  created: number
  lastChanged: number
  lastAccessed?: number
  /** When DeleteSecret was called; the secret answers nothing but Describe/Restore until then. */
  deleted?: number
  /** When the secret goes for good. */
  deletionDate?: number
  resourcePolicy?: string
  /** In creation order. */
  versions: SecretVersion[]
}

export interface SecretValueInput {
  SecretString?: string
  SecretBinary?: string
  ClientRequestToken?: string
}

const CURRENT = 'AWSCURRENT'
const PREVIOUS = 'AWSPREVIOUS'
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const DAY = 86_400

export const secretErrors = {
  notFound: () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
  exists: (name: string) => new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`),
  stageNotFound: (stage: string) => new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${stage}`),
  versionNotFound: (id: string) => new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${id}`),
  markedForDeletion: () => new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion."),
  // (unconfirmed) the wording AWS uses when a second DeleteSecret finds the secret scheduled.
  alreadyScheduled: () => new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was already scheduled for deletion."),
  nameScheduled: () => new AwsError('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion."),
  bothValues: () => new AwsError('InvalidParameterException', "You can't specify both a binary secret value and a string secret value in the same secret."),
  noValue: () => new AwsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.'),
  versionExists: () => new AwsError('ResourceExistsException', "You can't modify an existing version, you can only create a new version."),
  invalid: (message: string) => new AwsError('InvalidParameterException', message)
}

export const secretArn = (account: string, region: string, name: string,
  suffix = randomSuffix()): string =>
  `arn:aws:secretsmanager:${region}:${account}:secret:${name}-${suffix}`

const randomSuffix = (): string =>
  Array.from({ length: 6 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('')

/** The name a SecretId refers to: a name, a full ARN or a partial ARN (no `-XXXXXX`). */
export function secretIdName (secretId: string): { name: string, arn?: string } {
  const m = /^arn:aws[\w-]*:secretsmanager:[^:]*:\d*:secret:(.+)$/.exec(secretId)
  return m === null ? { name: secretId } : { name: m[1], arn: secretId }
}

/** Finds the secret a SecretId names among `lookup(name)` candidates. */
export function findSecret (secretId: string, lookup: (name: string) => SecretRecord | undefined,
  nowSeconds: number): SecretRecord | undefined {
  const { name, arn } = secretIdName(secretId)
  const exact = lookup(name)
  const full = arn === undefined ? undefined : /^(.+)-[A-Za-z0-9]{6}$/.exec(name)?.[1]
  const found = exact ?? (full === undefined ? undefined : lookup(full))
  if (found === undefined || purged(found, nowSeconds)) return undefined
  if (arn !== undefined && found.arn !== arn && exact === undefined) return undefined
  return found
}

/** Whether a scheduled deletion has come due: the secret no longer exists. */
export const purged = (s: SecretRecord, nowSeconds: number): boolean =>
  s.deletionDate !== undefined && s.deletionDate <= nowSeconds

export function assertNotDeleted (s: SecretRecord): void {
  if (s.deleted !== undefined) throw secretErrors.markedForDeletion()
}

export interface NewSecretInput extends SecretValueInput {
  Name: string
  Description?: string
  KmsKeyId?: string
}

export function newSecret (input: NewSecretInput, account: string, region: string,
  now: number): SecretRecord {
  const secret: SecretRecord = {
    account,
    region,
    name: input.Name,
    arn: secretArn(account, region, input.Name),
    description: input.Description,
    kmsKeyId: input.KmsKeyId,
    created: now,
    lastChanged: now,
    versions: []
  }
  if (hasValue(input)) addVersion(secret, input, undefined, now)
  return secret
}

export const hasValue = (v: SecretValueInput): boolean =>
  v.SecretString !== undefined || v.SecretBinary !== undefined

export function checkValue (v: SecretValueInput): void {
  if (v.SecretString !== undefined && v.SecretBinary !== undefined) throw secretErrors.bothValues()
}

/**
 * Adds a version (or finds the identical one a repeated token names) and moves the labels:
 * AWSCURRENT to the new version unless `stages` says otherwise, the old AWSCURRENT becoming
 * AWSPREVIOUS.
 */
export function addVersion (s: SecretRecord, v: SecretValueInput, stages: string[] | undefined,
  now: number): SecretVersion {
  checkValue(v)
  const versionId = v.ClientRequestToken ?? randomUUID()
  const existing = s.versions.find(x => x.versionId === versionId)
  if (existing !== undefined) {
    const same = existing.secretString === v.SecretString && existing.secretBinary === v.SecretBinary
    if (same) return existing
    throw secretErrors.versionExists()
  }
  const labels = stages ?? [CURRENT]
  const version: SecretVersion = { versionId, created: now, stages: [] }
  if (v.SecretString !== undefined) version.secretString = v.SecretString
  if (v.SecretBinary !== undefined) version.secretBinary = v.SecretBinary
  if (labels.includes(CURRENT)) {
    const current = s.versions.find(x => x.stages.includes(CURRENT))
    moveLabel(s, PREVIOUS, current)
    moveLabel(s, CURRENT, undefined)
  }
  s.versions.push(version)
  for (const label of labels) moveLabel(s, label, version)
  s.lastChanged = now
  return version
}

function moveLabel (s: SecretRecord, label: string, to: SecretVersion | undefined): void {
  for (const v of s.versions) v.stages = v.stages.filter(x => x !== label)
  if (to !== undefined && !to.stages.includes(label)) to.stages.push(label)
}

/** The version GetSecretValue answers: by id, by label, by both, AWSCURRENT by default. */
export function selectVersion (s: SecretRecord, versionId?: string, stage?: string): SecretVersion {
  if (versionId !== undefined) {
    const v = s.versions.find(x => x.versionId === versionId)
    if (v === undefined) throw secretErrors.versionNotFound(versionId)
    // (unconfirmed) the message when both are given and the version lacks the label.
    if (stage !== undefined && !v.stages.includes(stage)) throw secretErrors.stageNotFound(stage)
    return v
  }
  const label = stage ?? CURRENT
  const v = s.versions.find(x => x.stages.includes(label))
  if (v === undefined) throw secretErrors.stageNotFound(label)
  return v
}

/** VersionIdsToStages: only the versions that hold a label. */
export function versionsToStages (s: SecretRecord): Record<string, string[]> | undefined {
  const labelled = s.versions.filter(v => v.stages.length > 0)
  if (labelled.length === 0) return undefined
  return Object.fromEntries(labelled.map(v => [v.versionId, [...v.stages]]))
}

export interface DeleteSecretRequest {
  SecretId: string
  RecoveryWindowInDays?: number
  ForceDeleteWithoutRecovery?: boolean
}

/** Schedules the deletion; returns the date it takes effect (now when forced). */
export function scheduleDeletion (s: SecretRecord, input: DeleteSecretRequest,
  now: number): number {
  const force = input.ForceDeleteWithoutRecovery === true
  if (force && input.RecoveryWindowInDays !== undefined) {
    throw secretErrors.invalid("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
  }
  const days = input.RecoveryWindowInDays ?? 30
  if (!force && (days < 7 || days > 30)) {
    // (unconfirmed) AWS's wording for a window outside 7-30.
    throw secretErrors.invalid('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).')
  }
  if (s.deleted !== undefined && !force) throw secretErrors.alreadyScheduled()
  s.deleted = now
  s.deletionDate = force ? now : now + days * DAY
  return s.deletionDate
}

export function restore (s: SecretRecord): void {
  delete s.deleted
  delete s.deletionDate
}

/** ListSecrets filters: each key's values match by prefix, `!` negates; keys combine with AND. */
export function matchesFilters (s: SecretRecord, tags: WireTag[],
  filters: { Key?: string, Values?: string[] }[]): boolean {
  return filters.every(f => {
    const fields = filterFields(s, tags, f.Key)
    const values = f.Values ?? []
    const positive = values.filter(v => !v.startsWith('!'))
    const negative = values.filter(v => v.startsWith('!')).map(v => v.slice(1))
    const hit = (p: string) => fields.some(x => x.toLowerCase().startsWith(p.toLowerCase()))
    return (positive.length === 0 || positive.some(hit)) && !negative.some(hit)
  })
}

function filterFields (s: SecretRecord, tags: WireTag[], key?: string): string[] {
  switch (key) {
    case 'name': return [s.name]
    case 'description': return s.description === undefined ? [] : [s.description]
    case 'tag-key': return tags.map(t => t.key)
    case 'tag-value': return tags.map(t => t.value)
    case 'primary-region': return []
    case 'owning-service': return []
    default: return [s.name, s.description ?? '', ...tags.flatMap(t => [t.key, t.value])]
  }
}

/** Parses a resource policy, as PutResourcePolicy requires it to parse. */
export function parseResourcePolicy (text: string): object {
  try {
    const doc = JSON.parse(text) as unknown
    if (doc !== null && typeof doc === 'object' && 'Statement' in doc) return doc
  } catch {}
  // (unconfirmed) AWS's wording for a policy that does not parse.
  throw new AwsError('MalformedPolicyDocumentException', 'This resource policy contains a syntax error.')
}
