/**
 * Making a service-linked role: the role under `/aws-service-role/SERVICE/` that only its
 * service may assume, with the service's own policy attached. CreateServiceLinkedRole makes
 * one on request; a service (ECS, for one) makes its own on first need, once the caller is
 * allowed `iam:CreateServiceLinkedRole`. Authorization is the caller's business.
 */
import { AwsError } from '../../api/errors.js'
import type { IamStore, StoredRole } from '../../store/iam.js'
import {
  iamArn, serviceLinkedRoleSpec, serviceRolePath, serviceTrustPolicy
} from './entities.js'
import * as ids from './ids.js'
import { awsManagedPolicy } from './managed.js'
import { isoSeconds } from '../time.js'

export interface ServiceLinkedRoleRequest {
  account: string
  /** `AWSServiceName`, e.g. `ecs.amazonaws.com`. */
  service: string
  customSuffix?: string
  description?: string
  now: Date
}

const invalidInput = (message: string): AwsError => new AwsError('InvalidInput', message)

/** The role's name: the service's, with `_SUFFIX` when a custom suffix is given. */
export function serviceLinkedRoleName (service: string, customSuffix?: string): string {
  const spec = serviceLinkedRoleSpec(service)
  const suffix = customSuffix === undefined ? '' : `_${customSuffix}`
  return spec === undefined ? `AWSServiceRoleFor${service}` : spec.roleName + suffix
}

/** `arn:aws:iam::ACCT:role/aws-service-role/SERVICE/NAME` */
export const serviceLinkedRoleArn = (account: string, service: string,
  customSuffix?: string): string =>
  iamArn(account, 'role', serviceRolePath(service), serviceLinkedRoleName(service, customSuffix))

/** Second-precision ISO time, as IAM writes its dates. */

/**
 * Creates the role and attaches the service's policy (keeping the emulator's copy of that
 * AWS managed policy); refuses an unknown service, a suffix the service does not take, and a
 * name already taken.
 */
export function createServiceLinkedRole (iam: IamStore, r: ServiceLinkedRoleRequest): StoredRole {
  const spec = serviceLinkedRoleSpec(r.service)
  if (spec === undefined) {
    // (unconfirmed) wording
    throw invalidInput(`Service name ${r.service} is not recognized or does not support service-linked roles.`)
  }
  if (r.customSuffix !== undefined && !spec.suffix) {
    throw invalidInput(`Custom suffix is not allowed for ${r.service}`) // (unconfirmed) wording
  }
  const roleName = serviceLinkedRoleName(r.service, r.customSuffix)
  if (iam.role(r.account, roleName) !== undefined) {
    throw invalidInput(`Service role name ${roleName} has been taken in this account, please try a different suffix.`)
  }

  const path = serviceRolePath(r.service)
  const trust = serviceTrustPolicy(r.service)
  const role: StoredRole = {
    account: r.account, roleName, roleId: ids.uniqueId('AROA'),
    arn: iamArn(r.account, 'role', path, roleName), path,
    createDate: isoSeconds(r.now), assumeRolePolicyDocument: JSON.parse(trust),
    assumeRolePolicyText: trust, maxSessionDuration: 3600,
    description: r.description ?? spec.description, tags: [], serviceLinked: r.service
  }
  const policy = awsManagedPolicy(spec.policyArn)
  if (policy !== undefined) {
    iam.copyAwsPolicy(spec.policyArn, policy.defaultVersionId, policy.document)
  }
  iam.transaction(() => {
    iam.putRole(role)
    iam.attach(r.account, 'role', roleName, spec.policyArn)
  })
  return role
}
