/**
 * IAM policy documents and the request an authorization is made for. These types are shared by
 * the evaluator, the IAM store and every operation descriptor.
 */

export type OneOrMany<T> = T | T[]

export interface PolicyStatement {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Principal?: '*' | Record<string, OneOrMany<string>>
  NotPrincipal?: '*' | Record<string, OneOrMany<string>>
  Action?: OneOrMany<string>
  NotAction?: OneOrMany<string>
  Resource?: OneOrMany<string>
  NotResource?: OneOrMany<string>
  Condition?: Record<string, Record<string, OneOrMany<string | number | boolean>>>
}

export interface PolicyDocument {
  Version?: string
  Id?: string
  Statement: OneOrMany<PolicyStatement>
}

/** Where a policy came from; `kind` decides the denial tail AWS writes. */
export type PolicyKind = 'identity' | 'resource' | 'boundary' | 'session' | 'trust'

export interface Policy {
  kind: PolicyKind
  /** The managed policy ARN, or `role/NAME/policy/INLINE` style name for inline policies. */
  id: string
  document: PolicyDocument
}

/** A context value as the request context holds it: strings, or lists of strings for multivalued keys. */
export type ContextValue = string | string[] | number | boolean
export type RequestContext = Record<string, ContextValue | undefined>

export interface Principal {
  /** `root`, `user`, `assumed-role` (role sessions), or `service` (an AWS service principal such as ecs-tasks.amazonaws.com). */
  type: 'root' | 'user' | 'assumed-role' | 'service'
  /** As AWS writes it in AccessDenied: `arn:aws:iam::ACCT:root`, `...:user/NAME`, `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`, or the service name. */
  arn: string
  account: string
  /** For role sessions: the role's IAM ARN (`arn:aws:iam::ACCT:role/PATH/NAME`). */
  roleArn?: string
  userName?: string
  /** The unique id (`AIDA...`, `AROA...:SESSION`, account id for root). */
  userId: string
}

export interface AuthorizationRequest {
  principal: Principal
  action: string
  /** The resource ARN, or `*` when the action takes none. */
  resource: string
  context: RequestContext
}

export interface PolicySet {
  identity: Policy[]
  /** Resource-based policies of the resource (role trust policy, repository policy ...). */
  resource?: Policy[]
  /** Present only when the principal has a permissions boundary. */
  boundary?: Policy[]
  /** Present only when the session was created with session policies. */
  session?: Policy[]
}

export interface StatementRef {
  policy: string
  kind: PolicyKind
  /** The statement's Sid, or its index in the Statement list as `#N`. */
  statement: string
}

export interface Decision {
  decision: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny'
  /** The statement that decided: the Deny that applied, or the Allow that granted. */
  decidedBy?: StatementRef
  /** For ImplicitDeny: which layer had no Allow (identity, boundary, session, resource/trust). */
  missingAllowIn?: PolicyKind
  /** Statements that contained a condition the evaluator could not evaluate (fail closed). */
  unevaluable: (StatementRef & { reason: string })[]
}
