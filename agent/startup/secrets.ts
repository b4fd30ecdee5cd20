/**
 * Container secrets (`secrets[]` and a log configuration's `secretOptions`), fetched as the
 * execution role before any container is created: Parameter Store with `ssm:GetParameters`
 * (batches of ten names or ARNs per region, decrypted), Secrets Manager with
 * `secretsmanager:GetSecretValue` (`valueFrom` an ARN, optionally with
 * `:json-key:version-stage:version-id`). A failure stops the task with the agent's text.
 */
import { GetParametersCommand, type Parameter } from '@aws-sdk/client-ssm'
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager'
import type { AcsSecret, AcsTask } from '../acs-task.js'
import type { ClientFactory, CredentialSource } from './clients.js'
import { FARGATE_RESOURCES, StartupFailure, isFargate, type LaunchType } from './failure.js'
import { callFailure, goV1, goV2, isCode, type CallFailure } from './sdk-errors.js'

export interface SecretsContext {
  clients: ClientFactory
  /** The execution role's credentials; undefined when the task has no execution role. */
  credentials?: CredentialSource
  /** The task's region: where a secret named without an ARN lives. */
  region: string
  launchType: LaunchType | undefined
}

/** Per container name: the environment variables and the log driver options secrets give. */
export interface ResolvedSecrets {
  environment: Map<string, Record<string, string>>
  logOptions: Map<string, Record<string, string>>
}

interface Wanted { container: string, secret: AcsSecret }

export async function resolveSecrets (task: AcsTask,
  ctx: SecretsContext): Promise<ResolvedSecrets> {
  const wanted = task.containers.flatMap(c => (c.secrets ?? [])
    .filter(s => s.type === undefined || s.type === 'ENVIRONMENT_VARIABLE' || s.type === 'ENVIRONMENT')
    .map(secret => ({ container: c.name, secret })))
  const out: ResolvedSecrets = { environment: new Map(), logOptions: new Map() }
  if (wanted.length === 0) return out

  const ssm = wanted.filter(w => w.secret.provider === 'ssm')
  const asm = wanted.filter(w => w.secret.provider !== 'ssm')
  if (ctx.credentials === undefined) {
    throw new StartupFailure(ssm.length > 0
      ? 'ssm secret resource: unable to find execution role credentials'
      : 'ASM secret resource: unable to find execution role credentials')
  }
  const [fromSsm, fromAsm] = await Promise.all([
    settle(fetchParameters(ssm, ctx, ctx.credentials)),
    settle(fetchSecrets(asm, ctx, ctx.credentials))
  ])
  const failed = [fromSsm, fromAsm].find(r => r instanceof StartupFailure)
  if (failed !== undefined) throw failed

  const values = [...fromSsm as string[], ...fromAsm as string[]]
  for (const [i, w] of [...ssm, ...asm].entries()) {
    const value = values[i]
    const target = w.secret.target === 'LOG_DRIVER' ? out.logOptions : out.environment
    const vars = target.get(w.container) ?? {}
    vars[w.secret.name] = value
    target.set(w.container, vars)
  }
  return out
}

async function settle<T> (p: Promise<T>): Promise<T | StartupFailure> {
  try {
    return await p
  } catch (e) {
    if (e instanceof StartupFailure) return e
    throw e
  }
}

// --- Parameter Store --------------------------------------------------------------------------

const SSM_BATCH = 10

/** The values, in the order of `wanted`. */
async function fetchParameters (wanted: Wanted[], ctx: SecretsContext,
  credentials: CredentialSource): Promise<string[]> {
  const byRegion = new Map<string, Set<string>>()
  for (const w of wanted) {
    const region = secretRegion(w.secret, ctx.region)
    byRegion.set(region, (byRegion.get(region) ?? new Set()).add(w.secret.valueFrom))
  }
  const found = new Map<string, string>()
  const problems: string[] = []
  await Promise.all([...byRegion].map(async ([region, names]) => {
    const problem = await fetchRegion(region, [...names], ctx, credentials, found)
    if (problem !== undefined) problems.push(problem)
  }))
  // The agent joins the failures of its regions with ';' (agent/taskresource/ssmsecret).
  if (problems.length > 0) {
    throw new StartupFailure(isFargate(ctx.launchType) ? problems[0] : problems.join(';'))
  }
  return wanted.map(w => found.get(`${secretRegion(w.secret, ctx.region)}\n${w.secret.valueFrom}`) ?? '')
}

async function fetchRegion (region: string, names: string[], ctx: SecretsContext,
  credentials: CredentialSource, found: Map<string, string>): Promise<string | undefined> {
  const client = ctx.clients.ssm(region, credentials)
  try {
    for (let i = 0; i < names.length; i += SSM_BATCH) {
      const batch = names.slice(i, i + SSM_BATCH)
      let out
      try {
        out = await client.send(new GetParametersCommand({ Names: batch, WithDecryption: true }))
      } catch (e) {
        return ssmDenied(callFailure(e, 'SSM', 'GetParameters'), region, ctx.launchType)
      }
      if ((out.InvalidParameters ?? []).length > 0) {
        return ssmInvalid(out.InvalidParameters!, region, ctx.launchType)
      }
      for (const name of batch) {
        const p = (out.Parameters ?? []).find(p => sameParameter(p, name))
        found.set(`${region}\n${name}`, p?.Value ?? '')
      }
    }
    return undefined
  } finally {
    client.destroy()
  }
}

/** A parameter asked for by name (`/a/b`, `a`, `name:selector`) or by ARN. */
function sameParameter (p: Parameter, asked: string): boolean {
  if (p.Name === asked || p.ARN === asked) return true
  const arn = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(asked)
  const name = (arn?.[1] ?? asked).replace(/:[^/:]*$/, '')
  const bare = (n: string) => n.replace(/^\//, '')
  return p.Name !== undefined && bare(p.Name) === bare(name)
}

function ssmDenied (f: CallFailure, region: string, launchType: LaunchType | undefined): string {
  if (isFargate(launchType)) {
    return `${FARGATE_RESOURCES}unable to retrieve secrets from ssm: service call has been retried 1 time(s): ${goV1(f)}`
  }
  return `fetching secret data from SSM Parameter Store in ${region}: ${goV2(f)}`
}

function ssmInvalid (names: string[], region: string, launchType: LaunchType | undefined): string {
  if (isFargate(launchType)) {
    return `${FARGATE_RESOURCES}unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: ${names.join(',')}`
  }
  return `fetching secret data from SSM Parameter Store in ${region}: invalid parameters: ${names.join(',')}`
}

// --- Secrets Manager --------------------------------------------------------------------------

export interface SecretReference {
  SecretId: string
  VersionStage?: string
  VersionId?: string
  jsonKey?: string
}

/**
 * `valueFrom` as ECS reads it: a secret ARN (full, or partial without the six-character
 * suffix), optionally followed by `:json-key:version-stage:version-id` where every member may
 * be empty but all three colons are present; a bare name or partial ARN is passed as it is.
 * Undefined for an ARN with another number of members (the agent refuses those).
 */
export function parseSecretReference (valueFrom: string): SecretReference | undefined {
  if (!valueFrom.startsWith('arn:')) return { SecretId: valueFrom }
  const parts = valueFrom.split(':')
  const resource = parts.slice(5)
  if (parts.length < 7 || resource[0] !== 'secret') return undefined
  if (resource.length === 2) return { SecretId: valueFrom }
  if (resource.length !== 5) return undefined
  const orUndefined = (s: string) => s === '' ? undefined : s
  return {
    SecretId: [...parts.slice(0, 5), 'secret', resource[1]].join(':'),
    jsonKey: orUndefined(resource[2]),
    VersionStage: orUndefined(resource[3]),
    VersionId: orUndefined(resource[4])
  }
}

async function fetchSecrets (wanted: Wanted[], ctx: SecretsContext,
  credentials: CredentialSource): Promise<string[]> {
  const results = await Promise.all(wanted.map(async w =>
    await settle(fetchSecret(w.secret, ctx, credentials))))
  const problems = results.filter((r): r is StartupFailure => r instanceof StartupFailure)
  if (problems.length > 0) {
    throw new StartupFailure(isFargate(ctx.launchType)
      ? problems[0].reason
      : problems.map(p => p.reason).join(';'))
  }
  return results as string[]
}

async function fetchSecret (secret: AcsSecret, ctx: SecretsContext,
  credentials: CredentialSource): Promise<string> {
  const ref = parseSecretReference(secret.valueFrom)
  if (ref === undefined) {
    throw new StartupFailure(asmText(ctx.launchType, `trying to retrieve secret with value ${secret.valueFrom} resulted in error: an invalid ARN format for the AWS Secrets Manager secret was specified. Specify a valid ARN and try again.`))
  }
  const client = ctx.clients.secretsManager(secretRegion(secret, ctx.region), credentials)
  let out
  try {
    out = await client.send(new GetSecretValueCommand({
      SecretId: ref.SecretId, VersionStage: ref.VersionStage, VersionId: ref.VersionId
    }))
  } catch (e) {
    const f = callFailure(e, 'Secrets Manager', 'GetSecretValue')
    throw new StartupFailure(asmDenied(f, ref.SecretId, ctx.launchType))
  } finally {
    client.destroy()
  }
  if (ref.jsonKey === undefined) return out.SecretString ?? ''
  return jsonValue(out.SecretString ?? '', ref.jsonKey, ctx.launchType)
}

function jsonValue (text: string, key: string, launchType: LaunchType | undefined): string {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    // (unconfirmed) the agent passes Go's JSON error on; this is JavaScript's wording of it.
    throw new StartupFailure(asmText(launchType, (e as Error).message))
  }
  const value = doc !== null && typeof doc === 'object'
    ? (doc as Record<string, unknown>)[key]
    : undefined
  if (value === undefined) {
    throw new StartupFailure(asmText(launchType, `retrieved secret from Secrets Manager did not contain json key ${key}`))
  }
  // (unconfirmed) Go's %v of a nested object or array differs; it is given here as JSON.
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

function asmDenied (f: CallFailure, secretId: string, launchType: LaunchType | undefined): string {
  if (isFargate(launchType)) {
    return asmText(launchType, `failed to fetch secret ${secretId} from secrets manager: ${goV1(f)}`)
  }
  const sdk = goV2(f)
  // agent/asm/asm.go: the augmented message, then the SDK error again (errors.Wrap).
  if (isCode(f, 'ResourceNotFoundException')) {
    return `ResourceNotFoundException: The task can't retrieve the secret with ARN '${secretId}' from AWS Secrets Manager. Check whether the secret exists in the specified Region: ${sdk}`
  }
  return `secret ${secretId}: ${sdk}: ${sdk}`
}

/** Fargate words every Secrets Manager failure under its resource prefix; the agent bare. */
function asmText (launchType: LaunchType | undefined, detail: string): string {
  if (!isFargate(launchType)) return detail
  return `${FARGATE_RESOURCES}unable to retrieve secret from asm: service call has been retried 1 time(s): ${detail}`
}

/** The secret's own region, else its ARN's, else the task's. */
function secretRegion (secret: AcsSecret, taskRegion: string): string {
  if (secret.region !== undefined && secret.region !== '') return secret.region
  const fromArn = secret.valueFrom.startsWith('arn:') ? secret.valueFrom.split(':')[3] : ''
  return fromArn !== undefined && fromArn !== '' ? fromArn : taskRegion
}
