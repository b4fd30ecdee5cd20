/**
 * ELBv2's resources, kept in the wire shape of its API (member names as the 2015-12-01 model
 * spells them), so that Describe answers are the stored documents and the data plane and the
 * rule engine read listeners, rules and actions exactly as AWS hands them out.
 */
import type { Scope } from '../ecs/arns.js'

export interface Tag { Key: string, Value?: string }

// ---------------------------------------------------------------- actions and conditions

export interface TargetGroupTuple { TargetGroupArn?: string, Weight?: number }

export interface ForwardActionConfig {
  TargetGroups?: TargetGroupTuple[]
  TargetGroupStickinessConfig?: { Enabled?: boolean, DurationSeconds?: number }
}

export interface RedirectActionConfig {
  Protocol?: string
  Port?: string
  Host?: string
  Path?: string
  Query?: string
  StatusCode: 'HTTP_301' | 'HTTP_302'
}

export interface FixedResponseActionConfig {
  MessageBody?: string
  StatusCode: string
  ContentType?: string
}

export interface Action {
  Type: 'forward' | 'redirect' | 'fixed-response' | 'authenticate-oidc' | 'authenticate-cognito' | string
  TargetGroupArn?: string
  Order?: number
  RedirectConfig?: RedirectActionConfig
  FixedResponseConfig?: FixedResponseActionConfig
  ForwardConfig?: ForwardActionConfig
}

export interface RuleCondition {
  Field?: string
  Values?: string[]
  HostHeaderConfig?: { Values?: string[] }
  PathPatternConfig?: { Values?: string[] }
  HttpHeaderConfig?: { HttpHeaderName?: string, Values?: string[] }
  QueryStringConfig?: { Values?: { Key?: string, Value?: string }[] }
  HttpRequestMethodConfig?: { Values?: string[] }
  SourceIpConfig?: { Values?: string[] }
}

/** A listener rule as DescribeRules answers it; `Priority` is `'default'` for the default rule. */
export interface Rule {
  RuleArn: string
  Priority: string
  Conditions: RuleCondition[]
  Actions: Action[]
  IsDefault: boolean
}

// ---------------------------------------------------------------- resources

export interface AvailabilityZone {
  ZoneName: string
  SubnetId: string
  LoadBalancerAddresses: { IpAddress?: string, AllocationId?: string }[]
}

export type LoadBalancerState = 'provisioning' | 'active' | 'failed'

export interface LoadBalancer {
  LoadBalancerArn: string
  DNSName: string
  CanonicalHostedZoneId: string
  CreatedTime: string
  LoadBalancerName: string
  Scheme: 'internet-facing' | 'internal'
  VpcId: string
  State: { Code: LoadBalancerState, Reason?: string }
  Type: 'application' | 'network'
  AvailabilityZones: AvailabilityZone[]
  SecurityGroups?: string[]
  IpAddressType: string
}

export interface LoadBalancerRecord extends Scope {
  kind: 'load-balancer'
  loadBalancer: LoadBalancer
  attributes: Record<string, string>
  /** Epoch milliseconds from which DescribeLoadBalancers reports `active`. */
  activeAt: number
}

export interface Matcher { HttpCode?: string, GrpcCode?: string }

export interface TargetGroup {
  TargetGroupArn: string
  TargetGroupName: string
  Protocol?: string
  Port?: number
  VpcId?: string
  HealthCheckProtocol?: string
  HealthCheckPort?: string
  HealthCheckEnabled: boolean
  HealthCheckIntervalSeconds?: number
  HealthCheckTimeoutSeconds?: number
  HealthyThresholdCount?: number
  UnhealthyThresholdCount?: number
  HealthCheckPath?: string
  Matcher?: Matcher
  LoadBalancerArns?: string[]
  TargetType: 'instance' | 'ip' | 'lambda' | 'alb'
  ProtocolVersion?: string
  IpAddressType?: string
}

/** A registered target; `Port` is always set (the group's port when the caller gave none). */
export interface TargetDescription { Id: string, Port?: number, AvailabilityZone?: string }

export interface DrainingTarget extends TargetDescription {
  /** Epoch milliseconds at which the deregistration delay ends. */
  until: number
}

export interface TargetGroupRecord extends Scope {
  kind: 'target-group'
  targetGroup: TargetGroup
  attributes: Record<string, string>
  targets: TargetDescription[]
  draining: DrainingTarget[]
}

export interface Certificate { CertificateArn?: string, IsDefault?: boolean }

export interface Listener {
  ListenerArn: string
  LoadBalancerArn: string
  Port: number
  Protocol: string
  Certificates?: Certificate[]
  SslPolicy?: string
  DefaultActions: Action[]
  AlpnPolicy?: string[]
}

export interface ListenerRecord extends Scope {
  kind: 'listener'
  listener: Listener
}

export interface RuleRecord extends Scope {
  kind: 'rule'
  listenerArn: string
  rule: Rule
}

export type Elbv2Resource = LoadBalancerRecord | TargetGroupRecord | ListenerRecord | RuleRecord
export type Elbv2Kind = Elbv2Resource['kind']

// ---------------------------------------------------------------- target health

export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' |
  'unavailable' | 'unhealthy.draining'

export interface TargetHealth {
  State: TargetHealthState
  Reason?: string
  Description?: string
}
