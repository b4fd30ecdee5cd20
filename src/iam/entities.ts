/**
 * IAM's naming rules: ARNs with paths, case-insensitive names, and the service-linked roles
 * the emulator knows how to create.
 */

/** IAM names are unique regardless of case: `Role1` and `role1` cannot both exist. */
export const nameKey = (name: string): string => name.toLowerCase()

export type EntityType = 'user' | 'role' | 'policy' | 'instance-profile'

/** `arn:aws:iam::ACCT:TYPE/PATH/NAME` (path `/` gives `TYPE/NAME`). */
export const iamArn = (account: string, type: EntityType, path: string, name: string): string =>
  `arn:aws:iam::${account}:${type}${path}${name}`

export interface ParsedIamArn { account: string, type: string, path: string, name: string }

/** Splits `arn:aws:iam::ACCT:TYPE/PATH/NAME`; undefined for anything else. */
export function parseIamArn (arn: string): ParsedIamArn | undefined {
  const m = /^arn:aws:iam::(\d{12}|aws):([a-z-]+)(\/(?:.*\/)?)([^/]+)$/.exec(arn)
  return m === null ? undefined : { account: m[1], type: m[2], path: m[3], name: m[4] }
}

/** A service-linked role the emulator can create with CreateServiceLinkedRole. */
export interface ServiceLinkedRoleSpec {
  service: string
  roleName: string
  policyArn: string
  description?: string
  /** Whether the service takes a CustomSuffix (`ROLE_SUFFIX`). */
  suffix: boolean
}

const AWS_SERVICE_ROLE = 'arn:aws:iam::aws:policy/aws-service-role'

// Names and policies from each service's "Using service-linked roles" page. Services not
// listed here answer InvalidInput: the emulator does not guess a role name it cannot confirm.
const SERVICE_LINKED_ROLES: ServiceLinkedRoleSpec[] = [
  { service: 'ecs.amazonaws.com', roleName: 'AWSServiceRoleForECS', suffix: false,
    policyArn: `${AWS_SERVICE_ROLE}/AmazonECSServiceRolePolicy`,
    // (unconfirmed) the description text
    description: 'Role to enable Amazon ECS to manage your cluster.' },
  { service: 'autoscaling.amazonaws.com', roleName: 'AWSServiceRoleForAutoScaling', suffix: true,
    policyArn: `${AWS_SERVICE_ROLE}/AutoScalingServiceRolePolicy` },
  { service: 'elasticloadbalancing.amazonaws.com', suffix: false,
    roleName: 'AWSServiceRoleForElasticLoadBalancing',
    policyArn: `${AWS_SERVICE_ROLE}/AWSElasticLoadBalancingServiceRolePolicy` },
  { service: 'ecs.application-autoscaling.amazonaws.com', suffix: false,
    roleName: 'AWSServiceRoleForApplicationAutoScaling_ECSService',
    policyArn: `${AWS_SERVICE_ROLE}/AWSApplicationAutoscalingECSServicePolicy` },
  { service: 'spot.amazonaws.com', roleName: 'AWSServiceRoleForEC2Spot', suffix: false,
    policyArn: `${AWS_SERVICE_ROLE}/AWSEC2SpotServiceRolePolicy` },
  { service: 'spotfleet.amazonaws.com', roleName: 'AWSServiceRoleForEC2SpotFleet', suffix: false,
    policyArn: `${AWS_SERVICE_ROLE}/AWSEC2SpotFleetServiceRolePolicy` },
  { service: 'replication.ecr.amazonaws.com', suffix: false,
    roleName: 'AWSServiceRoleForECRReplication',
    policyArn: `${AWS_SERVICE_ROLE}/ECRReplicationServiceRolePolicy` }
]

export const serviceLinkedRoleSpec = (service: string): ServiceLinkedRoleSpec | undefined =>
  SERVICE_LINKED_ROLES.find(s => s.service === service)

/** The trust policy of a service-linked role: only its service may assume it. */
export const serviceTrustPolicy = (service: string): string => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }]
})

/** `/aws-service-role/SERVICE/` */
export const serviceRolePath = (service: string): string => `/aws-service-role/${service}/`

export const isServiceRolePolicyArn = (arn: string): boolean =>
  arn.startsWith(`${AWS_SERVICE_ROLE}/`)
