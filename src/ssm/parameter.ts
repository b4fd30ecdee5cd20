/**
 * The rules of SSM Parameter Store: names and ARNs, versions, selectors, SecureString
 * masking, and the public parameters AWS publishes under /aws/service/. api/ssm only reads
 * parameters and shapes output.
 */
import { createHash } from 'node:crypto'
import { AwsError } from '../../api/errors.js'

export type ParameterType = 'String' | 'StringList' | 'SecureString'

export interface ParameterVersion {
  version: number
  value: string
  type: ParameterType
  description?: string
  keyId?: string
  allowedPattern?: string
  dataType: string
  lastModified: number
  lastModifiedUser: string
}

export interface ParameterRecord {
  account: string
  region: string
  name: string
  /** Oldest first; the last is the current version. */
  versions: ParameterVersion[]
}

export const ssmErrors = {
  notFound: () => new AwsError('ParameterNotFound', ''),
  exists: () => new AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.'),
  // (unconfirmed) AWS's wording for a version the parameter never had.
  versionNotFound: (name: string, selector: string) => new AwsError('ParameterVersionNotFound', `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`),
  validation: (message: string) => new AwsError('ValidationException', message),
  // (unconfirmed) the message of InvalidResourceId for a parameter that does not exist.
  invalidResourceId: () => new AwsError('InvalidResourceId', ''),
  invalidResourceType: () => new AwsError('InvalidResourceType', '')
}

const DEFAULT_KEY = 'alias/aws/ssm'

/** `arn:aws:ssm:REGION:ACCT:parameter/NAME`, a leading `/` of the name dropped. */
export const parameterArn = (account: string, region: string, name: string): string =>
  `arn:aws:ssm:${region}:${account}:parameter/${name.replace(/^\//, '')}`

/** A Name as GetParameter takes it: a name or an ARN, with an optional `:version` selector. */
export function parseName (input: string): { name: string, selector?: string } {
  const arn = /^arn:aws[\w-]*:ssm:[^:]*:\d*:parameter\/(.+)$/.exec(input)
  const bare = arn === null ? input : (arn[1].includes('/') ? `/${arn[1]}` : arn[1])
  const at = bare.lastIndexOf(':')
  if (at <= 0) return { name: bare }
  return { name: bare.slice(0, at), selector: bare.slice(at + 1) }
}

/** The rules PutParameter applies to a new name. */
export function checkName (name: string): void {
  if (name.includes('/') && !name.startsWith('/')) {
    throw ssmErrors.validation('Parameter name must be a fully qualified name.')
  }
  // (unconfirmed) that a reserved prefix answers this ValidationException rather than AccessDenied.
  const first = name.replace(/^\//, '').split('/')[0].toLowerCase()
  const pathOk = name.replace(/^\//, '').split('/').every(p => /^[a-zA-Z0-9_.-]+$/.test(p))
  if (first.startsWith('aws') || first.startsWith('ssm') || !pathOk) {
    throw ssmErrors.validation('Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_')
  }
}

export interface PutParameterRequest {
  Name: string
  Value: string
  Type?: ParameterType
  Description?: string
  KeyId?: string
  Overwrite?: boolean
  AllowedPattern?: string
  DataType?: string
  Tags?: { Key: string, Value: string }[]
}

/** The parameter after PutParameter, or the error AWS gives for it. */
export function putParameter (existing: ParameterRecord | undefined, input: PutParameterRequest,
  scope: { account: string, region: string, user: string, now: number }): ParameterRecord {
  checkName(input.Name)
  if (input.Overwrite === true && (input.Tags ?? []).length > 0) {
    // (unconfirmed) exact wording.
    throw ssmErrors.validation('Invalid request: tags and overwrite can\'t be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.')
  }
  if (existing !== undefined && input.Overwrite !== true) throw ssmErrors.exists()
  const previous = existing?.versions.at(-1)
  const type = input.Type ?? previous?.type
  // (unconfirmed) the message when a new parameter has no Type.
  if (type === undefined) throw ssmErrors.validation('A parameter type is required when you create a parameter.')
  if (input.AllowedPattern !== undefined && !new RegExp(input.AllowedPattern).test(input.Value)) {
    throw new AwsError('ParameterPatternMismatchException', `Parameter value, cannot be validated against allowedPattern: ${input.AllowedPattern}`)
  }
  const version: ParameterVersion = {
    version: (previous?.version ?? 0) + 1,
    value: input.Value,
    type,
    description: input.Description ?? previous?.description,
    keyId: type === 'SecureString' ? (input.KeyId ?? previous?.keyId ?? DEFAULT_KEY) : undefined,
    allowedPattern: input.AllowedPattern ?? previous?.allowedPattern,
    dataType: input.DataType ?? previous?.dataType ?? 'text',
    lastModified: scope.now,
    lastModifiedUser: scope.user
  }
  const versions = [...(existing?.versions ?? []), version].slice(-100)
  return { account: scope.account, region: scope.region, name: input.Name, versions }
}

/** The version a selector (`:3`) picks, the current one without a selector. */
export function selectVersion (p: ParameterRecord, selector?: string): ParameterVersion {
  if (selector === undefined) return p.versions.at(-1)!
  const numbered = /^\d+$/.test(selector)
  const found = numbered ? p.versions.find(v => v.version === Number(selector)) : undefined
  if (found === undefined) throw ssmErrors.versionNotFound(p.name, selector)
  return found
}

/**
 * What a SecureString reads as without WithDecryption: AWS returns the KMS ciphertext, base64.
 * The emulator answers a stable stand-in that does not reveal the value.
 */
export function maskedValue (p: ParameterRecord, v: ParameterVersion): string {
  const digest = createHash('sha256')
    .update(`${p.account}:${p.name}:${v.version}:${v.value}`).digest()
  return Buffer.concat([Buffer.from('AQICAH'), digest, digest]).toString('base64')
}

/** Whether `name` is under `path` (`/a/b` under `/a`), directly unless `recursive`. */
export function underPath (name: string, path: string, recursive: boolean): boolean {
  const prefix = path.endsWith('/') ? path : `${path}/`
  if (!name.startsWith(prefix)) return false
  return recursive || !name.slice(prefix.length).includes('/')
}

// Public parameters -------------------------------------------------------------------------

const ECS_AMI_ROOT = '/aws/service/ecs/optimized-ami/'
const VARIANTS: Record<string, { os: string, image: string, version: string }> = {
  'amazon-linux-2': {
    os: 'Amazon Linux 2', image: 'amzn2-ami-ecs-hvm-2.0.20250101-x86_64-ebs', version: '2.0.20250101'
  },
  'amazon-linux-2023': {
    os: 'Amazon Linux 2023',
    image: 'al2023-ami-ecs-hvm-2023.0.20250101-kernel-6.1-x86_64',
    version: '2023.0.20250101'
  }
}
const PUBLISHED = 1_735_689_600 // 2025-01-01T00:00:00Z

/** A stable fake ECS-optimized AMI id for a region and a variant (`amazon-linux-2`, ...2023). */
export function ecsOptimizedAmi (region: string, variant = 'amazon-linux-2'): string {
  return 'ami-' + createHash('sha256').update(`${region}/${variant}`).digest('hex').slice(0, 17)
}

export interface PublicParameter {
  name: string
  arn: string
  value: string
  dataType: string
  version: number
  lastModified: number
}

/** The public parameter `name` names in `region`, if it is one the emulator publishes. */
export function publicParameter (name: string, region: string): PublicParameter | undefined {
  if (!name.startsWith(ECS_AMI_ROOT)) return undefined
  const m = /^([a-z0-9-]+)\/recommended(\/image_id)?$/.exec(name.slice(ECS_AMI_ROOT.length))
  const variant = m === null ? undefined : VARIANTS[m[1]]
  if (m === null || variant === undefined) return undefined
  const imageId = ecsOptimizedAmi(region, m[1])
  const value = m[2] !== undefined
    ? imageId
    : JSON.stringify({
      ecs_agent_version: '1.89.2',
      ecs_runtime_version: 'Docker version 25.0.8',
      image_id: imageId,
      image_name: variant.image,
      image_version: variant.version,
      os: variant.os,
      schema_version: 1,
      source_image_name: variant.image.replace('-ecs-', '-minimal-')
    })
  return {
    name,
    arn: `arn:aws:ssm:${region}::parameter${name}`,
    value,
    dataType: m[2] !== undefined ? 'aws:ec2:image' : 'text',
    version: 1,
    lastModified: PUBLISHED
  }
}
