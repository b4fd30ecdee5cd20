/**
 * Amazon EC2 (the `ec2` query protocol, version 2016-11-15): the network an ECS cluster's
 * instances and awsvpc tasks sit in, and the instances themselves. Only the operations below
 * are in api/models/ec2.json; any other action is answered as EC2 answers an unknown one.
 */
import type { AwsError } from '../errors.js'
import type { Service } from '../registry.js'
import { ec2DenialMessage } from '../../src/ec2/authz.js'
import { ec2Errors } from '../../src/ec2/errors.js'
import { accountOperations } from './account.js'
import { instanceOperations } from './instances.js'
import { securityGroupOperations } from './security-groups.js'
import { tagOperations } from './tags.js'
import { vpcOperations } from './vpcs.js'

/**
 * The model's checks in EC2's words: a missing member is MissingParameter, a broken constraint
 * InvalidParameterValue. (unconfirmed) the wording of the constraint failures.
 */
function invalidInput (failures: string[]): AwsError {
  const first = failures[0] ?? ''
  const missing = /^Value null at '([^']+)' failed/.exec(first)
  if (missing !== null) return ec2Errors.missingParameter(wireName(missing[1]))
  const broken = /^Value '(.*)' at '([^']+)' failed to satisfy constraint: Member must (.*)$/s
    .exec(first)
  if (broken === null) return ec2Errors.invalidParameterValue(first)
  const [, value, where, rule] = broken
  return ec2Errors.invalidParameterValue(`Value (${value}) for parameter ${where} is invalid. It must ${rule}.`)
}

/** `iamInstanceProfile.name` → `IamInstanceProfile.Name`, the form EC2 names parameters in. */
const wireName = (path: string): string =>
  path.split('.').map(p => p.charAt(0).toUpperCase() + p.slice(1)).join('.')

export const ec2: Service = {
  name: 'ec2',
  model: 'ec2',
  protocol: 'ec2',
  signingName: 'ec2',
  actionPrefix: 'ec2',
  version: '2016-11-15',
  xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  checkPatterns: false,
  invalidInput,
  denialMessage: ec2DenialMessage,
  operations: {
    ...vpcOperations,
    ...securityGroupOperations,
    ...tagOperations,
    ...accountOperations,
    ...instanceOperations
  }
}
