/**
 * Amazon ECS (awsJson1_1, target prefix AmazonEC2ContainerServiceV20141113).
 */
import { AwsError, validationMessage } from '../errors.js'
import type { Service } from '../registry.js'
import { clusterOperations } from './clusters.js'
import { taskDefinitionOperations } from './task-definitions.js'
import { containerInstanceOperations } from './container-instances.js'
import { accountSettingOperations } from './account-settings.js'
import { tagOperations } from './tags.js'
import { capacityProviderOperations } from './capacity-providers.js'
import { taskOperations } from './tasks.js'
import { serviceDeploymentOperations } from './service-deployments.js'
import { serviceOperations } from './services.js'

export const ecs: Service = {
  name: 'ecs',
  model: 'ecs',
  protocol: 'json',
  signingName: 'ecs',
  actionPrefix: 'ecs',
  targetPrefix: 'AmazonEC2ContainerServiceV20141113',
  checkPatterns: false,
  // ECS answers a missing required member with InvalidParameterException; the exact text of
  // the generic form is unconfirmed (operations word their own, e.g. 'Family can not be blank.').
  invalidInput: failures => new AwsError('InvalidParameterException', validationMessage(failures)),
  operations: {
    ...clusterOperations,
    ...taskDefinitionOperations,
    ...containerInstanceOperations,
    ...accountSettingOperations,
    ...tagOperations,
    ...capacityProviderOperations,
    ...taskOperations,
    ...serviceOperations,
    ...serviceDeploymentOperations
  }
}
