/**
 * Placeholder: replaced by the owner of this service (awsJson1_1, target prefix
 * AmazonEC2ContainerRegistry_V20150921).
 */
import { AwsError, validationMessage } from '../errors.js'
import type { Operation, Service } from '../registry.js'

export const ecrOperations: Record<string, Operation> = {}

export const ecr: Service = {
  name: 'ecr',
  model: 'ecr',
  protocol: 'json',
  signingName: 'ecr',
  actionPrefix: 'ecr',
  targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
  checkPatterns: true,
  invalidInput: failures => new AwsError('InvalidParameterException', validationMessage(failures)),
  operations: ecrOperations
}
