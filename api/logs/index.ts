/**
 * Placeholder: replaced by the owner of this service (awsJson1_1, target prefix Logs_20140328).
 */
import { AwsError, validationMessage } from '../errors.js'
import type { Operation, Service } from '../registry.js'

export const logOperations: Record<string, Operation> = {}

export const logs: Service = {
  name: 'logs',
  model: 'logs',
  protocol: 'json',
  signingName: 'logs',
  actionPrefix: 'logs',
  targetPrefix: 'Logs_20140328',
  checkPatterns: true,
  invalidInput: failures => new AwsError('InvalidParameterException', validationMessage(failures)),
  operations: logOperations
}
