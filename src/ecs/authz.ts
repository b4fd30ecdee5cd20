/**
 * The request-context keys ECS sets when it authorizes a call: the tags a request adds, the
 * tags a resource already has, and the extra `ecs:TagResource` check for tagging on create
 * (AWS's tagResourceAuthorization).
 */
import type { Check } from '../../api/registry.js'
import { resourceTagContext as tagKeys } from '../iam/tag-context.js'
import type { RequestContext } from '../iam/policy.js'
import type { WireTag } from '../../store/tags.js'

/** `aws:RequestTag/KEY` for each tag and `aws:TagKeys`; nothing when there are no tags. */
export function requestTagContext (tags: readonly WireTag[] | undefined): RequestContext {
  if (tags === undefined || tags.length === 0) return {}
  const context: RequestContext = { 'aws:TagKeys': tags.map(t => t.key) }
  for (const t of tags) context[`aws:RequestTag/${t.key}`] = t.value ?? ''
  return context
}

/** `aws:ResourceTag/KEY`, and the older `ecs:ResourceTag/KEY` ECS also defines, per tag. */
export function resourceTagContext (tags: readonly WireTag[]): RequestContext {
  return tagKeys(tags, 'ecs')
}

export type CreateAction = 'CreateCluster' | 'RegisterContainerInstance' |
  'RegisterTaskDefinition' | 'CreateService' | 'RunTask' | 'StartTask' |
  'CreateCapacityProvider' | 'CreateTaskSet'

/** The `ecs:TagResource` check a create call with tags makes on the new resource. */
export function tagOnCreate (resource: string, action: CreateAction,
  tags: readonly WireTag[]): Check {
  return {
    action: 'ecs:TagResource',
    resource,
    context: { 'ecs:CreateAction': action, ...requestTagContext(tags) }
  }
}
