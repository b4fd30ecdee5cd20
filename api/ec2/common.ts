/**
 * What every EC2 handler shares: the store with the account's default VPC in place, the
 * authorize-then-DryRun step, and the tags a create call asks for.
 */
import type { Check, OperationContext } from '../registry.js'
import type { Scope } from '../../src/ecs/arns.js'
import type { Ec2Store } from '../../store/ec2.js'
import { ensureDefaultVpc, type Ec2Tag } from '../../src/ec2/network.js'
import { ec2Errors } from '../../src/ec2/errors.js'
import { on, requestTagContext } from '../../src/ec2/authz.js'
import { checkTagKeys } from '../../src/ec2/tagging.js'

export interface DryRunnable { DryRun?: boolean }

export interface WireTag { Key?: string, Value?: string }

export interface TagSpecification { ResourceType?: string, Tags?: WireTag[] }

export const scopeOf = (ctx: OperationContext): Scope => ({ account: ctx.account, region: ctx.region })

/** The EC2 store, with the default VPC of the caller's account and region made if it is not yet. */
export function ec2 (ctx: OperationContext): Ec2Store {
  const store = ctx.emulator.ec2.store
  ensureDefaultVpc(store, scopeOf(ctx))
  return store
}

/** Authorizes, then answers DryRunOperation instead of acting when DryRun is set. */
export function authorized (ctx: OperationContext, input: DryRunnable, checks: Check | Check[]): void {
  ctx.authorize(checks)
  if (input.DryRun === true) throw ec2Errors.dryRun()
}

/** A Describe call: EC2 authorizes these on `*` only. */
export const described = (ctx: OperationContext, input: DryRunnable, action: string): void =>
  authorized(ctx, input, on(action, '*'))

export const fromWire = (tags: WireTag[] | undefined): Ec2Tag[] =>
  (tags ?? []).map(t => ({ key: t.Key ?? '', value: t.Value ?? '' }))

/** The tags of `TagSpecification`s for one resource type. */
export function specifiedTags (specs: TagSpecification[] | undefined, resourceType: string): Ec2Tag[] {
  const tags = (specs ?? []).filter(s => s.ResourceType === resourceType).flatMap(s => fromWire(s.Tags))
  checkTagKeys(tags)
  return tags
}

/** Tagging on create is also `ec2:CreateTags` on the new resource, with `ec2:CreateAction`. */
export function createTagsCheck (action: string, resource: string, tags: Ec2Tag[]): Check[] {
  if (tags.length === 0) return []
  return [on('CreateTags', resource, [], { 'ec2:CreateAction': action, ...requestTagContext(tags) })]
}
