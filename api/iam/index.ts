/**
 * AWS Identity and Access Management (awsQuery, version 2010-05-08). Global: signed for us-east-1.
 */
import { AwsError, validationMessage } from '../errors.js'
import type { Service } from '../registry.js'
import { iamOperations } from './operations.js'

export const iam: Service = {
  name: 'iam',
  model: 'iam',
  protocol: 'query',
  signingName: 'iam',
  actionPrefix: 'iam',
  version: '2010-05-08',
  xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  global: true,
  checkPatterns: true,
  invalidInput: failures => new AwsError('ValidationError', validationMessage(failures)),
  operations: iamOperations
}
