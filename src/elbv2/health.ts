/**
 * What DescribeTargetHealth reports before (and besides) the data plane: a target of a group
 * no listener or rule uses is `unused` (Target.NotInUse); one of a group in use is `initial`
 * (Elb.InitialHealthChecking) until the data plane reports on it through
 * `emulator.elbv2.health.set(...)`; a deregistered one is `draining`
 * (Target.DeregistrationInProgress) for the group's deregistration delay; one that was never
 * registered, or whose draining is over, is `unused` (Target.NotRegistered).
 */
import type { TargetHealthBoard } from '../../store/elbv2.js'
import type { DrainingTarget, TargetDescription, TargetGroupRecord, TargetHealth } from './types.js'

export interface TargetHealthDescription {
  Target: TargetDescription
  HealthCheckPort?: string
  TargetHealth: TargetHealth
}

const DESCRIPTIONS: Record<string, string> = {
  'Elb.InitialHealthChecking': 'Initial health checks in progress',
  'Target.NotInUse': 'Target group is not configured to receive traffic from the load balancer',
  'Target.NotRegistered': 'Target is not registered to the target group',
  'Target.DeregistrationInProgress': 'Target deregistration is in progress'
}

const report = (State: TargetHealth['State'], Reason: string): TargetHealth =>
  ({ State, Reason, Description: DESCRIPTIONS[Reason] })

/** The group's draining targets whose delay has not run out at `now` (epoch ms). */
export const stillDraining = (tg: TargetGroupRecord, now: number): DrainingTarget[] =>
  tg.draining.filter(d => d.until > now)

export function describeHealth (tg: TargetGroupRecord, inUse: boolean, board: TargetHealthBoard,
  now: number, asked?: TargetDescription[]): TargetHealthDescription[] {
  const port = (t: TargetDescription) => t.Port ?? tg.targetGroup.Port
  const same = (a: TargetDescription, b: TargetDescription) => a.Id === b.Id && port(a) === port(b)
  const draining = stillDraining(tg, now)
  const targets = asked?.map(t => ({ ...t, Port: port(t) })) ?? [...tg.targets, ...draining]
  return targets.map(t => {
    const registered = tg.targets.find(r => same(r, t))
    const drain = draining.find(d => same(d, t))
    // (unconfirmed) whether AWS names the zone of targets inside the VPC here; the emulator does.
    const zone = (registered ?? drain)?.AvailabilityZone
    const target: TargetDescription = { Id: t.Id, Port: t.Port, AvailabilityZone: zone }
    const healthCheckPort = tg.targetGroup.HealthCheckPort === 'traffic-port' || tg.targetGroup.HealthCheckPort === undefined
      ? (t.Port === undefined ? undefined : String(t.Port))
      : tg.targetGroup.HealthCheckPort
    const reported = () => board.get(tg.targetGroup.TargetGroupArn, target) ??
      report('initial', 'Elb.InitialHealthChecking')
    const health = registered !== undefined
      ? (inUse ? reported() : report('unused', 'Target.NotInUse'))
      : drain !== undefined
        ? report('draining', 'Target.DeregistrationInProgress')
        : report('unused', 'Target.NotRegistered')
    return { Target: target, HealthCheckPort: healthCheckPort, TargetHealth: health }
  })
}
