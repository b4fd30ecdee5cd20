/**
 * The policy simulator, answered by the same evaluator that authorizes every request.
 */
import { operation, type Operation, type OperationContext } from '../registry.js'
import { evaluate } from '../../src/iam/evaluator.js'
import type {
  Decision, Policy, PolicyDocument, PolicySet, Principal, RequestContext
} from '../../src/iam/policy.js'
import { parseIamArn } from '../../src/iam/entities.js'
import { checkPolicyDocument, malformed } from '../../src/iam/documents.js'
import { invalidInput, noSuchRole, noSuchUser, page, store } from './common.js'

interface ContextEntry {
  ContextKeyName?: string
  ContextKeyType?: string
  ContextKeyValues?: string[]
}

interface SimulateRequest {
  ActionNames: string[]
  ResourceArns?: string[]
  ContextEntries?: ContextEntry[]
  PolicyInputList?: string[]
  PermissionsBoundaryPolicyInputList?: string[]
  ResourcePolicy?: string
  CallerArn?: string
  Marker?: string
  MaxItems?: number
}

const DECISION: Record<Decision['decision'], string> = {
  Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny'
}

async function inputPolicies (list: string[] | undefined, kind: 'identity' | 'boundary',
  label: string): Promise<Policy[]> {
  const out: Policy[] = []
  for (const [i, text] of (list ?? []).entries()) {
    const { document } = await checkPolicyDocument(text, 'inline')
    out.push({ kind, id: `${label}.${i + 1}`, document })
  }
  return out
}

function contextOf (entries: ContextEntry[] | undefined): RequestContext {
  const context: RequestContext = {}
  for (const e of entries ?? []) {
    if (e.ContextKeyName === undefined) continue
    const values = e.ContextKeyValues ?? []
    context[e.ContextKeyName] = e.ContextKeyType?.endsWith('List') === true ? values : values[0]
  }
  return context
}

function sourceType (id: string): string {
  if (id.startsWith('arn:aws:iam::aws:')) return 'aws-managed'
  if (id.startsWith('arn:')) return 'user-managed'
  if (id.startsWith('role/')) return 'role'
  if (id.startsWith('user/')) return 'user'
  return 'none'
}

/** One EvaluationResult per action and resource. */
function simulate (principal: Principal, set: PolicySet, input: SimulateRequest) {
  const context = contextOf(input.ContextEntries)
  const results = []
  for (const action of input.ActionNames) {
    for (const resource of input.ResourceArns ?? ['*']) {
      const decision = evaluate({ principal, action, resource, context }, set)
      results.push(result(action, resource, decision, set.boundary !== undefined))
    }
  }
  const { items, ...rest } = page(results, input)
  return { EvaluationResults: items, ...rest }
}

function result (action: string, resource: string, decision: Decision, bounded: boolean) {
  const by = decision.decidedBy
  const matched = by === undefined
    ? []
    : [{ SourcePolicyId: by.policy, SourcePolicyType: sourceType(by.policy) }]
  const byBoundary = decision.missingAllowIn === 'boundary' || by?.kind === 'boundary'
  return {
    EvalActionName: action,
    EvalResourceName: resource,
    EvalDecision: DECISION[decision.decision],
    MatchedStatements: matched,
    MissingContextValues: [],
    PermissionsBoundaryDecisionDetail: bounded
      ? { AllowedByPermissionsBoundary: !byBoundary }
      : undefined
  }
}

async function resourcePolicy (text: string | undefined): Promise<Policy[] | undefined> {
  if (text === undefined) return undefined
  let document: PolicyDocument
  try {
    document = JSON.parse(text) as PolicyDocument
  } catch {
    throw malformed('Syntax errors in policy.')
  }
  return [{ kind: 'resource', id: 'ResourcePolicy', document }]
}

/** The user, or a session of the role, that PolicySourceArn names. */
function principalFor (ctx: OperationContext, arn: string): Principal {
  const parsed = parseIamArn(arn)
  const iam = store(ctx)
  if (parsed?.type === 'user') {
    const u = iam.user(parsed.account, parsed.name)
    if (u === undefined || u.arn !== arn) throw noSuchUser(parsed.name)
    return { type: 'user', arn: u.arn, account: u.account, userName: u.userName, userId: u.userId }
  }
  if (parsed?.type === 'role') {
    const r = iam.role(parsed.account, parsed.name)
    if (r === undefined || r.arn !== arn) throw noSuchRole(parsed.name)
    return { type: 'assumed-role', arn: r.arn, account: r.account, roleArn: r.arn,
      userId: r.roleId }
  }
  throw invalidInput('Invalid ARN: Could not be parsed!') // (unconfirmed) wording
}

const BOUNDARY_INPUT = 'PermissionsBoundaryPolicyInputList'

const SimulatePrincipalPolicy = operation({
  authorize: 'handler',
  notes: 'Groups are not emulated. `MatchedStatements` names the deciding statement only, ' +
    'without positions; `MissingContextValues` is always empty.',
  async handle (input: SimulateRequest & { PolicySourceArn: string }, ctx) {
    ctx.authorize({ action: 'iam:SimulatePrincipalPolicy', resource: input.PolicySourceArn })
    const principal = principalFor(ctx, input.PolicySourceArn)
    const base = store(ctx).policySetFor(principal)
    const extra = await inputPolicies(input.PolicyInputList, 'identity', 'PolicyInputList')
    const boundary = await inputPolicies(input[BOUNDARY_INPUT], 'boundary', BOUNDARY_INPUT)
    const set: PolicySet = { identity: [...base.identity, ...extra] }
    if (boundary.length > 0) set.boundary = boundary
    else if (base.boundary !== undefined) set.boundary = base.boundary
    set.resource = await resourcePolicy(input.ResourcePolicy)
    return simulate(principal, set, input)
  }
})

const SimulateCustomPolicy = operation({
  notes: 'Without `CallerArn` the simulation runs as an IAM user of the account.',
  async handle (input: SimulateRequest, ctx) {
    const identity = await inputPolicies(input.PolicyInputList, 'identity', 'PolicyInputList')
    const boundary = await inputPolicies(input[BOUNDARY_INPUT], 'boundary', BOUNDARY_INPUT)
    const set: PolicySet = { identity }
    if (boundary.length > 0) set.boundary = boundary
    set.resource = await resourcePolicy(input.ResourcePolicy)
    const arn = input.CallerArn ?? `arn:aws:iam::${ctx.account}:user/simulated`
    const principal: Principal = {
      type: 'user', arn, account: ctx.account, userName: arn.split('/').pop(),
      userId: 'AIDASIMULATEDUSER0000'
    }
    return simulate(principal, set, input)
  }
})

export const simulateOperations: Record<string, Operation> = {
  SimulatePrincipalPolicy, SimulateCustomPolicy
}
