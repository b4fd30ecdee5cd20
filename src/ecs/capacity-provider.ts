/**
 * Capacity providers. Every account has FARGATE and FARGATE_SPOT in every region; Auto Scaling
 * group providers (CreateCapacityProvider) are not emulated.
 */
import { arns, parseArn, type Scope } from './arns.js'
import type { WireTag } from '../../store/tags.js'

export const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const

export const isKnownProvider = (name: string): boolean =>
  (FARGATE_PROVIDERS as readonly string[]).includes(name)

/** A provider name from its name or its ARN (`...:capacity-provider/NAME`). */
export function providerName (ref: string): string {
  const arn = parseArn(ref)
  return arn !== undefined && arn.resource.startsWith('capacity-provider/')
    ? arn.resource.slice('capacity-provider/'.length)
    : ref
}

/** The `CapacityProvider` shape of a Fargate provider: no Auto Scaling group. */
export function toWireCapacityProvider (scope: Scope, name: string, tags: WireTag[],
  includeTags: boolean): Record<string, unknown> {
  return {
    capacityProviderArn: arns.capacityProvider(scope, name),
    name,
    status: 'ACTIVE',
    // (unconfirmed) the `type` member the model gained with Managed Instances providers
    type: name,
    tags: includeTags ? tags : []
  }
}
