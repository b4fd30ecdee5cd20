/**
 * Private registry credentials (`repositoryCredentials`, sent as `registryAuthentication` of
 * type `asm`): before any image is pulled, the agent reads each credentials secret with
 * `secretsmanager:GetSecretValue` as the execution role and takes its `username` and
 * `password`, as the ECS agent's asm-auth task resource does (agent/asm/asm.go). A failure
 * stops the task with the agent's text.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager'
import type { AcsTask } from '../acs-task.js'
import { FARGATE_RESOURCES, StartupFailure, isFargate } from './failure.js'
import type { SecretsContext } from './secrets.js'
import { callFailure, goV1, goV2 } from './sdk-errors.js'

export interface RegistryCredentials { username: string, password: string }

/** Per credentials secret (as the definition names it): the registry's user and password. */
export async function resolveRegistryAuth (task: AcsTask,
  ctx: SecretsContext): Promise<Map<string, RegistryCredentials>> {
  const out = new Map<string, RegistryCredentials>()
  for (const c of task.containers) {
    const auth = c.registryAuthentication
    if (auth?.type !== 'asm' || auth.asmAuthData === undefined) continue
    const { credentialsParameter: secretId, region } = auth.asmAuthData
    if (out.has(secretId)) continue
    if (ctx.credentials === undefined) throw new StartupFailure(text(ctx, 'asm resource: unable to find execution role credentials'), [c.name])
    const client = ctx.clients.secretsManager(region ?? ctx.region, ctx.credentials)
    let value: string | undefined
    try {
      value = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString
    } catch (e) {
      const f = callFailure(e, 'Secrets Manager', 'GetSecretValue')
      const sdk = isFargate(ctx.launchType) ? goV1(f) : goV2(f)
      throw new StartupFailure(text(ctx, `asm fetching secret from the service for ${secretId}: ${sdk}`), [c.name])
    } finally {
      client.destroy()
    }
    out.set(secretId, credentialsOf(value, ctx, c.name))
  }
  return out
}

/** The secret's JSON as Go reads it into `{ Username, Password }`: keys match in any case. */
function credentialsOf (value: string | undefined, ctx: SecretsContext, container: string): RegistryCredentials {
  const fail = (detail: string): never => { throw new StartupFailure(text(ctx, detail), [container]) }
  if (value === undefined || value === '') return fail('asm fetching authorization data: empty secrets value')
  let doc: unknown
  try { doc = JSON.parse(value) } catch { doc = undefined }
  // Go reads `null` into the struct as nothing, and refuses any other value that is not an object.
  const fields = doc === null ? {} : typeof doc === 'object' && !Array.isArray(doc) ? doc as Record<string, unknown> : undefined
  const field = (name: string): unknown => {
    if (fields === undefined) return undefined
    if (name in fields) return fields[name]
    const key = Object.keys(fields).find(k => k.toLowerCase() === name.toLowerCase())
    return key === undefined ? undefined : fields[key]
  }
  const [username, password] = [field('Username'), field('Password')]
  const typed = (v: unknown) => v === undefined || v === null || typeof v === 'string'
  if (fields === undefined || !typed(username) || !typed(password)) {
    return fail('asm fetching authorization data: unable to unmarshal secret value, invalid schema')
  }
  if (username === undefined || username === null || username === '') return fail('asm fetching username: AuthorizationData is malformed, empty field')
  if (password === undefined || password === null || password === '') return fail('asm fetching password: AuthorizationData is malformed, empty field')
  return { username: username as string, password: password as string }
}

/** On EC2 the agent's text as it is; Fargate's resource prefix before it (unconfirmed). */
const text = (ctx: SecretsContext, detail: string): string =>
  isFargate(ctx.launchType) ? `${FARGATE_RESOURCES}unable to retrieve registry auth from asm: ${detail}` : detail
