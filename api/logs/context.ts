/**
 * What every Logs handler needs: the caller's place, the group or stream a call names (after
 * authorizing on it), and the tag context keys Logs sets.
 */
import { resourceTagContext as tagKeys } from '../../src/iam/tag-context.js'
import type { OperationContext } from '../registry.js'
import type { RequestContext } from '../../src/iam/policy.js'
import type { WireTag } from '../../store/tags.js'
import {
  groupNameOf, logArns, logsErrors, type LogGroupRecord, type LogStreamRecord, type Place
} from '../../src/logs/model.js'

export const placeOf = (ctx: OperationContext): Place =>
  ({ account: ctx.account, region: ctx.region })

/** `aws:RequestTag/KEY` per tag and `aws:TagKeys`; nothing without tags. */
export function requestTagContext (tags: Record<string, string> | undefined): RequestContext {
  const keys = Object.keys(tags ?? {})
  if (keys.length === 0) return {}
  const context: RequestContext = { 'aws:TagKeys': keys }
  for (const k of keys) context[`aws:RequestTag/${k}`] = tags![k]
  return context
}

/** A Logs tag map as the tag store keeps it. */
export const wireTags = (tags: Record<string, string> | undefined): WireTag[] =>
  Object.entries(tags ?? {}).map(([key, value]) => ({ key, value }))

/** `aws:ResourceTag/KEY` for each tag the group has. */
export const resourceTagContext = (ctx: OperationContext, group: string): RequestContext =>
  tagKeys(ctx.emulator.tags.list(logArns.group(placeOf(ctx), group)))

/** Authorizes a group-level action on the group, then finds it. */
export function authorizedGroup (ctx: OperationContext, action: string, identifier: string,
  context: RequestContext = {}): LogGroupRecord {
  const place = placeOf(ctx)
  const name = groupNameOf(identifier)
  ctx.authorize({
    action,
    resource: logArns.groupActions(place, name),
    context: { ...resourceTagContext(ctx, name), ...context }
  })
  const group = ctx.emulator.logs.group(place, name)
  if (group === undefined) throw logsErrors.noGroup()
  return group
}

/** Authorizes a stream-level action on the stream, then finds its group and it. */
export function authorizedStream (ctx: OperationContext, action: string, identifier: string,
  streamName: string): { group: LogGroupRecord, stream: LogStreamRecord } {
  const place = placeOf(ctx)
  const name = groupNameOf(identifier)
  const resource = logArns.stream(place, name, streamName)
  ctx.authorize({ action, resource, context: resourceTagContext(ctx, name) })
  const group = ctx.emulator.logs.group(place, name)
  if (group === undefined) throw logsErrors.noGroup()
  const stream = ctx.emulator.logs.stream(place, name, streamName)
  if (stream === undefined) throw logsErrors.noStream()
  return { group, stream }
}

/** The group a call names by `logGroupName` or `logGroupIdentifier` (exactly one). */
export function oneGroup (input: { logGroupName?: string, logGroupIdentifier?: string }): string {
  const { logGroupName, logGroupIdentifier } = input
  if (logGroupName !== undefined && logGroupIdentifier !== undefined) {
    // (unconfirmed) wording.
    throw logsErrors.invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.')
  }
  const identifier = logGroupName ?? logGroupIdentifier
  // (unconfirmed) wording.
  if (identifier === undefined) throw logsErrors.invalid('Should provide either logGroupName or logGroupIdentifier.')
  return identifier
}

/** Opaque position tokens for DescribeLogGroups, DescribeLogStreams and FilterLogEvents. */
export const positionToken = {
  encode: (position: number): string =>
    Buffer.from(JSON.stringify({ position })).toString('base64'),
  decode (token: string | undefined): number {
    if (token === undefined) return 0
    let position: unknown
    try {
      const text = Buffer.from(token, 'base64').toString('utf8')
      position = (JSON.parse(text) as { position?: unknown }).position
    } catch {}
    if (typeof position === 'number' && Number.isInteger(position) && position >= 0) return position
    // (unconfirmed) wording.
    throw logsErrors.invalid('The specified nextToken is invalid.')
  }
}

/** One page of `items` from a position token, with the token for the rest. */
export function pageOf<T> (items: readonly T[], limit: number, token: string | undefined):
{ items: T[], nextToken?: string } {
  const start = positionToken.decode(token)
  const end = start + limit
  const page = items.slice(start, end)
  if (end >= items.length) return { items: page }
  return { items: page, nextToken: positionToken.encode(end) }
}
