/**
 * The rules of STS: who may assume a role, for how long, with which session policies and tags,
 * and the temporary credentials that result. api/sts only reads parameters and shapes output.
 */
import { AwsError } from '../../api/errors.js'
import type { OperationContext } from '../../api/registry.js'
import type { SessionRecord } from '../../store/sts.js'
import type { Tag } from '../iam/directory.js'
import type { PolicyDocument, RequestContext } from '../iam/policy.js'
import * as ids from '../iam/ids.js'
import type { Emulator } from '../emulator.js'

export interface AssumeRoleRequest {
  RoleArn: string
  RoleSessionName: string
  DurationSeconds?: number
  Policy?: string
  PolicyArns?: { arn?: string }[]
  Tags?: Tag[]
  TransitiveTagKeys?: string[]
  ExternalId?: string
  SourceIdentity?: string
}

const HOUR = 3600
const POLICY_SPACE = 2048 // characters of packed policy and tags that make 100%

export function assumeRole (input: AssumeRoleRequest, ctx: OperationContext): SessionRecord {
  const caller = ctx.principal
  if (caller.type === 'root') {
    throw new AwsError('AccessDenied', 'Roles may not be assumed by root accounts.', 403)
  }
  const roleName = roleNameOf(input.RoleArn)
  const account = input.RoleArn.split(':')[4]
  const role = roleName === undefined ? undefined : ctx.emulator.iam.role(account, roleName)
  // A role that does not exist has no trust policy: nothing can allow the assumption.
  const trust = [{ kind: 'trust' as const, id: input.RoleArn, document: role?.assumeRolePolicyDocument ?? { Statement: [] } }]
  const context = requestContext(input)
  try {
    ctx.authorize({ action: 'sts:AssumeRole', resource: input.RoleArn, context, resourcePolicies: trust })
  } catch (e) {
    // (unconfirmed) For a role that does not exist STS answers in the older form, with the
    // resource and without a reason, so that it does not tell whether the role exists.
    if (role !== undefined || !(e instanceof AwsError)) throw e
    const error = new AwsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`, 403)
    error.decisionId = e.decisionId
    throw error
  }
  if (input.Tags !== undefined && input.Tags.length > 0) {
    ctx.authorize({ action: 'sts:TagSession', resource: input.RoleArn, context: tagContext(input), resourcePolicies: trust })
  }
  if (input.SourceIdentity !== undefined) {
    ctx.authorize({ action: 'sts:SetSourceIdentity', resource: input.RoleArn, context: { 'sts:SourceIdentity': input.SourceIdentity }, resourcePolicies: trust })
  }
  if (role === undefined) {
    // Only reachable under --iam soft: an absent role has no trust policy that could allow.
    throw new AwsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`, 403)
  }

  const chained = caller.type === 'assumed-role'
  const duration = input.DurationSeconds ?? HOUR
  if (chained && duration > HOUR) {
    throw validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.')
  }
  if (duration > role.maxSessionDuration) {
    throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.')
  }
  const policies = sessionPolicies(input, ctx)
  return {
    ...credentials(ctx.now, duration),
    account: role.account,
    kind: 'assumed-role',
    roleArn: role.arn,
    roleName: role.roleName,
    roleId: role.roleId,
    roleSessionName: input.RoleSessionName,
    sourceIdentity: input.SourceIdentity,
    policies,
    tags: input.Tags ?? [],
    chained
  }
}

export function getSessionToken (durationSeconds: number | undefined, ctx: OperationContext): SessionRecord {
  const caller = ctx.principal
  if (caller.type === 'assumed-role') {
    throw new AwsError('AccessDenied', 'Cannot call GetSessionToken with session credentials', 403)
  }
  ctx.authorize({ action: 'sts:GetSessionToken', resource: '*' })
  const max = caller.type === 'root' ? HOUR : 36 * HOUR
  const duration = Math.min(durationSeconds ?? 12 * HOUR, max)
  return {
    ...credentials(ctx.now, duration),
    account: caller.account,
    kind: 'session-token',
    userName: caller.userName,
    policies: [],
    tags: [],
    chained: false
  }
}

/** What the packed policy and tags take of the space AWS allots them, in percent. */
export function packedPolicySize (input: AssumeRoleRequest): number | undefined {
  if (input.Policy === undefined && (input.PolicyArns ?? []).length === 0 && (input.Tags ?? []).length === 0) {
    return undefined
  }
  const tagChars = (input.Tags ?? []).reduce((n, t) => n + t.Key.length + t.Value.length, 0)
  const chars = (input.Policy ?? '').replace(/\s+/g, '').length + tagChars + (input.PolicyArns ?? []).length * 64
  return Math.max(1, Math.ceil((chars * 100) / POLICY_SPACE))
}

function sessionPolicies (input: AssumeRoleRequest, ctx: OperationContext): SessionRecord['policies'] {
  const size = packedPolicySize(input)
  if (size !== undefined && size > 100) {
    throw new AwsError('PackedPolicyTooLarge', `Packed policy consumes ${size}% of allotted space, please use smaller policy for this operation.`)
  }
  const out: SessionRecord['policies'] = []
  if (input.Policy !== undefined) out.push({ id: 'session-policy', document: parsePolicy(input.Policy) })
  for (const { arn } of input.PolicyArns ?? []) {
    const document = arn === undefined ? undefined : ctx.emulator.iam.managedPolicyDocument(arn)
    if (document === undefined) {
      throw new AwsError('InvalidParameterValue', `Policy ${arn} does not exist or is not attachable.`)
    }
    out.push({ id: arn!, document })
  }
  return out
}

function parsePolicy (text: string): PolicyDocument {
  try {
    const doc = JSON.parse(text) as PolicyDocument
    if (doc === null || typeof doc !== 'object' || doc.Statement === undefined) throw new Error('no Statement')
    return doc
  } catch {
    throw new AwsError('MalformedPolicyDocument', 'The policy is not in the valid JSON format.')
  }
}

function requestContext (input: AssumeRoleRequest): RequestContext {
  const context: RequestContext = { 'sts:RoleSessionName': input.RoleSessionName }
  if (input.ExternalId !== undefined) context['sts:ExternalId'] = input.ExternalId
  if (input.SourceIdentity !== undefined) context['sts:SourceIdentity'] = input.SourceIdentity
  return { ...context, ...tagContext(input) }
}

function tagContext (input: AssumeRoleRequest): RequestContext {
  const context: RequestContext = {}
  if (input.Tags !== undefined && input.Tags.length > 0) {
    for (const t of input.Tags) context[`aws:RequestTag/${t.Key}`] = t.Value
    context['aws:TagKeys'] = input.Tags.map(t => t.Key)
  }
  if (input.TransitiveTagKeys !== undefined) context['sts:TransitiveTagKeys'] = input.TransitiveTagKeys
  return context
}

function credentials (now: Date, seconds: number): Pick<SessionRecord,
  'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'expiration'> {
  return {
    accessKeyId: ids.accessKeyId(true),
    secretAccessKey: ids.secretAccessKey(),
    sessionToken: ids.sessionToken(),
    expiration: Math.floor(now.getTime() / 1000) + seconds
  }
}

/** `arn:aws:iam::ACCT:role/PATH/NAME` → NAME. */
function roleNameOf (arn: string): string | undefined {
  const m = /^arn:aws:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(arn)
  return m?.[1]
}

const validation = (message: string): AwsError => new AwsError('ValidationError', message)

/** What the control plane names when it assumes a role for an AWS service (ECS for a task). */
export interface ServiceAssumption {
  roleArn: string
  /** The service principal the trust policy must name, e.g. `ecs-tasks.amazonaws.com`. */
  service: string
  /** The session name: for task roles, the task id. */
  sessionName: string
  /** `aws:SourceArn` / `aws:SourceAccount` as the service sets them, for confused-deputy conditions. */
  sourceArn?: string
  sourceAccount?: string
  /** The task or service this is done for, recorded in the decision log. */
  onBehalfOf?: string
  requestId: string
  region: string
  now: Date
}

export type ServiceAssumptionResult =
  | { ok: true, session: SessionRecord }
  | { ok: false, decisionId: string }

/**
 * Hours an ECS-obtained task credential lasts before the agent refreshes it.
 * (unconfirmed) ECS does not document the lifetime; observed task credentials last about six.
 */
const SERVICE_SESSION_SECONDS = 6 * HOUR

/**
 * Assumes `roleArn` as a service principal, through the one authorizer: only the role's trust
 * policy decides (a service has no identity policies). The session is stored, so its keys
 * sign requests as `assumed-role/ROLE/SESSION`; a denial returns the decision that caused it.
 */
export function assumeRoleAsService (emulator: Emulator, a: ServiceAssumption): ServiceAssumptionResult {
  const roleName = roleNameOf(a.roleArn)
  const account = a.roleArn.split(':')[4] ?? ''
  const role = roleName === undefined ? undefined : emulator.iam.role(account, roleName)
  const principal = { type: 'service' as const, arn: a.service, account, userId: a.service }
  const context: RequestContext = {}
  if (a.sourceArn !== undefined) context['aws:SourceArn'] = a.sourceArn
  if (a.sourceAccount !== undefined) context['aws:SourceAccount'] = a.sourceAccount
  const trust = [{ kind: 'trust' as const, id: a.roleArn, document: role?.assumeRolePolicyDocument ?? { Statement: [] } }]
  const verdict = emulator.authorizer.check(principal, 'sts:AssumeRole', a.roleArn, context,
    { requestId: a.requestId, region: a.region, now: a.now, onBehalfOf: a.onBehalfOf }, trust)
  if (!verdict.allowed || role === undefined) return { ok: false, decisionId: verdict.record.id }

  const session: SessionRecord = {
    ...credentials(a.now, SERVICE_SESSION_SECONDS),
    account: role.account,
    kind: 'assumed-role',
    roleArn: role.arn,
    roleName: role.roleName,
    roleId: role.roleId,
    roleSessionName: a.sessionName,
    policies: [],
    tags: [],
    chained: false,
    onBehalfOf: a.onBehalfOf
  }
  emulator.sessions.add(session)
  return { ok: true, session }
}

/** What RunTask, StartTask and the service scheduler answer when a task's role cannot be assumed. */
export function unableToAssumeRole (roleArn: string): AwsError {
  return new AwsError('ClientException', `ECS was unable to assume the role '${roleArn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`)
}
