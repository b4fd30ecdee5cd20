/**
 * Listener rules in the wire shape of the ELBv2 2015-12-01 model (botocore
 * `elbv2/2015-12-01/service-2.json`): every member named and optional exactly as the model
 * has it, so stored rules and DescribeRules answers can be handed to the rule engine as they are.
 * Enum-typed members also accept any string (`| (string & {})`): the model constrains them, the
 * API validates them, and the engine ignores what it does not know.
 */

type Open<T extends string> = T | (string & {})

// ---------------------------------------------------------------- conditions

/** `ConditionFieldName` is a plain string (max 64) in the model; these are the known fields. */
export type ConditionFieldName =
  'host-header' | 'http-header' | 'http-request-method' | 'path-pattern' | 'query-string' |
  'source-ip'

export interface HostHeaderConditionConfig { Values?: string[], RegexValues?: string[] }

export interface PathPatternConditionConfig { Values?: string[], RegexValues?: string[] }

export interface HttpHeaderConditionConfig {
  HttpHeaderName?: string
  Values?: string[]
  RegexValues?: string[]
}

export interface HttpRequestMethodConditionConfig { Values?: string[] }

export interface QueryStringKeyValuePair { Key?: string, Value?: string }

export interface QueryStringConditionConfig { Values?: QueryStringKeyValuePair[] }

export interface SourceIpConditionConfig { Values?: string[] }

export interface RuleCondition {
  Field?: Open<ConditionFieldName>
  Values?: string[]
  HostHeaderConfig?: HostHeaderConditionConfig
  PathPatternConfig?: PathPatternConditionConfig
  HttpHeaderConfig?: HttpHeaderConditionConfig
  QueryStringConfig?: QueryStringConditionConfig
  HttpRequestMethodConfig?: HttpRequestMethodConditionConfig
  SourceIpConfig?: SourceIpConditionConfig
  RegexValues?: string[]
}

// ---------------------------------------------------------------- actions

export type ActionTypeEnum =
  'forward' | 'authenticate-oidc' | 'authenticate-cognito' | 'redirect' | 'fixed-response' |
  'jwt-validation'

export type RedirectActionStatusCodeEnum = 'HTTP_301' | 'HTTP_302'

export type AuthenticateConditionalBehaviorEnum = 'deny' | 'allow' | 'authenticate'

export interface TargetGroupTuple { TargetGroupArn?: string, Weight?: number }

export interface TargetGroupStickinessConfig { Enabled?: boolean, DurationSeconds?: number }

export interface ForwardActionConfig {
  TargetGroups?: TargetGroupTuple[]
  TargetGroupStickinessConfig?: TargetGroupStickinessConfig
}

export interface RedirectActionConfig {
  Protocol?: string
  Port?: string
  Host?: string
  Path?: string
  Query?: string
  StatusCode: Open<RedirectActionStatusCodeEnum>
}

export interface FixedResponseActionConfig {
  MessageBody?: string
  StatusCode: string
  ContentType?: string
}

export interface AuthenticateOidcActionConfig {
  Issuer: string
  AuthorizationEndpoint: string
  TokenEndpoint: string
  UserInfoEndpoint: string
  ClientId: string
  ClientSecret?: string
  SessionCookieName?: string
  Scope?: string
  SessionTimeout?: number
  AuthenticationRequestExtraParams?: Record<string, string>
  OnUnauthenticatedRequest?: Open<AuthenticateConditionalBehaviorEnum>
  UseExistingClientSecret?: boolean
}

export interface AuthenticateCognitoActionConfig {
  UserPoolArn: string
  UserPoolClientId: string
  UserPoolDomain: string
  SessionCookieName?: string
  Scope?: string
  SessionTimeout?: number
  AuthenticationRequestExtraParams?: Record<string, string>
  OnUnauthenticatedRequest?: Open<AuthenticateConditionalBehaviorEnum>
}

export interface JwtValidationActionAdditionalClaim {
  Format: Open<'single-string' | 'string-array' | 'space-separated-values'>
  Name: string
  Values: string[]
}

export interface JwtValidationActionConfig {
  JwksEndpoint: string
  Issuer: string
  AdditionalClaims?: JwtValidationActionAdditionalClaim[]
}

export interface Action {
  Type: Open<ActionTypeEnum>
  TargetGroupArn?: string
  AuthenticateOidcConfig?: AuthenticateOidcActionConfig
  AuthenticateCognitoConfig?: AuthenticateCognitoActionConfig
  /** 1..50000; the lowest is performed first. */
  Order?: number
  RedirectConfig?: RedirectActionConfig
  FixedResponseConfig?: FixedResponseActionConfig
  ForwardConfig?: ForwardActionConfig
  JwtValidationConfig?: JwtValidationActionConfig
}

// ---------------------------------------------------------------- transforms and rules

export interface RewriteConfig { Regex: string, Replace: string }

export interface RuleTransform {
  Type: Open<'host-header-rewrite' | 'url-rewrite'>
  HostHeaderRewriteConfig?: { Rewrites?: RewriteConfig[] }
  UrlRewriteConfig?: { Rewrites?: RewriteConfig[] }
}

/** A listener rule; `Priority` is `'1'`..`'50000'`, or `'default'` for the default rule. */
export interface Rule {
  RuleArn?: string
  Priority?: string
  Conditions?: RuleCondition[]
  Actions?: Action[]
  IsDefault?: boolean
  Transforms?: RuleTransform[]
}

// ---------------------------------------------------------------- target health

export type TargetHealthStateEnum =
  'initial' | 'healthy' | 'unhealthy' | 'unhealthy.draining' | 'unused' | 'draining' |
  'unavailable'
