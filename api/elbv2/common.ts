/**
 * What the ELBv2 handlers share: the scope of a call, lookups that fail as ELBv2 fails them,
 * the checks of `elasticloadbalancing:*` on a resource (with its tags as
 * `aws:ResourceTag/*` and `elasticloadbalancing:ResourceTag/*`), tags on create, and which
 * load balancers use which target groups.
 */
import type { Check, OperationContext } from '../registry.js'
import type { RequestContext } from '../../src/iam/policy.js'
import { resourceTagContext } from '../../src/iam/tag-context.js'
import type { Scope } from '../../src/ecs/arns.js'
import type { Elbv2Store } from '../../store/elbv2.js'
import { elbv2Errors, validationError } from '../../src/elbv2/errors.js'
import { forwardedGroups } from '../../src/elbv2/actions.js'
import type { ListenerRecord, LoadBalancerRecord, RuleRecord, Tag, TargetGroupRecord } from '../../src/elbv2/types.js'

export const scope = (ctx: OperationContext): Scope => ({ account: ctx.account, region: ctx.region })
export const store = (ctx: OperationContext): Elbv2Store => ctx.emulator.elbv2

/** ARNs are looked up in the caller's own account and region only. */
const inScope = (ctx: OperationContext, arn: string): boolean =>
  arn.startsWith(`arn:aws:elasticloadbalancing:${ctx.region}:${ctx.account}:`)

/** `'x' is not a valid load balancer ARN` for a value that is no ARN of the kind. */
function wellFormed (arn: string, segment: string, kind: string): void {
  if (!new RegExp(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:${segment}/`).test(arn)) {
    throw elbv2Errors.notAnArn(arn, kind)
  }
}

export function loadBalancer (ctx: OperationContext, arn: string): LoadBalancerRecord {
  wellFormed(arn, 'loadbalancer', 'load balancer')
  const lb = inScope(ctx, arn) ? store(ctx).get<LoadBalancerRecord>('load-balancer', arn) : undefined
  if (lb === undefined) throw elbv2Errors.loadBalancerNotFound()
  return lb
}

export function targetGroup (ctx: OperationContext, arn: string): TargetGroupRecord {
  wellFormed(arn, 'targetgroup', 'target group')
  const tg = inScope(ctx, arn) ? store(ctx).get<TargetGroupRecord>('target-group', arn) : undefined
  if (tg === undefined) throw elbv2Errors.targetGroupNotFound()
  return tg
}

export function listener (ctx: OperationContext, arn: string): ListenerRecord {
  wellFormed(arn, 'listener', 'listener')
  const l = inScope(ctx, arn) ? store(ctx).get<ListenerRecord>('listener', arn) : undefined
  if (l === undefined) throw elbv2Errors.listenerNotFound()
  return l
}

export function rule (ctx: OperationContext, arn: string): RuleRecord {
  wellFormed(arn, 'listener-rule', 'listener rule')
  const r = inScope(ctx, arn) ? store(ctx).get<RuleRecord>('rule', arn) : undefined
  if (r === undefined) throw elbv2Errors.ruleNotFound()
  return r
}

// ---------------------------------------------------------------- authorization

export function tagContext (ctx: OperationContext, arn: string): RequestContext {
  const tags = ctx.emulator.tags.list(arn)
  return resourceTagContext(tags, 'elasticloadbalancing')
}

/** `elasticloadbalancing:ACTION` on an existing resource, with its tags. */
export function on (ctx: OperationContext, action: string, arn: string, extra: RequestContext = {}): Check {
  return { action: `elasticloadbalancing:${action}`, resource: arn, context: { ...tagContext(ctx, arn), ...extra } }
}

export function requestTags (tags: readonly Tag[] | undefined): RequestContext {
  if (tags === undefined || tags.length === 0) return {}
  const context: RequestContext = { 'aws:TagKeys': tags.map(t => t.Key) }
  for (const t of tags) context[`aws:RequestTag/${t.Key}`] = t.Value ?? ''
  return context
}

/**
 * A create call's own check, and with tags the `AddTags` check AWS makes of them, with
 * `elasticloadbalancing:CreateAction` naming the create call.
 */
export function createChecks (action: string, arn: string, tags: readonly Tag[] | undefined,
  extra: RequestContext = {}, resource = arn): Check[] {
  const context = { ...requestTags(tags), ...extra }
  const checks: Check[] = [{ action: `elasticloadbalancing:${action}`, resource, context }]
  if (tags !== undefined && tags.length > 0) {
    checks.push({ action: 'elasticloadbalancing:AddTags', resource: arn,
      context: { ...requestTags(tags), 'elasticloadbalancing:CreateAction': action } })
  }
  return checks
}

export function checkTags (tags: readonly Tag[] | undefined): void {
  const seen = new Set<string>()
  for (const t of tags ?? []) {
    if (seen.has(t.Key)) throw elbv2Errors.duplicateTagKeys(t.Key)
    seen.add(t.Key)
  }
  if (seen.size > 50) throw elbv2Errors.tooManyTags()
}

export function saveTags (ctx: OperationContext, arn: string, tags: readonly Tag[] | undefined): void {
  if (tags !== undefined && tags.length > 0) {
    ctx.emulator.tags.tag(arn, tags.map(t => ({ key: t.Key, value: t.Value ?? '' })))
  }
}

// ---------------------------------------------------------------- usage

/** For each target group in use: the load balancers whose listeners or rules forward to it. */
export function groupUsers (ctx: OperationContext): Map<string, Set<string>> {
  const users = new Map<string, Set<string>>()
  const s = store(ctx)
  for (const l of s.list<ListenerRecord>(scope(ctx), 'listener')) {
    const lbArn = l.listener.LoadBalancerArn
    const actions = [l.listener.DefaultActions, ...s.children<RuleRecord>(l.listener.ListenerArn, 'rule')
      .map(r => r.rule.Actions)]
    for (const arn of actions.flatMap(a => forwardedGroups(a))) {
      if (!users.has(arn)) users.set(arn, new Set())
      users.get(arn)!.add(lbArn)
    }
  }
  return users
}

/** Marker paging: `Marker` is the index of the next item, as a string. */
export function page<T> (items: T[], marker: string | undefined,
  pageSize: number | undefined): { items: T[], NextMarker?: string } {
  const start = marker === undefined ? 0 : Number(marker)
  if (!Number.isInteger(start) || start < 0) throw validationError('The marker is not valid')
  const size = pageSize ?? 400
  const next = start + size
  return { items: items.slice(start, next), NextMarker: next < items.length ? String(next) : undefined }
}

export const isoTime = (ctx: OperationContext): string => ctx.now.toISOString()
