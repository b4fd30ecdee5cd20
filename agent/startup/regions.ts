/**
 * Whether a region named in a task definition (e.g. `awslogs-region`) is one an AWS SDK can
 * reach. ECS does not check or substitute these values, so a literal `${AWS_REGION}` reaches
 * the log driver as it is and fails there.
 */

/** The public AWS regions (commercial, GovCloud and China partitions), as of 2025. */
const REGIONS = new Set([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-east-2',
  'ap-south-1', 'ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3',
  'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7', 'ap-northeast-1',
  'ap-northeast-2', 'ap-northeast-3', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-south-2', 'eu-north-1', 'il-central-1',
  'me-south-1', 'me-central-1', 'mx-central-1', 'sa-east-1', 'us-gov-east-1', 'us-gov-west-1',
  'cn-north-1', 'cn-northwest-1'
])

/** aws-sdk-go v1's check before it builds an endpoint host from a region. */
const HOST_LABEL = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/

export type RegionProblem = 'malformed' | 'unknown'

/** Undefined for a usable region. The emulator's own region is always usable. */
export function regionProblem (region: string, ownRegion: string): RegionProblem | undefined {
  if (region === ownRegion || REGIONS.has(region)) return undefined
  return HOST_LABEL.test(region) ? 'unknown' : 'malformed'
}
