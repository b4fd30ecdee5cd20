/**
 * How EC2 is authorized: the resource ARNs of its actions (as the Service Authorization
 * Reference gives them; Describe actions take `*`), the `aws:ResourceTag/*` context of a
 * tagged resource, and the wording of EC2's UnauthorizedOperation.
 */
import type { Check } from '../../api/registry.js'
import type { Scope } from '../ecs/arns.js'
import type { DecisionRecord } from '../../store/decisions.js'
import { resourceTagContext } from '../iam/tag-context.js'
import type { RequestContext } from '../iam/policy.js'
import type { Ec2Tag } from './network.js'

export type Ec2ResourceType = 'vpc' | 'subnet' | 'security-group' | 'instance' | 'network-interface' |
  'route-table' | 'internet-gateway' | 'volume' | 'security-group-rule'

export const ec2Arn = (scope: Scope, type: Ec2ResourceType, id: string): string =>
  `arn:aws:ec2:${scope.region}:${scope.account}:${type}/${id}`

/** Public images have no account in their ARN. */
export const imageArn = (region: string, id: string): string => `arn:aws:ec2:${region}::image/${id}`

/** One check of `ec2:ACTION` on a resource, with its tags as `aws:ResourceTag/*`. */
export function on (action: string, resource: string, tags: readonly Ec2Tag[] = [],
  context: RequestContext = {}): Check {
  return { action: `ec2:${action}`, resource, context: { ...resourceTagContext(tags), ...context } }
}

/** The tags a create call asks for, as `aws:RequestTag/*` and `aws:TagKeys`. */
export function requestTagContext (tags: readonly Ec2Tag[]): RequestContext {
  if (tags.length === 0) return {}
  const context: RequestContext = { 'aws:TagKeys': tags.map(t => t.key) }
  for (const t of tags) context[`aws:RequestTag/${t.key}`] = t.value
  return context
}

/**
 * `You are not authorized to perform this operation. User: … because no identity-based policy
 * allows the ec2:X action`, then, for actions on a resource, an encoded authorization failure
 * message. Describe actions (on `*`) name no resource and carry no encoded message.
 * (unconfirmed) The encoded message is the decision as base64 JSON, not AWS's encrypted form,
 * and sts:DecodeAuthorizationMessage is not served.
 */
export function ec2DenialMessage (d: DecisionRecord): string {
  const head = 'You are not authorized to perform this operation.'
  const message = d.message ?? ''
  if (d.resource === '*') return `${head} ${message.replace(' on resource: *', '')}`
  return `${head} ${message}. Encoded authorization failure message: ${encoded(d)}`
}

function encoded (d: DecisionRecord): string {
  const conditions = Object.entries(d.context).map(([key, v]) => ({
    key, values: { items: (Array.isArray(v) ? v : [v]).map(value => ({ value: String(value) })) }
  }))
  const body = {
    allowed: false,
    explicitDeny: d.decision === 'ExplicitDeny',
    matchedStatements: { items: [] },
    failures: { items: [] },
    context: {
      principal: { arn: d.principal }, action: d.action, resource: d.resource,
      conditions: { items: conditions }
    }
  }
  return Buffer.from(JSON.stringify(body)).toString('base64url')
}
