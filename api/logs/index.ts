/**
 * Amazon CloudWatch Logs (awsJson1_1, target prefix Logs_20140328): the groups, streams and
 * events an ECS task's `awslogs` driver writes and its user reads, plus log group tags.
 */
import { AwsError, validationMessage } from '../errors.js'
import type { Operation, Service } from '../registry.js'
import { eventOperations } from './events.js'
import { groupOperations } from './groups.js'
import { streamOperations } from './streams.js'
import { tagOperations } from './tags.js'

export const logOperations: Record<string, Operation> = {
  ...groupOperations, ...streamOperations, ...eventOperations, ...tagOperations
}

export const logs: Service = {
  name: 'logs',
  model: 'logs',
  protocol: 'json',
  signingName: 'logs',
  actionPrefix: 'logs',
  targetPrefix: 'Logs_20140328',
  checkPatterns: true,
  // Logs words a missing member or broken constraint as the framework does, under its own code.
  invalidInput: failures => new AwsError('InvalidParameterException', validationMessage(failures)),
  operations: logOperations
}
