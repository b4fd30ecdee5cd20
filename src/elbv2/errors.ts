/**
 * ELBv2's errors, worded as ELBv2 words them. The messages marked (unconfirmed) follow the
 * service's pattern where no answer of AWS's was found to copy.
 */
import { AwsError } from '../../api/errors.js'

const error = (code: string) => (message: string): AwsError => new AwsError(code, message, 400)

export const validationError = error('ValidationError')

export const elbv2Errors = {
  loadBalancerNotFound: () => error('LoadBalancerNotFound')('One or more load balancers not found'),
  targetGroupNotFound: () => error('TargetGroupNotFound')('One or more target groups not found'),
  /** An action naming a group that does not exist. */
  targetGroupsNotFound: (arns: string[]) =>
    error('TargetGroupNotFound')(`Target groups '${arns.join("', '")}' not found`),
  listenerNotFound: () => error('ListenerNotFound')('One or more listeners not found'),
  // (unconfirmed) follows the other NotFound messages.
  ruleNotFound: () => error('RuleNotFound')('One or more rules not found'),
  duplicateLoadBalancerName: (name: string) => error('DuplicateLoadBalancerName')(
    `A load balancer with the same name '${name}' exists, but with different settings`),
  duplicateTargetGroupName: (name: string) => error('DuplicateTargetGroupName')(
    `A target group with the same name '${name}' exists, but with different settings`),
  duplicateListener: (loadBalancerArn: string) => error('DuplicateListener')(
    `A listener already exists on this port for this load balancer '${loadBalancerArn}'`),
  /** ModifyListener to a port another listener of the load balancer has. */
  portInUse: (port: number) => validationError(`Listener port '${port}' is already in use`),
  priorityInUse: (priority: number) => error('PriorityInUse')(`Priority '${priority}' is currently in use`),
  // (unconfirmed)
  subnetNotFound: (id: string) => error('SubnetNotFound')(`The subnet ID '${id}' is not valid`),
  // (unconfirmed)
  invalidSecurityGroup: (id: string) =>
    error('InvalidSecurityGroup')(`The security group '${id}' does not exist in VPC`),
  // (unconfirmed)
  invalidSubnetVpc: () => error('InvalidConfigurationRequest')('Subnets must all belong to the same VPC'),
  targetGroupInUse: (arn: string) =>
    error('ResourceInUse')(`Target group '${arn}' is currently in use by a listener or a rule`),
  // (unconfirmed)
  deletionProtected: (arn: string) => error('OperationNotPermitted')(
    `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`),
  missingInstances: (ids: string[]) =>
    error('InvalidTarget')(`The following instances do not exist: '${ids.join("', '")}'`),
  notRunning: (ids: string[]) => error('InvalidTarget')(
    `The following targets are not in a running state and cannot be registered: '${ids.join("', '")}'`),
  invalidInstanceId: (id: string) => validationError(`Instance ID '${id}' is not valid`),
  /** An ARN parameter that is no ARN of the kind at all. */
  notAnArn: (value: string, kind: string) => validationError(`'${value}' is not a valid ${kind} ARN`),
  // (unconfirmed)
  notRegistered: (ids: string[]) =>
    error('InvalidTarget')(`The following targets are not registered in the target group: '${ids.join("', '")}'`),
  // (unconfirmed)
  invalidIps: (ids: string[]) => error('InvalidTarget')(
    `The IP address '${ids[0]}' is not within the VPC's CIDR range of the target group`),
  // (unconfirmed)
  targetGroupAssociationLimit: (arn: string) => error('TargetGroupAssociationLimit')(
    `The following target groups cannot be associated with more than one load balancer: '${arn}'`),
  // (unconfirmed)
  incompatibleProtocols: (message: string) => error('IncompatibleProtocols')(message),
  // (unconfirmed)
  certificateNotFound: () => error('CertificateNotFound')('Certificate not found'),
  // (unconfirmed)
  duplicateTagKeys: (key: string) => error('DuplicateTagKeys')(`Tag key '${key}' specified multiple times`),
  // (unconfirmed)
  tooManyTags: () => error('TooManyTags')('Too many tags (the limit is 50 per resource)'),
  operationNotPermitted: (message: string) => error('OperationNotPermitted')(message),
  resourceNotFound: (arn: string) => validationError(`'${arn}' is not a valid load balancer, target group, listener or rule ARN`)
}
