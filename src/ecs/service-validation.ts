/**
 * What ECS checks when a service is created or changed, in ECS's words: the scheduling
 * strategy and the counts, the deployment configuration and controller, the grace period, and
 * the load balancer block against the task definition and the ELBv2 target groups. The role
 * checks (assuming the service role, the service-linked role) are in service-role.ts.
 */
import { AwsError } from '../../api/errors.js'
import type { Elbv2Store } from '../../store/elbv2.js'
import { forwardedGroups } from '../elbv2/actions.js'
import type { ListenerRecord, RuleRecord, TargetGroupRecord } from '../elbv2/types.js'
import type { Scope } from './arns.js'
import type { PlacementStrategy } from './placement.js'
import type {
  DeploymentConfiguration, SchedulingStrategy, ServiceLoadBalancer
} from './service.js'
import type { TaskDefinition } from './task-definition.js'

const invalid = (message: string): AwsError => new AwsError('InvalidParameterException', message)

/**
 * ECS's texts for services. Those without a mark were found verbatim in public reports of
 * ECS answers; (unconfirmed) ones are ours or recalled.
 */
export const SERVICE_MESSAGES = {
  notIdempotent: 'Creation of service was not idempotent.',
  serviceNotFound: 'Service not found.',
  serviceNotActive: 'Service was not ACTIVE.',
  scaledAboveZero: 'The service cannot be stopped while it is scaled above 0.',
  // AWS's text has no final period
  graceWithoutLoadBalancer: 'Health check grace period is only valid for services configured to use load balancers',
  noAssociatedLoadBalancer: (arn: string) =>
    `The target group with targetGroupArn ${arn} does not have an associated load balancer.`,
  instanceTargetType: (arn: string) =>
    `The provided target group ${arn} has target type instance, which is incompatible with the awsvpc network mode specified in the task definition.`,
  noContainerPort: (name: string, port: number | undefined) =>
    `The container ${name} did not have a container port ${port ?? 'null'} defined.`,
  noContainer: (name: string) => `The container ${name} does not exist in the task definition.`,
  roleWithServiceLinkedRole: 'You cannot specify an IAM role for services that require a service linked role.',
  unableToAssumeRole: 'Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.',
  unableToAssumeServiceLinkedRole: 'Unable to assume the service linked role. Please verify that the ECS service linked role exists.',
  // (unconfirmed) the texts below
  targetGroupNotFound: (arn: string) =>
    `The target group with targetGroupArn ${arn} does not exist.`,
  daemonDesiredCount: 'The daemon scheduling strategy does not support a desired count for services.',
  daemonPlacementStrategy: 'The daemon scheduling strategy does not support placement strategies.',
  daemonMaximumPercent: 'The daemon scheduling strategy does not support values above 100 for maximumPercent.',
  daemonFargate: 'The daemon scheduling strategy does not support the FARGATE launch type.',
  negativeDesiredCount: 'Desired count must be greater than or equal to 0.',
  negativeGracePeriod: 'Health check grace period must be greater than or equal to 0.',
  taskDefinitionBlank: 'TaskDefinition can not be blank.',
  serviceNameBlank: 'Service name can not be blank.',
  tooManyLoadBalancers: 'loadBalancers can have at most 5 items.',
  maximumPercent: 'maximumPercent must be greater than or equal to 100.',
  minimumHealthyPercent: 'minimumHealthyPercent must be between 0 and 100.',
  percentOrder: 'minimumHealthyPercent must be less than or equal to maximumPercent.',
  classicLoadBalancer: 'Classic Load Balancers (loadBalancerName) are not emulated: give targetGroupArn.',
  loadBalancerContainer: 'The load balancer configuration must specify a containerName and a containerPort.',
  deploymentController: (type: string) =>
    `The deployment controller type ${type} is not supported: only ECS (rolling update) is emulated.`
} as const

// --- the service's own settings -------------------------------------------------------------

export interface ServiceSettings {
  schedulingStrategy: SchedulingStrategy
  desiredCount?: number
  launchType?: string
  placementStrategy?: PlacementStrategy[]
  deploymentConfiguration?: DeploymentConfiguration
  deploymentController?: { type?: string }
  healthCheckGracePeriodSeconds?: number
  loadBalancers: ServiceLoadBalancer[]
}

/** CreateService's checks that need nothing but the request. */
export function checkSettings (s: ServiceSettings): void {
  if (s.schedulingStrategy === 'DAEMON') checkDaemon(s)
  if (s.desiredCount !== undefined && s.desiredCount < 0) {
    throw invalid(SERVICE_MESSAGES.negativeDesiredCount)
  }
  checkController(s.deploymentController)
  checkDeploymentConfiguration(s.deploymentConfiguration, s.schedulingStrategy)
  checkGracePeriod(s.healthCheckGracePeriodSeconds, s.loadBalancers)
  if (s.loadBalancers.length > 5) throw invalid(SERVICE_MESSAGES.tooManyLoadBalancers)
}

function checkDaemon (s: ServiceSettings): void {
  if (s.desiredCount !== undefined) throw invalid(SERVICE_MESSAGES.daemonDesiredCount)
  if ((s.placementStrategy ?? []).length > 0) {
    throw invalid(SERVICE_MESSAGES.daemonPlacementStrategy)
  }
  if (s.launchType === 'FARGATE') throw invalid(SERVICE_MESSAGES.daemonFargate)
}

export function checkController (c: { type?: string } | undefined): void {
  if (c?.type !== undefined && c.type !== 'ECS') {
    throw invalid(SERVICE_MESSAGES.deploymentController(c.type))
  }
}

/** Bounds of the rolling update: ECS's limits, DAEMON's at most 100. */
export function checkDeploymentConfiguration (c: DeploymentConfiguration | undefined,
  strategy: SchedulingStrategy): void {
  if (c === undefined) return
  const { maximumPercent: max, minimumHealthyPercent: min } = c
  if (strategy === 'DAEMON' && max !== undefined && max > 100) {
    throw invalid(SERVICE_MESSAGES.daemonMaximumPercent)
  }
  if (strategy === 'REPLICA' && max !== undefined && max < 100) {
    throw invalid(SERVICE_MESSAGES.maximumPercent)
  }
  if (min !== undefined && (min < 0 || min > 100)) {
    throw invalid(SERVICE_MESSAGES.minimumHealthyPercent)
  }
  if (min !== undefined && max !== undefined && min > max) {
    throw invalid(SERVICE_MESSAGES.percentOrder)
  }
}

export function checkGracePeriod (seconds: number | undefined,
  loadBalancers: readonly ServiceLoadBalancer[]): void {
  if (seconds === undefined) return
  if (seconds < 0) throw invalid(SERVICE_MESSAGES.negativeGracePeriod)
  if (loadBalancers.length === 0) throw invalid(SERVICE_MESSAGES.graceWithoutLoadBalancer)
}

// --- the load balancer block -------------------------------------------------------------

/** The load balancers whose listeners or rules forward to the target group. */
export function loadBalancersOf (elbv2: Elbv2Store, scope: Scope,
  targetGroupArn: string): string[] {
  const users = new Set<string>()
  for (const l of elbv2.list<ListenerRecord>(scope, 'listener')) {
    const actions = [l.listener.DefaultActions,
      ...elbv2.children<RuleRecord>(l.listener.ListenerArn, 'rule').map(r => r.rule.Actions)]
    if (actions.some(a => forwardedGroups(a).includes(targetGroupArn))) {
      users.add(l.listener.LoadBalancerArn)
    }
  }
  return [...users]
}

/** The target group an ARN names in the caller's account and region. */
export function findTargetGroup (elbv2: Elbv2Store, scope: Scope,
  arn: string): TargetGroupRecord | undefined {
  const tg = elbv2.get<TargetGroupRecord>('target-group', arn)
  return tg !== undefined && tg.account === scope.account && tg.region === scope.region
    ? tg
    : undefined
}

/**
 * Each entry against the task definition (the container exists and maps the port) and its
 * target group (exists, is used by a load balancer, `ip` for awsvpc). A missing target group
 * answers `missing(arn)`: with a service role ECS cannot tell it from a denial.
 */
export function checkLoadBalancers (lbs: readonly ServiceLoadBalancer[], td: TaskDefinition,
  elbv2: Elbv2Store, scope: Scope, missing: (arn: string) => AwsError): void {
  for (const lb of lbs) {
    if (lb.targetGroupArn === undefined) {
      throw invalid(lb.loadBalancerName === undefined
        ? SERVICE_MESSAGES.loadBalancerContainer
        : SERVICE_MESSAGES.classicLoadBalancer)
    }
    checkContainer(lb, td)
    const tg = findTargetGroup(elbv2, scope, lb.targetGroupArn)
    if (tg === undefined) throw missing(lb.targetGroupArn)
    if (loadBalancersOf(elbv2, scope, lb.targetGroupArn).length === 0) {
      throw invalid(SERVICE_MESSAGES.noAssociatedLoadBalancer(lb.targetGroupArn))
    }
    if (td.networkMode === 'awsvpc' && tg.targetGroup.TargetType === 'instance') {
      throw invalid(SERVICE_MESSAGES.instanceTargetType(lb.targetGroupArn))
    }
  }
}

function checkContainer (lb: ServiceLoadBalancer, td: TaskDefinition): void {
  if (lb.containerName === undefined || lb.containerPort === undefined) {
    throw invalid(SERVICE_MESSAGES.loadBalancerContainer)
  }
  const container = td.containerDefinitions.find(c => c.name === lb.containerName)
  if (container === undefined) throw invalid(SERVICE_MESSAGES.noContainer(lb.containerName))
  const ports = (container.portMappings ?? []).map(p => p.containerPort)
  if (!ports.includes(lb.containerPort)) {
    throw invalid(SERVICE_MESSAGES.noContainerPort(lb.containerName, lb.containerPort))
  }
}

/** The entries as the `Service` shape shows them: the members given, nothing added. */
export const wireLoadBalancers = (lbs: readonly ServiceLoadBalancer[]): ServiceLoadBalancer[] =>
  lbs.map(lb => ({
    targetGroupArn: lb.targetGroupArn,
    loadBalancerName: lb.loadBalancerName,
    containerName: lb.containerName,
    containerPort: lb.containerPort
  }))
