/**
 * The condition keys a resource's tags put into a request context: `aws:ResourceTag/KEY`, and
 * for services that define their own alias (`ecs:ResourceTag/KEY`,
 * `secretsmanager:ResourceTag/KEY`) that key too, with the same value.
 */
import type { WireTag } from '../../store/tags.js'
import type { RequestContext } from './policy.js'

export function resourceTagContext (tags: readonly WireTag[], servicePrefix?: string): RequestContext {
  const context: RequestContext = {}
  for (const t of tags) {
    context[`aws:ResourceTag/${t.key}`] = t.value
    if (servicePrefix !== undefined) context[`${servicePrefix}:ResourceTag/${t.key}`] = t.value
  }
  return context
}
