/**
 * The one authorizer every call goes through, the emulator's own included: it adds the global
 * condition keys, evaluates the principal's policies, records the decision, and says whether
 * the call may go on. Under `--iam soft` everything is evaluated and recorded, nothing denied.
 */
import type { IamMode } from '../config.js'
import type { DecisionLog, DecisionRecord } from '../../store/decisions.js'
import type { SessionRecord } from '../../store/sts.js'
import type { RoleUsage } from '../../store/role-usage.js'
import type { IamDirectory } from './directory.js'
import type { AuthorizationRequest, Decision, Policy, PolicySet, Principal, RequestContext } from './policy.js'
import { evaluate } from './evaluator.js'
import { accessDeniedMessage } from './access-denied.js'

export interface CheckMeta {
  requestId: string
  region: string
  sourceIp?: string
  now: Date
  onBehalfOf?: string
  session?: SessionRecord
}

export interface Verdict {
  allowed: boolean
  record: DecisionRecord
}

export class Authorizer {
  constructor (
    private readonly iam: IamDirectory,
    private readonly log: DecisionLog,
    readonly mode: IamMode,
    /** Told of every request a role session makes (GetRole's RoleLastUsed). */
    private readonly usage?: RoleUsage
  ) {}

  /**
   * Authorizes `action` on `resource` for `principal`. `resourcePolicies` are the resource's
   * own policies (a role's trust policy for sts:AssumeRole, a repository policy ...).
   */
  check (principal: Principal, action: string, resource: string, context: RequestContext,
    meta: CheckMeta, resourcePolicies: Policy[] = []): Verdict {
    // Object.assign into the fresh object: a `{ ...a, ...b }` copy costs V8 far more per call.
    const request: AuthorizationRequest = {
      principal, action, resource, context: Object.assign(this.globalKeys(principal, meta), context)
    }
    const set: PolicySet = this.policies(principal, meta.session)
    if (resourcePolicies.length > 0) set.resource = resourcePolicies
    // GetCallerIdentity and GetSessionToken are authentication steps: no policy controls them.
    const decision = UNCONTROLLED.has(action) ? ALWAYS : evaluate(request, set)
    const allowed = decision.decision === 'Allow'
    const record: DecisionRecord = {
      id: this.log.nextId(),
      time: meta.now.getTime() / 1000,
      requestId: meta.requestId,
      principal: principal.arn,
      action,
      resource,
      context: request.context,
      decision: decision.decision,
      enforced: this.mode === 'enforce',
      decidedBy: decision.decidedBy,
      missingAllowIn: decision.missingAllowIn,
      unevaluable: decision.unevaluable,
      message: allowed ? undefined : accessDeniedMessage(request, decision),
      onBehalfOf: meta.onBehalfOf
    }
    this.log.record(record)
    // A session's unique id is `ROLEID:SESSIONNAME`.
    if (principal.type === 'assumed-role') this.usage?.used(principal.userId.split(':')[0], meta.now, meta.region)
    return { allowed: allowed || this.mode === 'soft', record }
  }

  policies (principal: Principal, session?: SessionRecord): PolicySet {
    if (principal.type === 'root' || principal.type === 'service') return { identity: [] }
    return this.iam.policySetFor(principal, session === undefined || session.policies.length === 0
      ? undefined
      : { documents: session.policies })
  }

  globalKeys (principal: Principal, meta: CheckMeta): RequestContext {
    const keys: RequestContext = {
      'aws:PrincipalArn': principal.roleArn ?? principal.arn,
      'aws:PrincipalAccount': principal.account,
      'aws:PrincipalType': PRINCIPAL_TYPE[principal.type],
      'aws:userid': principal.userId,
      'aws:RequestedRegion': meta.region,
      'aws:CurrentTime': meta.now.toISOString(),
      'aws:EpochTime': String(Math.floor(meta.now.getTime() / 1000)),
      'aws:SecureTransport': 'false'
    }
    if (principal.userName !== undefined) keys['aws:username'] = principal.userName
    if (meta.sourceIp !== undefined) keys['aws:SourceIp'] = meta.sourceIp
    for (const tag of this.principalTags(principal, meta.session)) {
      keys[`aws:PrincipalTag/${tag.Key}`] = tag.Value
    }
    if (meta.session?.sourceIdentity !== undefined) keys['aws:SourceIdentity'] = meta.session.sourceIdentity
    return keys
  }

  principalTags (principal: Principal, session?: SessionRecord): { Key: string, Value: string }[] {
    if (principal.type === 'user') return this.iam.user(principal.account, principal.userName!)?.tags ?? []
    if (principal.type !== 'assumed-role') return []
    const roleName = principal.roleArn!.split('/').pop()!
    const roleTags = this.iam.role(principal.account, roleName)?.tags ?? []
    // Session tags win over the role's tags of the same key, as on AWS.
    const sessionTags = session?.tags ?? []
    const keys = new Set(sessionTags.map(t => t.Key.toLowerCase()))
    return [...roleTags.filter(t => !keys.has(t.Key.toLowerCase())), ...sessionTags]
  }
}

const UNCONTROLLED = new Set(['sts:GetCallerIdentity', 'sts:GetSessionToken'])
const ALWAYS: Decision = { decision: 'Allow', unevaluable: [] }

const PRINCIPAL_TYPE: Record<Principal['type'], string> = {
  root: 'Account', user: 'User', 'assumed-role': 'AssumedRole', service: 'Service'
}
