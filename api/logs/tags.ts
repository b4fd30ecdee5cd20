/**
 * Log group tags: TagResource, UntagResource, ListTagsForResource (by ARN) and the
 * deprecated TagLogGroup, UntagLogGroup, ListTagsLogGroup (by name) some tools still call.
 */
import { AwsError } from '../errors.js'
import { operation, type Operation, type OperationContext } from '../registry.js'
import type { RequestContext } from '../../src/iam/policy.js'
import { logArns, logsErrors, parseGroupArn, type LogGroupRecord } from '../../src/logs/model.js'
import {
  authorizedGroup, placeOf, requestTagContext, resourceTagContext, wireTags
} from './context.js'

type Tags = Record<string, string>

const arnOf = (ctx: OperationContext, g: LogGroupRecord): string =>
  logArns.group(placeOf(ctx), g.logGroupName)

const listOf = (ctx: OperationContext, g: LogGroupRecord): Tags =>
  Object.fromEntries(ctx.emulator.tags.list(arnOf(ctx, g)).map(t => [t.key, t.value]))

const tag = (ctx: OperationContext, g: LogGroupRecord, tags: Tags): void => {
  ctx.emulator.tags.tag(arnOf(ctx, g), wireTags(tags))
}

const untag = (ctx: OperationContext, g: LogGroupRecord, keys: string[]): void => {
  ctx.emulator.tags.untag(arnOf(ctx, g), keys)
}

/** Authorizes `action` on the log group an ARN names, then finds it (here only). */
function groupByArn (ctx: OperationContext, action: string, arn: string,
  context: RequestContext = {}): LogGroupRecord {
  const parsed = parseGroupArn(arn)
  if (parsed === undefined) {
    // (unconfirmed) wording; only log groups are taggable here.
    throw new AwsError('InvalidParameterException', `Invalid resource ARN: ${arn}`)
  }
  const resource = logArns.group(parsed, parsed.name)
  const tags = resourceTagContext(ctx, parsed.name)
  ctx.authorize({ action, resource, context: { ...tags, ...context } })
  const local = parsed.account === ctx.account && parsed.region === ctx.region
  const group = local ? ctx.emulator.logs.group(placeOf(ctx), parsed.name) : undefined
  if (group === undefined) throw logsErrors.noGroup() // (unconfirmed) wording for a missing ARN.
  return group
}

const keyContext = (keys: string[]): RequestContext =>
  keys.length === 0 ? {} : { 'aws:TagKeys': keys }

const TagResource = operation({
  authorize: 'handler',
  notes: 'Log groups only.',
  handle (input: { resourceArn: string, tags: Tags }, ctx) {
    const context = requestTagContext(input.tags)
    const group = groupByArn(ctx, 'logs:TagResource', input.resourceArn, context)
    tag(ctx, group, input.tags)
    return {}
  }
})

const UntagResource = operation({
  authorize: 'handler',
  notes: 'Log groups only.',
  handle (input: { resourceArn: string, tagKeys: string[] }, ctx) {
    const context = keyContext(input.tagKeys)
    const group = groupByArn(ctx, 'logs:UntagResource', input.resourceArn, context)
    untag(ctx, group, input.tagKeys)
    return {}
  }
})

const ListTagsForResource = operation({
  authorize: 'handler',
  notes: 'Log groups only.',
  handle (input: { resourceArn: string }, ctx) {
    return { tags: listOf(ctx, groupByArn(ctx, 'logs:ListTagsForResource', input.resourceArn)) }
  }
})

const TagLogGroup = operation({
  authorize: 'handler',
  handle (input: { logGroupName: string, tags: Tags }, ctx) {
    const context = requestTagContext(input.tags)
    const group = authorizedGroup(ctx, 'logs:TagLogGroup', input.logGroupName, context)
    tag(ctx, group, input.tags)
    return {}
  }
})

const UntagLogGroup = operation({
  authorize: 'handler',
  handle (input: { logGroupName: string, tags: string[] }, ctx) {
    const context = keyContext(input.tags)
    const group = authorizedGroup(ctx, 'logs:UntagLogGroup', input.logGroupName, context)
    untag(ctx, group, input.tags)
    return {}
  }
})

const ListTagsLogGroup = operation({
  authorize: 'handler',
  handle (input: { logGroupName: string }, ctx) {
    return { tags: listOf(ctx, authorizedGroup(ctx, 'logs:ListTagsLogGroup', input.logGroupName)) }
  }
})

export const tagOperations: Record<string, Operation> = {
  TagResource, UntagResource, ListTagsForResource, TagLogGroup, UntagLogGroup, ListTagsLogGroup
}
