/**
 * Service-linked roles: roles an AWS service owns, under `/aws-service-role/SERVICE/`, with the
 * service's own policy attached. Customers create and delete them, but cannot change them.
 */
import { randomUUID } from 'node:crypto'
import { operation, type Operation } from '../registry.js'
import * as ids from '../../src/iam/ids.js'
import {
  iamArn, serviceLinkedRoleSpec, serviceRolePath, serviceTrustPolicy
} from '../../src/iam/entities.js'
import type { StoredRole } from '../../store/iam.js'
import {
  authorizeCreate, invalidInput, isoNow, noSuchEntity, requireRole, store, wireRole
} from './common.js'
import { keepAwsCopy } from './attach.js'

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
    const spec = serviceLinkedRoleSpec(service)
    const suffix = input.CustomSuffix === undefined ? '' : `_${input.CustomSuffix}`
    const roleName = spec === undefined ? `AWSServiceRoleFor${service}` : spec.roleName + suffix
    const path = serviceRolePath(service)
    const arn = authorizeCreate(ctx, 'CreateServiceLinkedRole', 'role', path, roleName,
      { 'iam:AWSServiceName': service })
    if (spec === undefined) {
      // (unconfirmed) wording
      throw invalidInput(`Service name ${service} is not recognized or does not support service-linked roles.`)
    }
    if (suffix !== '' && !spec.suffix) {
      throw invalidInput(`Custom suffix is not allowed for ${service}`) // (unconfirmed) wording
    }
    const iam = store(ctx)
    if (iam.role(ctx.account, roleName) !== undefined) {
      throw invalidInput(`Service role name ${roleName} has been taken in this account, please try a different suffix.`)
    }

    const trust = serviceTrustPolicy(service)
    const role: StoredRole = {
      account: ctx.account, roleName, roleId: ids.uniqueId('AROA'), arn, path,
      createDate: isoNow(ctx), assumeRolePolicyDocument: JSON.parse(trust),
      assumeRolePolicyText: trust, maxSessionDuration: 3600,
      description: input.Description ?? spec.description, tags: [], serviceLinked: service
    }
    keepAwsCopy(ctx, spec.policyArn)
    iam.transaction(() => {
      iam.putRole(role)
      iam.attach(ctx.account, 'role', roleName, spec.policyArn)
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
