/**
 * RegisterTargets, DeregisterTargets and DescribeTargetHealth. Instance targets must be
 * instances of the emulated EC2 in the group's VPC; ip targets addresses of the VPC or
 * private ones (src/elbv2/network.ts). Health is as src/elbv2/health.ts describes it.
 */
import { operation, type OperationContext } from '../registry.js'
import { describeHealth, stillDraining } from '../../src/elbv2/health.js'
import { ipInRange, zoneOfIp } from '../../src/elbv2/network.js'
import { elbv2Errors, validationError } from '../../src/elbv2/errors.js'
import type { TargetDescription, TargetGroupRecord } from '../../src/elbv2/types.js'
import { groupUsers, on, scope, store, targetGroup } from './common.js'

type Targets = { TargetGroupArn: string, Targets: TargetDescription[] }

const samePlace = (a: TargetDescription, b: TargetDescription): boolean => a.Id === b.Id && a.Port === b.Port

/** The targets with their ports (the group's by default) and zones. */
function placed (ctx: OperationContext, tg: TargetGroupRecord, targets: TargetDescription[]): TargetDescription[] {
  const group = tg.targetGroup
  const ec2 = ctx.emulator.ec2.store
  const out = targets.map(t => ({
    Id: t.Id, Port: group.TargetType === 'lambda' ? undefined : (t.Port ?? group.Port),
    AvailabilityZone: t.AvailabilityZone
  }))
  if (group.TargetType === 'instance') {
    const malformed = out.find(t => !/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(t.Id))
    if (malformed !== undefined) throw elbv2Errors.invalidInstanceId(malformed.Id)
    const instances = out.map(t => ec2.instance(scope(ctx), t.Id))
    const missing = out.filter((_, i) => instances[i] === undefined).map(t => t.Id)
    if (missing.length > 0) throw elbv2Errors.missingInstances(missing)
    const stopped = out.filter((_, i) => instances[i]!.state !== 'running').map(t => t.Id)
    if (stopped.length > 0) throw elbv2Errors.notRunning(stopped)
    const elsewhere = out.filter((_, i) => instances[i]!.vpcId !== group.VpcId).map(t => t.Id)
    if (elsewhere.length > 0) {
      // (unconfirmed) wording
      throw validationError(`The following targets are not in the target group VPC '${group.VpcId ?? ''}': '${elsewhere.join("', '")}'`)
    }
    return out.map((t, i) => ({ ...t, AvailabilityZone: instances[i]!.availabilityZone }))
  }
  if (group.TargetType === 'ip') {
    return out.map(t => {
      const where = ipInRange(ec2, scope(ctx), group.VpcId ?? '', t.Id)
      if (where === false) throw elbv2Errors.invalidIps([t.Id])
      const zone = where === 'vpc' ? zoneOfIp(ec2, scope(ctx), group.VpcId ?? '', t.Id) : 'all'
      return { ...t, AvailabilityZone: t.AvailabilityZone ?? zone }
    })
  }
  return out
}

const RegisterTargets = operation({
  authorize: 'handler',
  notes: 'Instance targets must be running instances of the emulated EC2 and sit in the group\'s VPC. ip targets may be addresses of the VPC, or private (RFC 1918, 100.64.0.0/10) or loopback addresses outside it, which get `AvailabilityZone: all` without being asked for it. Lambda targets are stored, not invoked.',
  handle (input: Targets, ctx) {
    const tg = targetGroup(ctx, input.TargetGroupArn)
    ctx.authorize(on(ctx, 'RegisterTargets', input.TargetGroupArn))
    const targets = placed(ctx, tg, input.Targets)
    const now = ctx.now.getTime()
    const record: TargetGroupRecord = {
      ...tg,
      targets: [...tg.targets, ...targets.filter(t => !tg.targets.some(r => samePlace(r, t)))],
      draining: stillDraining(tg, now).filter(d => !targets.some(t => samePlace(d, t)))
    }
    for (const t of targets) if (!tg.targets.some(r => samePlace(r, t))) store(ctx).health.clear(input.TargetGroupArn, t)
    store(ctx).save(record)
    return {}
  }
})

const DeregisterTargets = operation({
  authorize: 'handler',
  notes: 'A target of a group in use drains for the group\'s `deregistration_delay.timeout_seconds` (`draining`, Target.DeregistrationInProgress); a target of a group no listener uses goes at once.',
  handle (input: Targets, ctx) {
    const tg = targetGroup(ctx, input.TargetGroupArn)
    ctx.authorize(on(ctx, 'DeregisterTargets', input.TargetGroupArn))
    const port = (t: TargetDescription) =>
      tg.targetGroup.TargetType === 'lambda' ? undefined : (t.Port ?? tg.targetGroup.Port)
    const asked = input.Targets.map(t => ({ Id: t.Id, Port: port(t) }))
    const missing = asked.filter(t => !tg.targets.some(r => samePlace(r, t)))
    if (missing.length > 0) throw elbv2Errors.notRegistered(missing.map(t => t.Id))
    const now = ctx.now.getTime()
    const inUse = groupUsers(ctx).has(input.TargetGroupArn)
    // Scaled as every AWS delay is (the emulator's --time-scale, ECS_EMULATOR_TIME_SCALE).
    const delay = Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? '300') * 1000 * ctx.emulator.config.timeScale
    const leaving = tg.targets.filter(r => asked.some(t => samePlace(r, t)))
    const record: TargetGroupRecord = {
      ...tg,
      targets: tg.targets.filter(r => !asked.some(t => samePlace(r, t))),
      draining: [...stillDraining(tg, now), ...(inUse && delay > 0 ? leaving.map(t => ({ ...t, until: now + delay })) : [])]
    }
    for (const t of leaving) store(ctx).health.clear(input.TargetGroupArn, t)
    store(ctx).save(record)
    return {}
  }
})

const DescribeTargetHealth = operation({
  notes: 'Targets of a group a listener uses start `initial` (Elb.InitialHealthChecking) and become `healthy` or `unhealthy` by the data plane\'s own health checks; targets of a group not in use are `unused` (Target.NotInUse), deregistered ones `draining` for the deregistration delay.',
  handle (input: { TargetGroupArn: string, Targets?: TargetDescription[], Include?: string[] }, ctx) {
    const tg = targetGroup(ctx, input.TargetGroupArn)
    const inUse = groupUsers(ctx).has(input.TargetGroupArn)
    return {
      TargetHealthDescriptions: describeHealth(tg, inUse, store(ctx).health, ctx.now.getTime(), input.Targets)
    }
  }
})

export const targetOperations = { RegisterTargets, DeregisterTargets, DescribeTargetHealth }
