/**
 * CreateRule, DescribeRules, ModifyRule, SetRulePriorities and DeleteRule. Rules are kept
 * in AWS's wire shape (`Rule`, `RuleCondition`, `Action`) for the rule engine to read as is.
 */
import { operation } from '../registry.js'
import { elbId, elbv2Arns } from '../../src/elbv2/arns.js'
import { checkActions, checkConditions } from '../../src/elbv2/actions.js'
import { elbv2Errors, validationError } from '../../src/elbv2/errors.js'
import type { Action, Rule, RuleCondition, RuleRecord, Tag } from '../../src/elbv2/types.js'
import { actionContext } from './listeners.js'
import { checkTags, createChecks, listener, loadBalancer, on, page, rule, saveTags, scope,
  store } from './common.js'

function checkPriority (priority: number): void {
  if (!Number.isInteger(priority) || priority < 1 || priority > 50000) {
    // (unconfirmed) wording
    throw validationError(`Priority '${priority}' must be between 1 and 50000`)
  }
}

const priorityTaken = (rules: RuleRecord[], priority: number, except?: string): boolean =>
  rules.some(r => r.rule.Priority === String(priority) && r.rule.RuleArn !== except)

interface CreateRuleInput {
  ListenerArn: string
  Conditions: RuleCondition[]
  Priority: number
  Actions: Action[]
  Tags?: Tag[]
}

const CreateRule = operation({
  authorize: 'handler',
  handle (input: CreateRuleInput, ctx) {
    const l = listener(ctx, input.ListenerArn)
    checkTags(input.Tags)
    const arn = elbv2Arns.rule(input.ListenerArn, elbId())
    ctx.authorize(createChecks('CreateRule', arn, input.Tags, {}, input.ListenerArn))
    checkPriority(input.Priority)
    const s = store(ctx)
    const rules = s.children<RuleRecord>(input.ListenerArn, 'rule')
    if (priorityTaken(rules, input.Priority)) throw elbv2Errors.priorityInUse(input.Priority)
    const lb = loadBalancer(ctx, l.listener.LoadBalancerArn)
    const conditions = checkConditions(input.Conditions)
    const actions = checkActions(input.Actions, actionContext(ctx, lb))
    const record: RuleRecord = { ...scope(ctx), kind: 'rule', listenerArn: input.ListenerArn,
      rule: { RuleArn: arn, Priority: String(input.Priority), Conditions: conditions, Actions: actions, IsDefault: false } }
    s.save(record)
    saveTags(ctx, arn, input.Tags)
    return { Rules: [record.rule] }
  }
})

const DescribeRules = operation({
  handle (input: { ListenerArn?: string, RuleArns?: string[], Marker?: string, PageSize?: number }, ctx) {
    let all: Rule[]
    if (input.RuleArns !== undefined) {
      all = input.RuleArns.map(arn => rule(ctx, arn).rule)
    } else if (input.ListenerArn !== undefined) {
      listener(ctx, input.ListenerArn)
      all = store(ctx).rulesOf(input.ListenerArn)
    } else {
      // (unconfirmed) wording
      throw validationError('You must specify either listener ARNs or rule ARNs')
    }
    const p = page(all, input.Marker, input.PageSize)
    return { Rules: p.items, NextMarker: p.NextMarker }
  }
})

const ModifyRule = operation({
  authorize: 'handler',
  notes: 'The default rule changes through ModifyListener; ModifyRule on it is refused with OperationNotPermitted (unconfirmed).',
  handle (input: { RuleArn: string, Conditions?: RuleCondition[], Actions?: Action[] }, ctx) {
    const found = rule(ctx, input.RuleArn)
    ctx.authorize(on(ctx, 'ModifyRule', input.RuleArn))
    if (found.rule.IsDefault) {
      // (unconfirmed) code and wording
      throw elbv2Errors.operationNotPermitted('The default rule cannot be modified; modify the listener\'s default actions instead')
    }
    const l = listener(ctx, found.listenerArn)
    const lb = loadBalancer(ctx, l.listener.LoadBalancerArn)
    const conditions = input.Conditions === undefined || input.Conditions.length === 0
      ? found.rule.Conditions
      : checkConditions(input.Conditions)
    const actions = input.Actions === undefined || input.Actions.length === 0
      ? found.rule.Actions
      : checkActions(input.Actions, actionContext(ctx, lb))
    const record: RuleRecord = { ...found, rule: { ...found.rule, Conditions: conditions, Actions: actions } }
    store(ctx).save(record)
    return { Rules: [record.rule] }
  }
})

const SetRulePriorities = operation({
  authorize: 'handler',
  handle (input: { RulePriorities: { RuleArn?: string, Priority?: number }[] }, ctx) {
    const changes = input.RulePriorities.map(p => ({ found: rule(ctx, p.RuleArn ?? ''), priority: p.Priority ?? 0 }))
    ctx.authorize(changes.map(c => on(ctx, 'SetRulePriorities', c.found.rule.RuleArn)))
    for (const c of changes) {
      checkPriority(c.priority)
      // (unconfirmed) code and wording
      if (c.found.rule.IsDefault) throw elbv2Errors.operationNotPermitted('The priority of the default rule cannot be changed')
    }
    const s = store(ctx)
    const moved = new Set(changes.map(c => c.found.rule.RuleArn))
    const updated = changes.map(c => ({ ...c.found, rule: { ...c.found.rule, Priority: String(c.priority) } }))
    for (const u of updated) {
      const others = s.children<RuleRecord>(u.listenerArn, 'rule').filter(r => !moved.has(r.rule.RuleArn))
      const clash = [...others, ...updated.filter(o => o !== u && o.listenerArn === u.listenerArn)]
      if (priorityTaken(clash, Number(u.rule.Priority))) throw elbv2Errors.priorityInUse(Number(u.rule.Priority))
    }
    s.transaction(() => { for (const u of updated) s.save(u) })
    return { Rules: updated.map(u => u.rule) }
  }
})

const DeleteRule = operation({
  authorize: 'handler',
  handle (input: { RuleArn: string }, ctx) {
    const found = rule(ctx, input.RuleArn)
    ctx.authorize(on(ctx, 'DeleteRule', input.RuleArn))
    if (found.rule.IsDefault) {
      // (unconfirmed) code and wording
      throw elbv2Errors.operationNotPermitted('The default rule cannot be deleted')
    }
    store(ctx).remove(input.RuleArn)
    ctx.emulator.tags.drop(input.RuleArn)
    return {}
  }
})

export const ruleOperations = { CreateRule, DescribeRules, ModifyRule, SetRulePriorities, DeleteRule }
