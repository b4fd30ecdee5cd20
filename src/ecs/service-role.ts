/**
 * The role a service calls ELBv2 as, decided when it is created or its load balancers change:
 * the `role` given (the classic ecsServiceRole, for bridge and host tasks), which ECS assumes
 * at once as `ecs.amazonaws.com` and validates the target groups with; else the service-linked
 * role `AWSServiceRoleForECS`, which ECS creates on first need when the caller may.
 */
import { AwsError } from '../../api/errors.js'
import { callAs } from '../../api/internal.js'
import { elbv2 } from '../../api/elbv2/index.js'
import type { OperationContext } from '../../api/registry.js'
import { serviceLinkedRoleArn, createServiceLinkedRole } from '../iam/service-linked-role.js'
import { serviceLinkedRoleSpec } from '../iam/entities.js'
import { assumeRoleAsService } from '../sts/sessions.js'
import type { ServiceLoadBalancer } from './service.js'
import { SERVICE_MESSAGES } from './service-validation.js'
import type { TaskDefinition } from './task-definition.js'
import { expandRoleArn } from './task-definition-validation.js'

export const ECS_SERVICE_PRINCIPAL = 'ecs.amazonaws.com'
/** The session name ECS's scheduler uses with the service role (reference §3.6). */
export const SCHEDULER_SESSION = 'ecs-service-scheduler'

export const ecsServiceLinkedRoleArn = (account: string): string =>
  serviceLinkedRoleArn(account, ECS_SERVICE_PRINCIPAL)

export interface ServiceRole { roleArn?: string, roleGiven: boolean }

export interface RoleRequest {
  role?: string
  loadBalancers: readonly ServiceLoadBalancer[]
  td: TaskDefinition
  serviceArn: string
}

const invalid = (message: string, decisionId?: string): AwsError => {
  const error = new AwsError('InvalidParameterException', message)
  if (decisionId !== undefined) error.decisionId = decisionId
  return error
}

/** `role` as an ARN (a bare name is a role of the caller's account); undefined when absent. */
export function givenRoleArn (role: string | undefined, account: string): string | undefined {
  if (role === undefined || role === '') return undefined
  return expandRoleArn(role, account) ?? role
}

/**
 * The service's role. A given `role` is refused for awsvpc task definitions (they need the
 * service-linked role); with load balancers it is assumed and each target group described as
 * it, now. Without `role`, a service with load balancers or awsvpc tasks needs the
 * service-linked role; any other service shows it when it exists (reference §5.7).
 */
export function serviceRole (ctx: OperationContext, r: RoleRequest): ServiceRole {
  const roleArn = givenRoleArn(r.role, ctx.account)
  const awsvpc = r.td.networkMode === 'awsvpc'
  if (roleArn !== undefined) {
    // (unconfirmed) that the refusal does not depend on load balancers being given
    if (awsvpc) throw invalid(SERVICE_MESSAGES.roleWithServiceLinkedRole)
    // (unconfirmed) a role without load balancers is kept and not assumed
    if (r.loadBalancers.length > 0) validateAsRole(ctx, roleArn, r)
    return { roleArn, roleGiven: true }
  }
  const needed = r.loadBalancers.length > 0 || awsvpc
  if (needed) return { roleArn: ensureServiceLinkedRole(ctx), roleGiven: false }
  const slr = ecsServiceLinkedRoleArn(ctx.account)
  return { roleArn: slrExists(ctx) ? slr : undefined, roleGiven: false }
}

/**
 * Assumes the role as ECS and describes each target group as that session: a role that
 * cannot be assumed, a denial and a missing group all answer the same. (unconfirmed) that ECS
 * validates with DescribeTargetGroups.
 */
function validateAsRole (ctx: OperationContext, roleArn: string, r: RoleRequest): void {
  // (unconfirmed) that ECS sets aws:SourceAccount and aws:SourceArn (the service) here
  const assumed = assumeRoleAsService(ctx.emulator, {
    roleArn, service: ECS_SERVICE_PRINCIPAL, sessionName: SCHEDULER_SESSION,
    sourceAccount: ctx.account, sourceArn: r.serviceArn, onBehalfOf: r.serviceArn,
    requestId: ctx.requestId, region: ctx.region, now: ctx.now
  })
  if (!assumed.ok) throw invalid(SERVICE_MESSAGES.unableToAssumeRole, assumed.decisionId)
  for (const lb of r.loadBalancers) {
    if (lb.targetGroupArn === undefined) continue
    try {
      callAs(ctx.emulator, {
        service: elbv2, operation: 'DescribeTargetGroups',
        input: { TargetGroupArns: [lb.targetGroupArn] },
        session: assumed.session, region: ctx.region, now: ctx.now
      })
    } catch (e) {
      if (!(e instanceof AwsError)) throw e
      throw invalid(SERVICE_MESSAGES.unableToAssumeRole, e.decisionId)
    }
  }
}

const slrName = (): string => serviceLinkedRoleSpec(ECS_SERVICE_PRINCIPAL)!.roleName

const slrExists = (ctx: OperationContext): boolean =>
  ctx.emulator.iam.role(ctx.account, slrName()) !== undefined

/**
 * The service-linked role's ARN, the role created first if it does not exist and the caller
 * is allowed `iam:CreateServiceLinkedRole` on it for ecs.amazonaws.com; the denial is
 * recorded and answered as ECS answers a missing service-linked role.
 */
export function ensureServiceLinkedRole (ctx: OperationContext): string {
  const arn = ecsServiceLinkedRoleArn(ctx.account)
  if (slrExists(ctx)) return arn
  try {
    ctx.authorize({
      action: 'iam:CreateServiceLinkedRole', resource: arn,
      context: { 'iam:AWSServiceName': ECS_SERVICE_PRINCIPAL }
    })
  } catch (e) {
    if (!(e instanceof AwsError)) throw e
    throw invalid(SERVICE_MESSAGES.unableToAssumeServiceLinkedRole, e.decisionId)
  }
  createServiceLinkedRole(ctx.emulator.iam, {
    account: ctx.account, service: ECS_SERVICE_PRINCIPAL, now: ctx.now
  })
  ctx.log.info({ role: arn }, 'service-linked role created')
  return arn
}
