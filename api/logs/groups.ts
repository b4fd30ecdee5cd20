/**
 * Log groups: CreateLogGroup, DeleteLogGroup, DescribeLogGroups, PutRetentionPolicy,
 * DeleteRetentionPolicy.
 */
import { operation, type Operation, type OperationContext } from '../registry.js'
import {
  checkRetention, groupNameOf, logArns, logsErrors, newGroup, type LogGroupRecord
} from '../../src/logs/model.js'
import { authorizedGroup, pageOf, placeOf, requestTagContext, wireTags } from './context.js'

interface CreateLogGroupRequest {
  logGroupName: string
  kmsKeyId?: string
  tags?: Record<string, string>
  logGroupClass?: string
  deletionProtectionEnabled?: boolean
}

const CreateLogGroup = operation({
  notes: 'A tagged create is authorized as logs:CreateLogGroup with the request tags only (no separate logs:TagResource check). `kmsKeyId` is stored and echoed, not checked against KMS; `logGroupClass` is echoed.',
  authorize: (input: CreateLogGroupRequest, ctx) => [{
    action: 'logs:CreateLogGroup',
    resource: logArns.groupActions(placeOf(ctx), input.logGroupName),
    context: requestTagContext(input.tags)
  }],
  handle (input: CreateLogGroupRequest, ctx) {
    const place = placeOf(ctx)
    if (ctx.emulator.logs.group(place, input.logGroupName) !== undefined) throw logsErrors.groupExists()

    const group = newGroup(place, input, ctx.now)
    const arn = logArns.group(place, group.logGroupName)
    ctx.emulator.db.transaction(() => {
      ctx.emulator.tags.drop(arn)
      ctx.emulator.logs.saveGroup(group)
      ctx.emulator.tags.tag(arn, wireTags(input.tags))
    })()
    return {}
  }
})

const DeleteLogGroup = operation({
  authorize: 'handler',
  notes: '`deletionProtectionEnabled` is stored and shown but does not block the delete.',
  handle (input: { logGroupName: string }, ctx) {
    const group = authorizedGroup(ctx, 'logs:DeleteLogGroup', input.logGroupName)

    ctx.emulator.db.transaction(() => {
      ctx.emulator.logs.deleteGroup(placeOf(ctx), group.logGroupName)
      ctx.emulator.tags.drop(logArns.group(placeOf(ctx), group.logGroupName))
    })()
    return {}
  }
})

interface DescribeLogGroupsRequest {
  logGroupNamePrefix?: string
  logGroupNamePattern?: string
  logGroupIdentifiers?: string[]
  nextToken?: string
  limit?: number
}

function wireGroup (ctx: OperationContext, g: LogGroupRecord) {
  const place = placeOf(ctx)
  return {
    logGroupName: g.logGroupName,
    creationTime: g.creationTime,
    retentionInDays: g.retentionInDays,
    metricFilterCount: 0,
    arn: logArns.groupWildcard(place, g.logGroupName),
    storedBytes: ctx.emulator.logs.storedBytes(place, g.logGroupName),
    kmsKeyId: g.kmsKeyId,
    logGroupClass: g.logGroupClass,
    logGroupArn: logArns.group(place, g.logGroupName),
    deletionProtectionEnabled: g.deletionProtectionEnabled ? true : undefined
  }
}

function matching (input: DescribeLogGroupsRequest): (g: LogGroupRecord) => boolean {
  const { logGroupNamePrefix: prefix, logGroupNamePattern: pattern } = input
  if (prefix !== undefined && pattern !== undefined) {
    // (unconfirmed) wording.
    throw logsErrors.invalid('LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.')
  }
  const ids = input.logGroupIdentifiers?.map(i => groupNameOf(i.replace(/:\*$/, '')))
  return g => (prefix === undefined || g.logGroupName.startsWith(prefix)) &&
    (pattern === undefined || g.logGroupName.toLowerCase().includes(pattern.toLowerCase())) &&
    (ids === undefined || ids.includes(g.logGroupName))
}

const DescribeLogGroups = operation({
  notes: 'Cross-account (`accountIdentifiers`, `includeLinkedAccounts`) and `logGroupClass` filtering are not emulated. `metricFilterCount` is always 0 (metric filters are not served).',
  handle (input: DescribeLogGroupsRequest, ctx) {
    const all = ctx.emulator.logs.groups(placeOf(ctx)).filter(matching(input))
    const page = pageOf(all, input.limit ?? 50, input.nextToken)
    return { logGroups: page.items.map(g => wireGroup(ctx, g)), nextToken: page.nextToken }
  }
})

const PutRetentionPolicy = operation({
  authorize: 'handler',
  handle (input: { logGroupName: string, retentionInDays: number }, ctx) {
    checkRetention(input.retentionInDays)
    const group = authorizedGroup(ctx, 'logs:PutRetentionPolicy', input.logGroupName)

    ctx.emulator.logs.saveGroup({ ...group, retentionInDays: input.retentionInDays })
    return {}
  }
})

const DeleteRetentionPolicy = operation({
  authorize: 'handler',
  handle (input: { logGroupName: string }, ctx) {
    const group = authorizedGroup(ctx, 'logs:DeleteRetentionPolicy', input.logGroupName)

    ctx.emulator.logs.saveGroup({ ...group, retentionInDays: undefined })
    return {}
  }
})

export const groupOperations: Record<string, Operation> = {
  CreateLogGroup, DeleteLogGroup, DescribeLogGroups, PutRetentionPolicy, DeleteRetentionPolicy
}
