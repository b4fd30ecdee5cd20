/**
 * Listener and rule actions and rule conditions: checked as ELBv2 checks them and kept in the
 * shape DescribeListeners and DescribeRules answer with (a forward to one group carries both
 * `TargetGroupArn` and a `ForwardConfig` with weight 1; a redirect has every part filled in;
 * `host-header` and `path-pattern` carry both `Values` and their `*Config`).
 */
import { elbv2Errors, validationError } from './errors.js'
import type { Action, LoadBalancer, RuleCondition, TargetGroupRecord } from './types.js'

export interface ActionContext {
  loadBalancer: LoadBalancer
  targetGroup (arn: string): TargetGroupRecord | undefined
  /** The load balancers already using a group (through any listener or rule). */
  usersOf (targetGroupArn: string): Set<string>
}

const TERMINAL = new Set(['forward', 'redirect', 'fixed-response'])
const KNOWN = new Set([...TERMINAL, 'authenticate-oidc', 'authenticate-cognito'])

export function checkActions (actions: Action[] | undefined, ctx: ActionContext): Action[] {
  if (actions === undefined || actions.length === 0) {
    // (unconfirmed) wording
    throw validationError('At least one action must be specified')
  }
  const out = actions.map(a => checkAction(a, ctx))
  const terminal = out.filter(a => TERMINAL.has(a.Type))
  if (terminal.length !== 1) {
    // (unconfirmed) wording
    throw validationError('Exactly one forward, redirect or fixed-response action must be specified')
  }
  if (out.some(a => !TERMINAL.has(a.Type))) {
    throw validationError('Authenticate actions are not supported by the emulator')
  }
  return out
}

function checkAction (a: Action, ctx: ActionContext): Action {
  if (!KNOWN.has(a.Type)) throw validationError(`Action type '${a.Type}' must be one of 'redirect,fixed-response,forward,authenticate-oidc,authenticate-cognito'`)
  const order = a.Order === undefined ? {} : { Order: a.Order }
  switch (a.Type) {
    case 'forward': return { Type: 'forward', ...forward(a, ctx), ...order }
    case 'fixed-response': {
      if (a.FixedResponseConfig === undefined) throw validationError('A fixed-response action must have a fixed response configuration')
      return { Type: 'fixed-response', FixedResponseConfig: a.FixedResponseConfig, ...order }
    }
    case 'redirect': {
      const r = a.RedirectConfig
      if (r === undefined) throw validationError('A redirect action must have a redirect configuration')
      return {
        Type: 'redirect',
        RedirectConfig: {
          Protocol: r.Protocol ?? '#{protocol}', Port: r.Port ?? '#{port}', Host: r.Host ?? '#{host}',
          Path: r.Path ?? '/#{path}', Query: r.Query ?? '#{query}', StatusCode: r.StatusCode
        },
        ...order
      }
    }
    default: return a
  }
}

function forward (a: Action, ctx: ActionContext): Pick<Action, 'TargetGroupArn' | 'ForwardConfig'> {
  const tuples = a.ForwardConfig?.TargetGroups ?? []
  if (a.TargetGroupArn === undefined && tuples.length === 0) {
    // (unconfirmed) wording
    throw validationError('A forward action must have a target group ARN or a forward configuration')
  }
  if (a.TargetGroupArn !== undefined && tuples.length > 0 &&
    (tuples.length !== 1 || tuples[0].TargetGroupArn !== a.TargetGroupArn)) {
    throw validationError('You cannot specify both a target group ARN and a forward configuration with different target groups')
  }
  const groups = tuples.length > 0
    ? tuples.map(t => ({ TargetGroupArn: t.TargetGroupArn ?? '', Weight: t.Weight ?? 1 }))
    : [{ TargetGroupArn: a.TargetGroupArn!, Weight: 1 }]
  const missing = groups.map(g => g.TargetGroupArn).filter(arn => ctx.targetGroup(arn) === undefined)
  if (missing.length > 0) throw elbv2Errors.targetGroupsNotFound(missing)
  for (const g of groups) checkAssociation(ctx, ctx.targetGroup(g.TargetGroupArn)!)
  const stickiness = a.ForwardConfig?.TargetGroupStickinessConfig ?? { Enabled: false }
  return {
    ...(groups.length === 1 ? { TargetGroupArn: groups[0].TargetGroupArn } : {}),
    ForwardConfig: { TargetGroups: groups, TargetGroupStickinessConfig: stickiness }
  }
}

function checkAssociation (ctx: ActionContext, tg: TargetGroupRecord): void {
  const lb = ctx.loadBalancer
  const group = tg.targetGroup
  if (group.TargetType !== 'lambda' && group.VpcId !== lb.VpcId) {
    // (unconfirmed) wording
    throw validationError(`The VPC ID '${group.VpcId ?? ''}' of target group '${group.TargetGroupArn}' does not match the VPC ID '${lb.VpcId}' of load balancer '${lb.LoadBalancerArn}'`)
  }
  const users = ctx.usersOf(group.TargetGroupArn)
  if (users.size > 0 && !users.has(lb.LoadBalancerArn)) {
    throw elbv2Errors.targetGroupAssociationLimit(group.TargetGroupArn)
  }
}

/** The target groups an action list sends to. */
export const forwardedGroups = (actions: readonly Action[]): string[] =>
  actions.flatMap(a => a.Type !== 'forward'
    ? []
    : (a.ForwardConfig?.TargetGroups?.map(t => t.TargetGroupArn ?? '') ?? [a.TargetGroupArn ?? '']))
    .filter(arn => arn !== '')

// ---------------------------------------------------------------- conditions

const FIELDS = ['http-header', 'http-request-method', 'host-header', 'path-pattern', 'query-string', 'source-ip']
const CONFIG_OF: Record<string, keyof RuleCondition> = {
  'host-header': 'HostHeaderConfig',
  'path-pattern': 'PathPatternConfig',
  'http-header': 'HttpHeaderConfig',
  'query-string': 'QueryStringConfig',
  'http-request-method': 'HttpRequestMethodConfig',
  'source-ip': 'SourceIpConfig'
}

export function checkConditions (conditions: RuleCondition[] | undefined): RuleCondition[] {
  if (conditions === undefined || conditions.length === 0) {
    // (unconfirmed) wording
    throw validationError('A rule must have at least one condition')
  }
  return conditions.map(checkCondition)
}

function checkCondition (c: RuleCondition): RuleCondition {
  const field = c.Field ?? ''
  if (!FIELDS.includes(field)) {
    throw validationError(`Condition field '${field}' must be one of '[${FIELDS.join(', ')}]'`)
  }
  const configKey = CONFIG_OF[field]
  const config = c[configKey] as { Values?: unknown[] } | undefined
  const listForm = field === 'host-header' || field === 'path-pattern'
  if (c.Values !== undefined && c.Values.length > 0) {
    if (!listForm) {
      // (unconfirmed) wording
      throw validationError(`The 'Values' field is not supported for the '${field}' condition; use '${configKey}'`)
    }
    if (config !== undefined) {
      // (unconfirmed) wording
      throw validationError(`You cannot specify both 'Values' and '${configKey}' for the '${field}' condition`)
    }
    return { Field: field, Values: c.Values, [configKey]: { Values: c.Values } }
  }
  if (config === undefined || (config.Values ?? []).length === 0) {
    // (unconfirmed) wording
    throw validationError(`A condition value must be specified for the '${field}' condition`)
  }
  if (field === 'http-header' && (c.HttpHeaderConfig?.HttpHeaderName ?? '') === '') {
    throw validationError('An HTTP header name must be specified for the \'http-header\' condition')
  }
  const values = listForm ? { Values: config.Values as string[] } : {}
  return { Field: field, ...values, [configKey]: config }
}
