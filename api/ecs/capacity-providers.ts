/**
 * ECS capacity providers: DescribeCapacityProviders over the FARGATE and FARGATE_SPOT providers
 * every account has. CreateCapacityProvider and the other Auto Scaling group calls are not
 * served (they answer UnknownOperationException).
 */
import { operation, type Operation } from '../registry.js'
import { arns } from '../../src/ecs/arns.js'
import {
  FARGATE_PROVIDERS, isKnownProvider, providerName, toWireCapacityProvider
} from '../../src/ecs/capacity-provider.js'
import { activeCluster, clusterRef, resourceTags, scopeOf } from '../../src/ecs/context.js'
import { ecsErrors } from '../../src/ecs/errors.js'
import { paginate } from '../../src/ecs/pagination.js'

interface DescribeCapacityProvidersRequest {
  capacityProviders?: string[]
  cluster?: string
  include?: string[]
  maxResults?: number
  nextToken?: string
}

const DescribeCapacityProviders = operation({
  authorize: 'handler',
  notes: 'Lists FARGATE and FARGATE_SPOT; there are no Auto Scaling group providers.',
  handle (input: DescribeCapacityProvidersRequest, ctx) {
    const scope = scopeOf(ctx)
    const asked = input.capacityProviders ?? []
    if (asked.length > 100) throw ecsErrors.tooMany('capacityProviders', 100)
    const names = asked.length === 0 ? [...FARGATE_PROVIDERS] : asked.map(providerName)
    const providerArns = names.map(name => arns.capacityProvider(scope, name))
    ctx.authorize(providerArns.map(arn =>
      ({ action: 'ecs:DescribeCapacityProviders', resource: arn, context: resourceTags(ctx, arn) })))
    if (input.cluster !== undefined) activeCluster(ctx, clusterRef(input.cluster, scope))

    const page = paginate(names, input.maxResults, input.nextToken, { fallback: 10, max: 10 })
    const includeTags = input.include?.includes('TAGS') === true
    const failures = page.items.filter(n => !isKnownProvider(n))
      .map(n => ({ arn: arns.capacityProvider(scope, n), reason: 'MISSING' }))
    const capacityProviders = page.items.filter(isKnownProvider).map(n => {
      const tags = ctx.emulator.tags.list(arns.capacityProvider(scope, n))
      return toWireCapacityProvider(scope, n, tags, includeTags)
    })
    return { capacityProviders, failures, nextToken: page.nextToken }
  }
})

export const capacityProviderOperations: Record<string, Operation> = { DescribeCapacityProviders }
