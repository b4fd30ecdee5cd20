/**
 * What the emulator makes for itself in the default account: the instance role
 * `ecs-emulator-instance-role` (trusting ec2.amazonaws.com, with AmazonEC2ContainerServiceforEC2Role
 * attached) and the instance profile `ecs-emulator-instance-profile` holding it, so that an
 * agent can join without any IAM setup. Made once per account (and again after a reset);
 * after that they are the user's to change or delete, and a restart does not undo that.
 */
import type { Emulator } from '../emulator.js'
import { iamArn } from '../iam/entities.js'
import * as ids from '../iam/ids.js'
import type { PolicyDocument } from '../iam/policy.js'
import { isoSeconds } from '../time.js'

export const INSTANCE_ROLE = 'ecs-emulator-instance-role'
export const INSTANCE_PROFILE = 'ecs-emulator-instance-profile'
export const EC2_FOR_ECS_POLICY =
  'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'

/** The container-instance role's trust policy, as the ECS Developer Guide gives it. */
const TRUST = {
  Version: '2008-10-17',
  Statement: [{
    Sid: '', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole'
  }]
}

/**
 * AmazonEC2ContainerServiceforEC2Role v10, the same document the managed-policy package
 * holds: kept as the store's copy so that evaluating the role never loads the package.
 */
const POLICY_V10: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['ec2:DescribeTags', 'ecs:CreateCluster', 'ecs:DeregisterContainerInstance',
        'ecs:DiscoverPollEndpoint', 'ecs:Poll', 'ecs:RegisterContainerInstance',
        'ecs:StartTelemetrySession', 'ecs:UpdateContainerInstancesState', 'ecs:Submit*',
        'ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer',
        'ecr:BatchGetImage', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: '*'
    },
    {
      Effect: 'Allow',
      Action: 'ecs:TagResource',
      Resource: '*',
      Condition: {
        StringEquals: { 'ecs:CreateAction': ['CreateCluster', 'RegisterContainerInstance'] }
      }
    },
    {
      Effect: 'Allow',
      Action: ['ecs:ListTagsForResource'],
      Resource: ['arn:aws:ecs:*:*:task/*/*', 'arn:aws:ecs:*:*:container-instance/*/*']
    }
  ]
} as unknown as PolicyDocument

export function ensureBuiltins (emulator: Emulator): void {
  const account = emulator.config.accountId
  const store = emulator.ec2.store
  if (store.hasBuiltins(account)) return
  const now = isoSeconds(new Date())
  const iam = emulator.iam

  iam.transaction(() => {
    if (iam.role(account, INSTANCE_ROLE) === undefined) {
      iam.putRole({
        account, roleName: INSTANCE_ROLE, roleId: ids.uniqueId('AROA'),
        arn: iamArn(account, 'role', '/', INSTANCE_ROLE), path: '/', createDate: now,
        assumeRolePolicyDocument: TRUST as unknown as PolicyDocument,
        assumeRolePolicyText: JSON.stringify(TRUST), maxSessionDuration: 3600,
        description: 'Made by ecs-emulator: the role of the emulated container instances.', tags: []
      })
      iam.copyAwsPolicy(EC2_FOR_ECS_POLICY, 'v10', POLICY_V10)
      iam.attach(account, 'role', INSTANCE_ROLE, EC2_FOR_ECS_POLICY)
    }
    if (iam.instanceProfile(account, INSTANCE_PROFILE) === undefined) {
      iam.putInstanceProfile({
        account, instanceProfileName: INSTANCE_PROFILE, instanceProfileId: ids.uniqueId('AIPA'),
        arn: iamArn(account, 'instance-profile', '/', INSTANCE_PROFILE), path: '/',
        createDate: now, tags: [], roles: [INSTANCE_ROLE]
      })
    }
    store.markBuiltins(account)
  })
}
