/**
 * The message AWS writes in an AccessDenied error, built from the request and the
 * evaluator's decision.
 */

import type { AuthorizationRequest, Decision, PolicyKind } from './policy.js'

const NO_ALLOW: Record<PolicyKind, string> = {
  identity: 'identity-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  resource: 'resource-based policy',
  trust: 'role trust policy',
}

const EXPLICIT_DENY: Record<PolicyKind, string> = {
  identity: 'an identity-based policy',
  boundary: 'a permissions boundary',
  session: 'a session policy',
  resource: 'a resource-based policy',
  trust: 'the role trust policy',
}

export function accessDeniedMessage(
  request: AuthorizationRequest,
  decision: Decision,
): string {
  const { principal, action } = request
  const head = `User: ${principal.arn} is not authorized to perform: ${action}`
  const kind = blockingKind(decision)
  // When the role trust policy is the blocker AWS names no resource.
  const subject = kind === 'trust' ? head : `${head} on resource: ${request.resource}`
  if (!kind) return subject
  if (decision.decision === 'ExplicitDeny') {
    return `${subject} with an explicit deny in ${denier(decision, kind)}`
  }
  return `${subject} because no ${NO_ALLOW[kind]} allows the ${action} action`
}

function blockingKind(decision: Decision): PolicyKind | undefined {
  if (decision.decision === 'ExplicitDeny') return decision.decidedBy?.kind
  if (decision.decision === 'ImplicitDeny') return decision.missingAllowIn
  return undefined
}

function denier(decision: Decision, kind: PolicyKind): string {
  const policy = decision.decidedBy?.policy ?? ''
  const named = kind === 'identity' && policy.startsWith('arn:')
  return named ? `${EXPLICIT_DENY[kind]}: ${policy}` : EXPLICIT_DENY[kind]
}
