/**
 * AddTags, RemoveTags and DescribeTags, on load balancers, target groups, listeners and
 * rules alike; and DescribeAccountLimits.
 */
import { operation, type OperationContext } from '../registry.js'
import { arnKind } from '../../src/elbv2/arns.js'
import { elbv2Errors } from '../../src/elbv2/errors.js'
import type { Tag } from '../../src/elbv2/types.js'
import { checkTags, listener, loadBalancer, on, requestTags, rule, targetGroup } from './common.js'

/** Each ARN must name an existing resource: its kind's NotFound error otherwise. */
function existing (ctx: OperationContext, arn: string): string {
  switch (arnKind(arn)) {
    case 'load-balancer': loadBalancer(ctx, arn); break
    case 'target-group': targetGroup(ctx, arn); break
    case 'listener': listener(ctx, arn); break
    case 'rule': rule(ctx, arn); break
    default: throw elbv2Errors.resourceNotFound(arn)
  }
  return arn
}

const AddTags = operation({
  authorize: 'handler',
  handle (input: { ResourceArns: string[], Tags: Tag[] }, ctx) {
    checkTags(input.Tags)
    const arns = input.ResourceArns.map(arn => existing(ctx, arn))
    ctx.authorize(arns.map(arn => on(ctx, 'AddTags', arn, requestTags(input.Tags))))
    for (const arn of arns) {
      const keys = new Set([...ctx.emulator.tags.list(arn).map(t => t.key), ...input.Tags.map(t => t.Key)])
      if (keys.size > 50) throw elbv2Errors.tooManyTags()
    }
    for (const arn of arns) ctx.emulator.tags.tag(arn, input.Tags.map(t => ({ key: t.Key, value: t.Value ?? '' })))
    return {}
  }
})

const RemoveTags = operation({
  authorize: 'handler',
  handle (input: { ResourceArns: string[], TagKeys: string[] }, ctx) {
    const arns = input.ResourceArns.map(arn => existing(ctx, arn))
    ctx.authorize(arns.map(arn => on(ctx, 'RemoveTags', arn, { 'aws:TagKeys': input.TagKeys })))
    for (const arn of arns) ctx.emulator.tags.untag(arn, input.TagKeys)
    return {}
  }
})

const DescribeTags = operation({
  handle (input: { ResourceArns: string[] }, ctx) {
    return {
      TagDescriptions: input.ResourceArns.map(arn => ({
        ResourceArn: existing(ctx, arn),
        Tags: ctx.emulator.tags.list(arn).map(t => ({ Key: t.key, Value: t.value }))
      }))
    }
  }
})

/** AWS's default quotas (not enforced by the emulator). */
const LIMITS: Record<string, string> = {
  'application-load-balancers': '50',
  'target-groups': '3000',
  'targets-per-application-load-balancer': '1000',
  'listeners-per-application-load-balancer': '50',
  'rules-per-application-load-balancer': '100',
  'network-load-balancers': '50',
  'targets-per-network-load-balancer': '3000',
  'listeners-per-network-load-balancer': '50',
  'condition-values-per-alb-rule': '5',
  'condition-wildcards-per-alb-rule': '5',
  'target-groups-per-application-load-balancer': '100',
  'target-groups-per-action-on-application-load-balancer': '5',
  'target-groups-per-action-on-network-load-balancer': '1',
  'certificates-per-application-load-balancer': '25',
  'certificates-per-network-load-balancer': '25',
  'targets-per-target-group-per-region': '1000',
  'target-id-registrations-per-application-load-balancer': '1000',
  'network-load-balancer-enis-per-vpc': '1200'
}

const DescribeAccountLimits = operation({
  notes: 'AWS\'s default quotas, answered and not enforced.',
  handle (_input: { Marker?: string, PageSize?: number }) {
    return { Limits: Object.entries(LIMITS).map(([Name, Max]) => ({ Name, Max })) }
  }
})

export const tagOperations = { AddTags, RemoveTags, DescribeTags, DescribeAccountLimits }
