/**
 * CreateTargetGroup, DescribeTargetGroups, ModifyTargetGroup, DeleteTargetGroup and the
 * target group attributes.
 */
import { operation, type OperationContext } from '../registry.js'
import { elbId, elbv2Arns } from '../../src/elbv2/arns.js'
import { healthCheckDefaults, isHttp, targetGroupAttributes } from '../../src/elbv2/defaults.js'
import { elbv2Errors, validationError } from '../../src/elbv2/errors.js'
import { vpcExists } from '../../src/elbv2/network.js'
import type { Matcher, Tag, TargetGroup, TargetGroupRecord } from '../../src/elbv2/types.js'
import { checkTags, createChecks, groupUsers, loadBalancer, on, page, saveTags, scope, store,
  targetGroup } from './common.js'

interface HealthCheckInput {
  HealthCheckProtocol?: string
  HealthCheckPort?: string
  HealthCheckEnabled?: boolean
  HealthCheckPath?: string
  HealthCheckIntervalSeconds?: number
  HealthCheckTimeoutSeconds?: number
  HealthyThresholdCount?: number
  UnhealthyThresholdCount?: number
  Matcher?: Matcher
}

interface CreateTargetGroupInput extends HealthCheckInput {
  Name: string
  Protocol?: string
  ProtocolVersion?: string
  Port?: number
  VpcId?: string
  TargetType?: TargetGroup['TargetType']
  Tags?: Tag[]
  IpAddressType?: string
}

/** Every target group answer lists the load balancers that use it. */
export function wireTargetGroup (tg: TargetGroupRecord, users: Map<string, Set<string>>): TargetGroup {
  return { ...tg.targetGroup, LoadBalancerArns: [...(users.get(tg.targetGroup.TargetGroupArn) ?? [])] }
}

function checkName (name: string): void {
  if (name.length > 32 || !/^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(name)) {
    // (unconfirmed) wording
    throw validationError(`Target group name '${name}' can have a maximum of 32 characters, must contain only alphanumeric characters or hyphens, and must not begin or end with a hyphen`)
  }
}

function newTargetGroup (input: CreateTargetGroupInput, arn: string): TargetGroup {
  const targetType = input.TargetType ?? 'instance'
  if (targetType === 'lambda') {
    if (input.Protocol !== undefined || input.Port !== undefined || input.VpcId !== undefined) {
      // (unconfirmed) wording
      throw validationError('Protocol, port and VPC ID cannot be specified for target groups with target type \'lambda\'')
    }
  } else {
    // (unconfirmed) wording of the three
    if (input.Protocol === undefined) throw validationError('A protocol must be specified')
    if (input.Port === undefined) throw validationError('A port must be specified')
    if (input.VpcId === undefined) throw validationError('A VPC ID must be specified')
  }
  const defaults = healthCheckDefaults(input.Protocol, targetType)
  const tg: TargetGroup = {
    TargetGroupArn: arn, TargetGroupName: input.Name, Protocol: input.Protocol, Port: input.Port,
    VpcId: input.VpcId, ...defaults, ...definedHealthCheck(input), TargetType: targetType,
    ProtocolVersion: isHttp(input.Protocol) ? (input.ProtocolVersion ?? 'HTTP1') : undefined,
    IpAddressType: targetType === 'lambda' ? undefined : (input.IpAddressType ?? 'ipv4')
  }
  checkHealthCheck(tg)
  return tg
}

const definedHealthCheck = (input: HealthCheckInput): Partial<TargetGroup> => Object.fromEntries(
  (['HealthCheckProtocol', 'HealthCheckPort', 'HealthCheckEnabled', 'HealthCheckPath',
    'HealthCheckIntervalSeconds', 'HealthCheckTimeoutSeconds', 'HealthyThresholdCount',
    'UnhealthyThresholdCount', 'Matcher'] as const)
    .filter(k => input[k] !== undefined).map(k => [k, input[k]]))

function checkHealthCheck (tg: TargetGroup): void {
  const interval = tg.HealthCheckIntervalSeconds
  const timeout = tg.HealthCheckTimeoutSeconds
  if (interval !== undefined && timeout !== undefined && timeout >= interval) {
    // (unconfirmed) wording
    throw validationError('Health check interval must be greater than the timeout.')
  }
  if (tg.HealthCheckPath !== undefined && !tg.HealthCheckPath.startsWith('/')) {
    // (unconfirmed) wording
    throw validationError('Health check path must begin with \'/\'')
  }
  const port = tg.HealthCheckPort
  if (port !== undefined && port !== 'traffic-port' && !(Number(port) >= 1 && Number(port) <= 65535)) {
    // (unconfirmed) wording
    throw validationError(`Health check port '${port}' must be 'traffic-port' or a number between 1 and 65535`)
  }
}

const CreateTargetGroup = operation({
  authorize: 'handler',
  notes: 'Target types `instance`, `ip` and `lambda` (stored; lambda targets are not invoked); `alb` is refused.',
  handle (input: CreateTargetGroupInput, ctx) {
    checkName(input.Name)
    checkTags(input.Tags)
    if (input.TargetType === 'alb') throw validationError('Target type \'alb\' is not supported by the emulator')
    const s = store(ctx)
    const existing = s.list<TargetGroupRecord>(scope(ctx), 'target-group')
      .find(tg => tg.targetGroup.TargetGroupName === input.Name)
    const arn = existing?.targetGroup.TargetGroupArn ?? elbv2Arns.targetGroup(scope(ctx), input.Name, elbId())
    const tg = newTargetGroup(input, arn)
    if (tg.VpcId !== undefined && !vpcExists(ctx.emulator.ec2.store, scope(ctx), tg.VpcId)) {
      // (unconfirmed) wording
      throw validationError(`The VPC ID '${tg.VpcId}' is not found`)
    }
    ctx.authorize(createChecks('CreateTargetGroup', arn, input.Tags))

    if (existing !== undefined) return sameOrDuplicate(existing, tg, ctx)
    const record: TargetGroupRecord = { ...scope(ctx), kind: 'target-group', targetGroup: tg,
      attributes: targetGroupAttributes(tg), targets: [], draining: [] }
    s.save(record)
    saveTags(ctx, arn, input.Tags)
    return { TargetGroups: [wireTargetGroup(record, new Map())] }
  }
})

function sameOrDuplicate (existing: TargetGroupRecord, asked: TargetGroup, ctx: OperationContext) {
  const e = existing.targetGroup
  const same = (['Protocol', 'Port', 'VpcId', 'TargetType', 'HealthCheckPath', 'HealthCheckPort',
    'HealthCheckProtocol', 'HealthCheckIntervalSeconds', 'HealthCheckTimeoutSeconds',
    'HealthyThresholdCount', 'UnhealthyThresholdCount'] as const).every(k => e[k] === asked[k]) &&
    e.Matcher?.HttpCode === asked.Matcher?.HttpCode
  if (!same) throw elbv2Errors.duplicateTargetGroupName(e.TargetGroupName)
  return { TargetGroups: [wireTargetGroup(existing, groupUsers(ctx))] }
}

interface DescribeTargetGroupsInput {
  LoadBalancerArn?: string
  TargetGroupArns?: string[]
  Names?: string[]
  Marker?: string
  PageSize?: number
}

const DescribeTargetGroups = operation({
  handle (input: DescribeTargetGroupsInput, ctx) {
    const users = groupUsers(ctx)
    let all = store(ctx).list<TargetGroupRecord>(scope(ctx), 'target-group')
    if (input.TargetGroupArns !== undefined) {
      all = input.TargetGroupArns.map(arn => targetGroup(ctx, arn))
    } else if (input.Names !== undefined) {
      all = input.Names.map(name => {
        const found = all.find(tg => tg.targetGroup.TargetGroupName === name)
        if (found === undefined) throw elbv2Errors.targetGroupNotFound()
        return found
      })
    }
    if (input.LoadBalancerArn !== undefined) {
      loadBalancer(ctx, input.LoadBalancerArn)
      all = all.filter(tg => users.get(tg.targetGroup.TargetGroupArn)?.has(input.LoadBalancerArn!) === true)
    }
    const p = page(all, input.Marker, input.PageSize)
    return { TargetGroups: p.items.map(tg => wireTargetGroup(tg, users)), NextMarker: p.NextMarker }
  }
})

const ModifyTargetGroup = operation({
  authorize: 'handler',
  handle (input: HealthCheckInput & { TargetGroupArn: string }, ctx) {
    const tg = targetGroup(ctx, input.TargetGroupArn)
    ctx.authorize(on(ctx, 'ModifyTargetGroup', input.TargetGroupArn))
    const changed: TargetGroup = { ...tg.targetGroup, ...definedHealthCheck(input) }
    checkHealthCheck(changed)
    const record = { ...tg, targetGroup: changed }
    store(ctx).save(record)
    return { TargetGroups: [wireTargetGroup(record, groupUsers(ctx))] }
  }
})

const DeleteTargetGroup = operation({
  authorize: 'handler',
  notes: 'Deleting a target group that does not exist succeeds, as on AWS.',
  handle (input: { TargetGroupArn: string }, ctx) {
    const s = store(ctx)
    const tg = s.get<TargetGroupRecord>('target-group', input.TargetGroupArn)
    ctx.authorize(on(ctx, 'DeleteTargetGroup', input.TargetGroupArn))
    if (tg === undefined) return {}
    if (groupUsers(ctx).has(input.TargetGroupArn)) throw elbv2Errors.targetGroupInUse(input.TargetGroupArn)
    s.remove(input.TargetGroupArn)
    s.health.clear(input.TargetGroupArn)
    ctx.emulator.tags.drop(input.TargetGroupArn)
    return {}
  }
})

type Attribute = { Key?: string, Value?: string }
const wireAttributes = (a: Record<string, string>): Attribute[] =>
  Object.entries(a).map(([Key, Value]) => ({ Key, Value }))

const DescribeTargetGroupAttributes = operation({
  handle (input: { TargetGroupArn: string }, ctx) {
    return { Attributes: wireAttributes(targetGroup(ctx, input.TargetGroupArn).attributes) }
  }
})

const NUMERIC: Record<string, [number, number]> = {
  'deregistration_delay.timeout_seconds': [0, 3600],
  'slow_start.duration_seconds': [0, 900],
  'stickiness.lb_cookie.duration_seconds': [1, 604800],
  'stickiness.app_cookie.duration_seconds': [1, 604800]
}

const ModifyTargetGroupAttributes = operation({
  authorize: 'handler',
  notes: 'Attributes are stored and answered; the data plane reads `deregistration_delay.timeout_seconds`, stickiness and the algorithm from here.',
  handle (input: { TargetGroupArn: string, Attributes: Attribute[] }, ctx) {
    const tg = targetGroup(ctx, input.TargetGroupArn)
    ctx.authorize(on(ctx, 'ModifyTargetGroupAttributes', input.TargetGroupArn))
    const attributes = { ...tg.attributes }
    for (const a of input.Attributes) {
      const key = a.Key ?? ''
      const value = a.Value ?? ''
      // (unconfirmed) wording of the three messages
      if (!(key in attributes)) throw validationError(`Target group attribute key '${key}' is not recognized`)
      const range = NUMERIC[key]
      const n = Number(value)
      if (range !== undefined && !(Number.isInteger(n) && n >= range[0] && n <= range[1])) {
        throw validationError(`Target group attribute value '${value}' for '${key}' must be an integer between ${range[0]} and ${range[1]}`)
      }
      if (key.endsWith('.enabled') && value !== 'true' && value !== 'false') {
        throw validationError(`Target group attribute value '${value}' for '${key}' must be 'true' or 'false'`)
      }
      attributes[key] = value
    }
    store(ctx).save({ ...tg, attributes })
    return { Attributes: wireAttributes(attributes) }
  }
})

export const targetGroupOperations = {
  CreateTargetGroup, DescribeTargetGroups, ModifyTargetGroup, DeleteTargetGroup,
  DescribeTargetGroupAttributes, ModifyTargetGroupAttributes
}
