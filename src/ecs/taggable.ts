/**
 * Which ECS resources TagResource, UntagResource and ListTagsForResource accept, and how each
 * one's existence is checked: one row per resource type of the ARN; a type without a row is
 * an invalid ARN for tagging.
 */
import type { Emulator } from '../emulator.js'
import { parseArn, type Scope } from './arns.js'
import { isKnownProvider } from './capacity-provider.js'
import { ecsErrors } from './errors.js'

/** Whether the resource named by the ARN's path (after `type/`) is there. */
export type Presence = 'present' | 'cluster-missing' | 'missing'

export interface TaggableType {
  /** Path segments of the long ARN format: 1 in `cluster/NAME`, 2 in `container-instance/C/ID`. */
  segments: number
  /** Path segments of the old short format, which tagging refuses (none for clusters). */
  shortSegments?: number
  presence (emulator: Emulator, scope: Scope, path: string[]): Presence
}

export const TAGGABLE: Record<string, TaggableType> = {
  cluster: {
    segments: 1,
    presence: (e, scope, [name]) =>
      e.ecs.clusters.get(scope, name) === undefined ? 'cluster-missing' : 'present'
  },
  'container-instance': {
    segments: 2,
    shortSegments: 1,
    presence (e, scope, [cluster, id]) {
      if (e.ecs.clusters.get(scope, cluster) === undefined) return 'cluster-missing'
      return found(e.ecs.containerInstances.get(scope, cluster, id))
    }
  },
  task: {
    segments: 2,
    shortSegments: 1,
    presence (e, scope, [cluster, id]) {
      if (e.ecs.clusters.get(scope, cluster) === undefined) return 'cluster-missing'
      return found(e.ecs.tasks.get(scope, cluster, id))
    }
  },
  service: {
    segments: 2,
    shortSegments: 1,
    presence (e, scope, [cluster, name]) {
      if (e.ecs.clusters.get(scope, cluster) === undefined) return 'cluster-missing'
      // (unconfirmed) that an INACTIVE service can no longer be tagged
      const s = e.ecs.services.get(scope, cluster, name)
      return found(s?.status === 'INACTIVE' ? undefined : s)
    }
  },
  'capacity-provider': {
    segments: 1,
    // Only the two Fargate providers exist: CreateCapacityProvider is not emulated.
    presence: (_e, _scope, [name]) => found(isKnownProvider(name) ? name : undefined)
  },
  'task-definition': {
    segments: 1,
    presence (e, scope, [familyRevision]) {
      const m = /^([a-zA-Z0-9_-]{1,255}):([1-9][0-9]*)$/.exec(familyRevision)
      // Deregistered (INACTIVE) revisions keep their tags and can still be tagged.
      return found(m === null ? undefined : e.ecs.taskDefinitions.get(scope, m[1], Number(m[2])))
    }
  }
}

const found = (resource: unknown): Presence => resource === undefined ? 'missing' : 'present'

export interface TaggableRef { arn: string, type: string, path: string[] }

/** Reads a tagging ARN: an ECS ARN of a taggable type, in the long format. */
export function taggableRef (resourceArn: string): TaggableRef {
  const arn = parseArn(resourceArn)
  if (arn === undefined || arn.service !== 'ecs') throw ecsErrors.invalidArn()
  const [type, ...path] = arn.resource.split('/')
  const row = Object.hasOwn(TAGGABLE, type) ? TAGGABLE[type] : undefined
  if (row === undefined || path.some(p => p === '')) throw ecsErrors.invalidArn()
  if (path.length === row.shortSegments) throw ecsErrors.shortArnTagging()
  if (path.length !== row.segments) throw ecsErrors.invalidArn()
  return { arn: resourceArn, type, path }
}

/**
 * Throws unless the resource exists in the caller's account and region. Tag calls answer a
 * missing cluster with ClusterNotFoundException; other resources with ResourceNotFoundException,
 * or for ListTagsForResource (whose model has no such error) InvalidParameterException.
 */
export function requireTaggable (emulator: Emulator, scope: Scope, ref: TaggableRef,
  listing: boolean): void {
  const arn = parseArn(ref.arn)!
  const local = arn.account === scope.account && arn.region === scope.region
  const presence = local ? TAGGABLE[ref.type].presence(emulator, scope, ref.path) : 'missing'
  if (presence === 'present') return
  if (presence === 'cluster-missing' || ref.type === 'cluster') throw ecsErrors.clusterNotFound()
  throw listing ? ecsErrors.resourceNotFoundForList() : ecsErrors.resourceNotFound()
}
