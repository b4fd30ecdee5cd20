/**
 * CreateTags, DeleteTags and DescribeTags over every resource the emulated EC2 keeps.
 */
import { operation, type Operation } from '../registry.js'
import { ec2Arn, on, requestTagContext } from '../../src/ec2/authz.js'
import { ec2Errors } from '../../src/ec2/errors.js'
import { applyFilters, page, type Filter } from '../../src/ec2/filters.js'
import { allTags, checkTagKeys, taggable, withTags, withoutTags } from '../../src/ec2/tagging.js'
import {
  authorized, described, ec2, fromWire, scopeOf, type DryRunnable, type WireTag
} from './common.js'

/** (unconfirmed) EC2's per-resource limit and its error. */
const TAGS_PER_RESOURCE = 50

const CreateTags = operation({
  authorize: 'handler',
  handle (input: DryRunnable & { Resources: string[], Tags: WireTag[] }, ctx) {
    const store = ec2(ctx)
    const scope = scopeOf(ctx)
    const tags = fromWire(input.Tags)
    checkTagKeys(tags)
    const targets = input.Resources.map(id => taggable(store, scope, id))
    authorized(ctx, input, targets.map(t =>
      on('CreateTags', ec2Arn(scope, t.type, t.id), t.tags, requestTagContext(tags))))

    for (const t of targets) {
      const next = withTags(t.tags, tags)
      if (next.length > TAGS_PER_RESOURCE) {
        // (unconfirmed) wording
        throw ec2Errors.invalidParameterValue(`Tag limit exceeded for resource ${t.id}.`)
      }
    }
    store.transaction(() => { for (const t of targets) t.save(withTags(t.tags, tags)) })
    return {}
  }
})

const DeleteTags = operation({
  authorize: 'handler',
  handle (input: DryRunnable & { Resources: string[], Tags?: WireTag[] }, ctx) {
    const store = ec2(ctx)
    const scope = scopeOf(ctx)
    const removed = (input.Tags ?? []).map(t => ({ key: t.Key ?? '', value: t.Value }))
    const targets = input.Resources.map(id => taggable(store, scope, id))
    const context = removed.length === 0 ? {} : { 'aws:TagKeys': removed.map(t => t.key) }
    authorized(ctx, input, targets.map(t =>
      on('DeleteTags', ec2Arn(scope, t.type, t.id), t.tags, context)))

    store.transaction(() => {
      // Without Tags, DeleteTags removes every tag of the resources (aws: ones excepted).
      for (const t of targets) t.save(input.Tags === undefined ? [] : withoutTags(t.tags, removed))
    })
    return {}
  }
})

interface Row { resourceId: string, resourceType: string, tag: { key: string, value: string } }

const TAG_FILTERS = {
  key: (r: Row) => r.tag.key,
  value: (r: Row) => r.tag.value,
  'resource-id': (r: Row) => r.resourceId,
  'resource-type': (r: Row) => r.resourceType
}

const DescribeTags = operation({
  authorize: 'handler',
  handle (input: DryRunnable & { Filters?: Filter[], MaxResults?: number, NextToken?: string },
    ctx) {
    described(ctx, input, 'DescribeTags')
    const rows = allTags(ec2(ctx), scopeOf(ctx), ctx.now)
    // `tag:KEY` here matches the tag row itself: its key is KEY and its value one of the values.
    const filtered = applyFilters(rows, input.Filters, TAG_FILTERS, r => [r.tag])
    const sorted = [...filtered].sort((a, b) =>
      a.resourceId.localeCompare(b.resourceId) || a.tag.key.localeCompare(b.tag.key))
    const { items, nextToken } = page(sorted, input.MaxResults, input.NextToken)
    return {
      Tags: items.map(r => ({
        Key: r.tag.key, ResourceId: r.resourceId, ResourceType: r.resourceType, Value: r.tag.value
      })),
      NextToken: nextToken
    }
  }
})

export const tagOperations: Record<string, Operation> = { CreateTags, DeleteTags, DescribeTags }
