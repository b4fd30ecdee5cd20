/**
 * Placeholder: replaced by the owner of this service (awsJson1_1, target prefix AmazonSSM).
 */
import { AwsError, validationMessage } from '../errors.js'
import type { Operation, Service } from '../registry.js'

export const ssmOperations: Record<string, Operation> = {}

export const ssm: Service = {
  name: 'ssm',
  model: 'ssm',
  protocol: 'json',
  signingName: 'ssm',
  actionPrefix: 'ssm',
  targetPrefix: 'AmazonSSM',
  checkPatterns: true,
  invalidInput: failures => new AwsError('InvalidParameterException', validationMessage(failures)),
  operations: ssmOperations
}
