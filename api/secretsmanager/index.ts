/**
 * Placeholder: replaced by the owner of this service (awsJson1_1, target prefix secretsmanager).
 */
import { AwsError, validationMessage } from '../errors.js'
import type { Operation, Service } from '../registry.js'

export const secretsManagerOperations: Record<string, Operation> = {}

export const secretsmanager: Service = {
  name: 'secretsmanager',
  model: 'secretsmanager',
  protocol: 'json',
  signingName: 'secretsmanager',
  actionPrefix: 'secretsmanager',
  targetPrefix: 'secretsmanager',
  checkPatterns: true,
  invalidInput: failures => new AwsError('InvalidParameterException', validationMessage(failures)),
  operations: secretsManagerOperations
}
