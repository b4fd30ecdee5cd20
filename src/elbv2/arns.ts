/**
 * ELBv2's names for things: resource ARNs (as the Service Authorization Reference gives them),
 * their 16-hex-digit ids, load balancer DNS names and the hosted zone each region's load
 * balancers sit in.
 */
import { randomBytes } from 'node:crypto'
import type { Scope } from '../ecs/arns.js'
import type { LoadBalancer } from './types.js'

const base = (s: Scope): string => `arn:aws:elasticloadbalancing:${s.region}:${s.account}`

export const elbId = (): string => randomBytes(8).toString('hex')

/** `app` or `net`: the segment ARNs of a load balancer and of its listeners carry. */
export const typeSegment = (type: LoadBalancer['Type']): string => type === 'network' ? 'net' : 'app'

export const elbv2Arns = {
  loadBalancer: (s: Scope, type: LoadBalancer['Type'], name: string, id: string) =>
    `${base(s)}:loadbalancer/${typeSegment(type)}/${name}/${id}`,
  targetGroup: (s: Scope, name: string, id: string) => `${base(s)}:targetgroup/${name}/${id}`,
  /** `listener/app/NAME/LBID/ID`: the load balancer's path with the listener id after it. */
  listener: (loadBalancerArn: string, id: string) =>
    `${loadBalancerArn.replace(':loadbalancer/', ':listener/')}/${id}`,
  rule: (listenerArn: string, id: string) =>
    `${listenerArn.replace(':listener/', ':listener-rule/')}/${id}`
}

/** What kind of ELBv2 resource an ARN names (AddTags and DescribeTags take any of them). */
export function arnKind (arn: string): 'load-balancer' | 'target-group' | 'listener' | 'rule' | undefined {
  const m = /^arn:aws:elasticloadbalancing:[^:]*:\d{12}:([a-z-]+)\//.exec(arn)
  switch (m?.[1]) {
    case 'loadbalancer': return 'load-balancer'
    case 'targetgroup': return 'target-group'
    case 'listener': return 'listener'
    case 'listener-rule': return 'rule'
    default: return undefined
  }
}

/**
 * `NAME-<random>.REGION.elb.amazonaws.com`, `internal-` in front for internal ones.
 * (unconfirmed) The random part: AWS uses a decimal number for ALBs and hex for NLBs
 * (`NAME-<hex>.elb.REGION.amazonaws.com`); the emulator writes ALB's form for both types.
 */
export function dnsName (s: Scope, name: string, scheme: LoadBalancer['Scheme']): string {
  const random = String(1_000_000_000 + Math.floor(Math.random() * 999_999_999))
  return `${scheme === 'internal' ? 'internal-' : ''}${name}-${random}.${s.region}.elb.amazonaws.com`
}

/**
 * The Route 53 zone of a region's ALBs, and of its NLBs. (unconfirmed) Regions outside this
 * table get us-east-1's zones.
 */
const HOSTED_ZONES: Record<string, [alb: string, nlb: string]> = {
  'us-east-1': ['Z35SXDOTRQ7X7K', 'Z26RNL4JYFTOTI'],
  'us-east-2': ['Z3AADJGX6KTTL2', 'ZLMOA37VPKANP'],
  'us-west-1': ['Z368ELLRRE2KJ0', 'Z24FKFUX50B4VW'],
  'us-west-2': ['Z1H1FL5HABSF5', 'Z18D5FSROUN65G'],
  'eu-west-1': ['Z32O12XQLNTSW2', 'Z2IFOLAFXWLO4F'],
  'eu-central-1': ['Z215JYRZR1TBD5', 'Z3F0SRJ5LGBH90'],
  'ap-northeast-1': ['Z14GRHDCWA56QT', 'Z31USIVHYNEOWT'],
  'ap-southeast-1': ['Z1LMS91P8CMLE5', 'ZKVM4W9LS7TM'],
  'ap-southeast-2': ['Z1GM3OXH4ZPM65', 'ZCT6FZBF4DROD']
}

export function hostedZone (region: string, type: LoadBalancer['Type']): string {
  const zones = HOSTED_ZONES[region] ?? HOSTED_ZONES['us-east-1']
  return zones[type === 'network' ? 1 : 0]
}
