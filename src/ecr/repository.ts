/**
 * The rules of ECR repositories (their images are in images.ts): names, ARNs and URIs,
 * defaults, repository policies, authorization tokens and the way ECR words its errors.
 * api/ecr only reads parameters and shapes output.
 */
import { randomBytes } from 'node:crypto'
import { AwsError } from '../../api/errors.js'
import type { PolicyDocument, PolicyStatement } from '../iam/policy.js'

export type ImageTagMutability =
  'MUTABLE' | 'IMMUTABLE' | 'IMMUTABLE_WITH_EXCLUSION' | 'MUTABLE_WITH_EXCLUSION'

export interface ImageScanningConfiguration { scanOnPush?: boolean }

export interface EncryptionConfiguration { encryptionType: string, kmsKey?: string }

export interface ImageTagMutabilityExclusionFilter { filterType: string, filter: string }

export interface RepositoryRecord {
  account: string
  region: string
  repositoryName: string
  /** Epoch seconds. */
  createdAt: number
  imageTagMutability: ImageTagMutability
  imageTagMutabilityExclusionFilters?: ImageTagMutabilityExclusionFilter[]
  imageScanningConfiguration: ImageScanningConfiguration
  encryptionConfiguration: EncryptionConfiguration
  policyText?: string
}

export interface ImageIdentifier { imageDigest?: string, imageTag?: string }

/** A GetAuthorizationToken password, as the registry will look it up. */
export interface AuthorizationTokenRecord {
  token: string
  account: string
  region: string
  principalArn: string
  /** Epoch seconds. */
  expiresAt: number
}

const TOKEN_LIFETIME = 12 * 3600

export const repositoryArn = (account: string, region: string, name: string): string =>
  `arn:aws:ecr:${region}:${account}:repository/${name}`

export const registryHost = (account: string, region: string): string =>
  `${account}.dkr.ecr.${region}.amazonaws.com`

/** `HOST/NAME`, HOST the emulator's registry (`127.0.0.1:PORT`, where AWS has registryHost). */
export const repositoryUri = (host: string, name: string): string => `${host}/${name}`

/** The repository an ARN names, or undefined when it is not an ECR repository ARN. */
export function parseRepositoryArn (arn: string):
{ region: string, account: string, name: string } | undefined {
  const m = /^arn:aws[\w-]*:ecr:([^:]+):(\d{12}):repository\/(.+)$/.exec(arn)
  return m === null ? undefined : { region: m[1], account: m[2], name: m[3] }
}

export const ecrErrors = {
  exists: (name: string, registry: string) => new AwsError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${registry}'`),
  notFound: (name: string, registry: string) => new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${registry}'`),
  notEmpty: (name: string, registry: string) => new AwsError('RepositoryNotEmptyException', `The repository with name '${name}' in registry with id '${registry}' cannot be deleted because it still contains images`),
  // (unconfirmed) the wording, from one report with the values elided.
  layersNotFound: (digest: string, name: string, registry: string) => new AwsError('LayersNotFoundException', `The layer with digest ${digest} does not exist within the repository with name '${name}' in the registry with id '${registry}'`),
  policyNotFound: (name: string, registry: string) => new AwsError('RepositoryPolicyNotFoundException', `Repository policy does not exist for the repository with name '${name}' in the registry with id '${registry}'`),
  imageNotFound: (id: ImageIdentifier, name: string, registry: string) => new AwsError('ImageNotFoundException', `The image with imageId {imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'} does not exist within the repository with name '${name}' in the registry with id '${registry}'`),
  invalidPolicy: () => invalidParameter('PolicyText', 'Invalid repository policy provided'),
  // (unconfirmed) AWS's wording for a resourceArn that is not a repository ARN.
  invalidArn: (arn: string) => invalidParameter('resourceArn', `Invalid ARN: ${arn}`)
}

export const invalidParameter = (where: string, rule: string): AwsError =>
  new AwsError('InvalidParameterException', `Invalid parameter at '${where}' failed to satisfy constraint: '${rule}'`)

// The regular expression ECR quotes for a bad repository name (older than the model's pattern).
const NAME_REGEX = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*'

/**
 * ECR words a broken constraint `Invalid parameter at 'WHERE' failed to satisfy constraint:
 * 'RULE'`, one failure at a time; the pipeline's failures are rewritten into that form.
 */
export function invalidInput (failures: string[]): AwsError {
  const failure = /^Value .* at '([^']+)' failed to satisfy constraint: Member (must .*)$/s
  const m = failure.exec(failures[0] ?? '')
  if (m === null) return new AwsError('InvalidParameterException', failures[0] ?? '')
  const [, where, rule] = m
  if (rule.startsWith('must satisfy regular expression pattern: ')) {
    const pattern = where === 'repositoryName'
      ? NAME_REGEX
      // (unconfirmed) for other members AWS quotes the model's pattern.
      : rule.slice('must satisfy regular expression pattern: '.length)
    return invalidParameter(where, `must satisfy regular expression '${pattern}'`)
  }
  // (unconfirmed) the wording of a missing member, an enum or a number out of range.
  return invalidParameter(where, rule)
}

export interface NewRepositoryInput {
  repositoryName: string
  imageTagMutability?: ImageTagMutability
  imageTagMutabilityExclusionFilters?: ImageTagMutabilityExclusionFilter[]
  imageScanningConfiguration?: ImageScanningConfiguration
  encryptionConfiguration?: EncryptionConfiguration
}

export function newRepository (input: NewRepositoryInput, account: string, region: string,
  now: number): RepositoryRecord {
  const repository: RepositoryRecord = {
    account,
    region,
    repositoryName: input.repositoryName,
    createdAt: now,
    imageTagMutability: input.imageTagMutability ?? 'MUTABLE',
    imageScanningConfiguration: {
      scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false
    },
    encryptionConfiguration: input.encryptionConfiguration ?? { encryptionType: 'AES256' }
  }
  if (input.imageTagMutabilityExclusionFilters !== undefined) {
    repository.imageTagMutabilityExclusionFilters = input.imageTagMutabilityExclusionFilters
  }
  return repository
}

/** DeleteRepository refuses a repository that still holds images, unless forced. */
export function assertDeletable (r: RepositoryRecord, imageCount: number, force: boolean): void {
  if (imageCount > 0 && !force) throw ecrErrors.notEmpty(r.repositoryName, r.account)
}

/**
 * Parses a repository policy as SetRepositoryPolicy requires it: JSON with statements, each
 * naming a Principal and no Resource (the repository is the resource). The message is AWS's for
 * a statement with a Resource; (unconfirmed) that AWS gives the same one for bad JSON or no Principal.
 */
export function parseRepositoryPolicy (text: string): PolicyDocument {
  let doc: unknown
  try { doc = JSON.parse(text) } catch { throw ecrErrors.invalidPolicy() }
  const document = doc !== null && typeof doc === 'object' && 'Statement' in doc
  if (!document) throw ecrErrors.invalidPolicy()
  const raw = (doc as PolicyDocument).Statement
  const statements = (Array.isArray(raw) ? raw : [raw]) as unknown[]
  if (statements.length === 0 || !statements.every(validStatement)) throw ecrErrors.invalidPolicy()
  return doc as PolicyDocument
}

function validStatement (s: unknown): boolean {
  if (s === null || typeof s !== 'object') return false
  const st = s as PolicyStatement
  const principal = st.Principal !== undefined || st.NotPrincipal !== undefined
  const action = st.Action !== undefined || st.NotAction !== undefined
  const effect = st.Effect === 'Allow' || st.Effect === 'Deny'
  const resource = st.Resource !== undefined || st.NotResource !== undefined
  return principal && action && effect && !resource
}

/** A new registry password for the caller, valid 12 hours. */
export function newAuthorizationToken (account: string, region: string, principalArn: string,
  now: number): AuthorizationTokenRecord {
  const token = randomBytes(48).toString('base64url')
  return { token, account, region, principalArn, expiresAt: now + TOKEN_LIFETIME }
}

/** The `authorizationToken` of the wire: base64 of `AWS:PASSWORD`, as Docker logs in with. */
export const encodeAuthorizationToken = (t: AuthorizationTokenRecord): string =>
  Buffer.from(`AWS:${t.token}`).toString('base64')
