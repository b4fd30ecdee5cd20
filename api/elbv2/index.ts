/**
 * Elastic Load Balancing v2 (awsQuery, version 2015-12-01): the control plane of
 * application (and network) load balancers, as data. The data plane reads the store.
 */
import { AwsError, validationMessage } from '../errors.js'
import type { Service } from '../registry.js'
import { loadBalancerOperations } from './load-balancers.js'
import { targetGroupOperations } from './target-groups.js'
import { listenerOperations } from './listeners.js'
import { ruleOperations } from './rules.js'
import { targetOperations } from './targets.js'
import { tagOperations } from './tags.js'

export const elbv2: Service = {
  name: 'elasticloadbalancingv2',
  model: 'elasticloadbalancingv2',
  protocol: 'query',
  signingName: 'elasticloadbalancing',
  actionPrefix: 'elasticloadbalancing',
  version: '2015-12-01',
  xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  checkPatterns: true,
  invalidInput: failures => new AwsError('ValidationError', validationMessage(failures)),
  operations: {
    ...loadBalancerOperations, ...targetGroupOperations, ...listenerOperations, ...ruleOperations,
    ...targetOperations, ...tagOperations
  }
}
