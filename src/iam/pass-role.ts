/**
 * Which operations pass which roles, and to which service: the table the README prints and
 * the operations read. A row says what its source is and whether AWS's behaviour is confirmed.
 */
import type { Check } from '../../api/registry.js'

export interface PassRoleRow {
  service: 'ecs' | 'iam' | 'elasticloadbalancing' | 'ec2'
  operation: string
  /** The request members (or resolved task definition members) whose roles are passed. */
  roles: string[]
  /** The value of `iam:PassedToService` in the check, when AWS sets one. */
  passedToService?: string
  confirmed: boolean
  source: string
}

export const PASS_ROLE: readonly PassRoleRow[] = [
  {
    service: 'ecs', operation: 'RegisterTaskDefinition', roles: ['taskRoleArn', 'executionRoleArn'],
    passedToService: 'ecs-tasks.amazonaws.com', confirmed: false,
    source: 'AccessDenied for iam:PassRole reported from RegisterTaskDefinition in public CloudTrail excerpts; the Service Authorization Reference lists no dependent action'
  },
  {
    service: 'ecs', operation: 'RunTask', roles: ['taskDefinition.taskRoleArn', 'taskDefinition.executionRoleArn', 'overrides.taskRoleArn', 'overrides.executionRoleArn'],
    passedToService: 'ecs-tasks.amazonaws.com', confirmed: true,
    source: 'Amazon ECS Developer Guide, task IAM role and task execution role pages (iam:PassRole for the caller)'
  },
  {
    service: 'ecs', operation: 'StartTask', roles: ['taskDefinition.taskRoleArn', 'taskDefinition.executionRoleArn', 'overrides.taskRoleArn', 'overrides.executionRoleArn'],
    passedToService: 'ecs-tasks.amazonaws.com', confirmed: true,
    source: 'as RunTask (Amazon ECS Developer Guide)'
  },
  {
    service: 'ecs', operation: 'CreateService', roles: ['role', 'taskDefinition.taskRoleArn', 'taskDefinition.executionRoleArn'],
    passedToService: 'ecs.amazonaws.com (role) / ecs-tasks.amazonaws.com (task roles)', confirmed: false,
    source: 'Amazon ECS Developer Guide, service IAM role; whether the task definition roles are checked here is unconfirmed'
  },
  {
    service: 'ecs', operation: 'UpdateService', roles: ['taskDefinition.taskRoleArn', 'taskDefinition.executionRoleArn'],
    passedToService: 'ecs-tasks.amazonaws.com', confirmed: false,
    source: 'by analogy with CreateService (unconfirmed)'
  },
  {
    service: 'iam', operation: 'AddRoleToInstanceProfile', roles: ['RoleName'], confirmed: true,
    source: 'IAM API Reference, AddRoleToInstanceProfile: the caller must be granted iam:PassRole on the role'
  },
  {
    service: 'ec2', operation: 'RunInstances', roles: ['IamInstanceProfile (its role)'],
    passedToService: 'ec2.amazonaws.com', confirmed: true,
    source: 'IAM User Guide, "Using an IAM role to grant permissions to applications running on Amazon EC2 instances": launching with a profile needs iam:PassRole on its role'
  }
]

/** The PassRole checks for one role ARN passed to `service`, as the operations make them. */
export function passRole (roleArn: string, passedToService?: string, onBehalfOf?: string): Check {
  return {
    action: 'iam:PassRole',
    resource: roleArn,
    context: passedToService === undefined ? {} : { 'iam:PassedToService': passedToService },
    onBehalfOf
  }
}
