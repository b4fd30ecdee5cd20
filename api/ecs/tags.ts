/**
 * ECS tagging: TagResource, UntagResource, ListTagsForResource, for every resource type in
 * src/ecs/taggable.ts (clusters, container instances, capacity providers, task definitions).
 */
import { operation, type Operation } from '../registry.js'
import { requestTagContext } from '../../src/ecs/authz.js'
import { resourceTags, scopeOf } from '../../src/ecs/context.js'
import { ecsErrors } from '../../src/ecs/errors.js'
import { requireTaggable, taggableRef } from '../../src/ecs/taggable.js'
import type { WireTag } from '../../store/tags.js'

const TAG_LIMIT = 50

const TagResource = operation({
  authorize: 'handler',
  handle (input: { resourceArn: string, tags: WireTag[] }, ctx) {
    const ref = taggableRef(input.resourceArn)
    ctx.authorize({
      action: 'ecs:TagResource',
      resource: ref.arn,
      context: { ...resourceTags(ctx, ref.arn), ...requestTagContext(input.tags) }
    })
    requireTaggable(ctx.emulator, scopeOf(ctx), ref, false)

    const keys = new Set([...ctx.emulator.tags.list(ref.arn), ...input.tags].map(t => t.key))
    if (keys.size > TAG_LIMIT) throw ecsErrors.tooManyTags()
    ctx.emulator.tags.tag(ref.arn, input.tags)
    return {}
  }
})

const UntagResource = operation({
  authorize: 'handler',
  handle (input: { resourceArn: string, tagKeys: string[] }, ctx) {
    const ref = taggableRef(input.resourceArn)
    ctx.authorize({
      action: 'ecs:UntagResource',
      resource: ref.arn,
      context: { ...resourceTags(ctx, ref.arn), 'aws:TagKeys': input.tagKeys }
    })
    requireTaggable(ctx.emulator, scopeOf(ctx), ref, false)

    ctx.emulator.tags.untag(ref.arn, input.tagKeys)
    return {}
  }
})

const ListTagsForResource = operation({
  authorize: 'handler',
  handle (input: { resourceArn: string }, ctx) {
    const ref = taggableRef(input.resourceArn)
    const context = resourceTags(ctx, ref.arn)
    ctx.authorize({ action: 'ecs:ListTagsForResource', resource: ref.arn, context })
    requireTaggable(ctx.emulator, scopeOf(ctx), ref, true)

    return { tags: ctx.emulator.tags.list(ref.arn) }
  }
})

export const tagOperations: Record<string, Operation> = {
  TagResource, UntagResource, ListTagsForResource
}
