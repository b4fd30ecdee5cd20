/**
 * Service-linked roles: roles an AWS service owns, under `/aws-service-role/SERVICE/`, with the
 * service's own policy attached. Customers create and delete them, but cannot change them.
 */
import { randomUUID } from 'node:crypto'
import { operation, type Operation } from '../registry.js'
import { iamArn, serviceRolePath } from '../../src/iam/entities.js'
import {
  createServiceLinkedRole, serviceLinkedRoleName
} from '../../src/iam/service-linked-role.js'
import {
  authorizeCreate, invalidInput, noSuchEntity, requireRole, store, wireRole
} from './common.js'

interface CreateServiceLinkedRoleRequest {
  AWSServiceName: string
  Description?: string
  CustomSuffix?: string
}

const CreateServiceLinkedRole = operation({
  authorize: 'handler',
  notes: 'Known services: ecs, autoscaling, elasticloadbalancing, ecs.application-autoscaling, ' +
    'spot, spotfleet and replication.ecr; others answer InvalidInput.',
  handle (input: CreateServiceLinkedRoleRequest, ctx) {
    const service = input.AWSServiceName
    const roleName = serviceLinkedRoleName(service, input.CustomSuffix)
    authorizeCreate(ctx, 'CreateServiceLinkedRole', 'role', serviceRolePath(service), roleName,
      { 'iam:AWSServiceName': service })
    const role = createServiceLinkedRole(store(ctx), {
      account: ctx.account, service, customSuffix: input.CustomSuffix,
      description: input.Description, now: ctx.now
    })
    return { Role: wireRole(role, 'created') }
  }
})

const DeleteServiceLinkedRole = operation({
  authorize: 'handler',
  notes: 'The deletion succeeds at once: no service checks whether its resources still use ' +
    'the role.',
  handle (input: { RoleName: string }, ctx) {
    const role = requireRole(ctx, 'DeleteServiceLinkedRole', input.RoleName)
    if (role.serviceLinked === undefined) {
      // (unconfirmed) wording
      throw invalidInput(`Role ${role.roleName} is not a service-linked role.`)
    }
    const iam = store(ctx)
    const taskId = `task${role.path}${role.roleName}/${randomUUID()}`
    iam.transaction(() => {
      iam.deleteRoleAndPolicies(ctx.account, role.roleName)
      iam.addDeletionTask({ taskId, account: ctx.account, status: 'SUCCEEDED' })
    })
    return { DeletionTaskId: taskId }
  }
})

const TASK_ID = /^task(\/aws-service-role\/[^/]+\/)([^/]+)\/[^/]+$/

const GetServiceLinkedRoleDeletionStatus = operation({
  authorize: 'handler',
  handle (input: { DeletionTaskId: string }, ctx) {
    const m = TASK_ID.exec(input.DeletionTaskId)
    const resource = m === null ? '*' : iamArn(ctx.account, 'role', m[1], m[2])
    ctx.authorize({ action: 'iam:GetServiceLinkedRoleDeletionStatus', resource })
    const task = store(ctx).deletionTask(input.DeletionTaskId)
    if (task === undefined || task.account !== ctx.account) {
      // (unconfirmed) wording
      throw noSuchEntity(`Deletion task ${input.DeletionTaskId} cannot be found.`)
    }
    return { Status: task.status }
  }
})

export const serviceLinkedRoleOperations: Record<string, Operation> = {
  CreateServiceLinkedRole, DeleteServiceLinkedRole, GetServiceLinkedRoleDeletionStatus
}
