/**
 * The ECS errors this emulator answers, one entry per AWS message. Codes are the model's shape
 * names; every one is a client fault with HTTP 400, as ECS sends them. Texts marked
 * (unconfirmed) are ours where AWS's exact wording could not be found.
 */
import { AwsError } from '../../api/errors.js'

const invalid = (message: string): AwsError => new AwsError('InvalidParameterException', message)

export const ecsErrors = {
  clusterNotFound: () => new AwsError('ClusterNotFoundException', 'Cluster not found.'),
  clusterHasInstances: () => new AwsError('ClusterContainsContainerInstancesException',
    'The Cluster cannot be deleted while Container Instances are active or draining.'),
  clusterHasServices: () => new AwsError('ClusterContainsServicesException',
    'The Cluster cannot be deleted while Services are active.'),
  clusterHasTasks: () => new AwsError('ClusterContainsTasksException',
    'The Cluster cannot be deleted while Tasks are active.'),
  // (unconfirmed) seen on AWS for a malformed cluster reference in DescribeServices
  badClusterName: (name: string) => invalid(`Cluster must match ^[a-zA-Z0-9\\-_]{1,255}$, but was ${name}`),
  // (unconfirmed)
  clusterSettingValue: (name: string, value: string) =>
    invalid(`Invalid value '${value}' for cluster setting '${name}'. Valid values are enabled, disabled and enhanced.`),

  invalidSettingValue: () => invalid("Invalid setting 'value'"),
  // (unconfirmed) guardDutyActivate is read-only on AWS; its refusal text is not published
  readOnlySetting: () => invalid("Invalid setting 'name'"),

  invalidArn: () => invalid('The ARN provided is invalid.'),
  shortArnTagging: () => invalid('Long arn format must be used for tagging operations'),
  // (unconfirmed) both texts; ListTagsForResource's model has no ResourceNotFoundException
  resourceNotFound: () => new AwsError('ResourceNotFoundException', 'The specified resource could not be found.'),
  resourceNotFoundForList: () => invalid('The specified resource could not be found.'),
  // (unconfirmed)
  tooManyTags: () => invalid('The number of tags exceeds the limit of 50.'),

  // (unconfirmed)
  capacityProviderMissing: (name: string) =>
    invalid(`The specified capacity provider '${name}' does not exist. Specify a valid capacity provider and try again.`),
  // (unconfirmed) as recalled from RunTask and CreateService answers
  strategyNotAssociated: () => invalid('The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.'),
  // (unconfirmed)
  strategyBase: () => invalid('The specified capacity provider strategy cannot contain more than one capacity provider with a base value greater than zero. Specify a valid capacity provider strategy and try again.'),

  // (unconfirmed) the pattern ECS uses for over-long lists, e.g. "service names can have at most 10 items"
  tooMany: (what: string, max: number) => invalid(`${what} can have at most ${max} items`),
  // (unconfirmed)
  maxResults: (max: number) => invalid(`maxResults must be between 1 and ${max}`),
  // (unconfirmed)
  badNextToken: () => invalid('Invalid nextToken'),
  // (unconfirmed)
  badFilter: (detail: string) => invalid(`Invalid filter expression: ${detail}`),

  // (unconfirmed) every container-instance and attribute text below
  containerInstanceNotFound: () => invalid('Container instance not found.'),
  instanceIdentityDocument: () => invalid('Invalid instanceIdentityDocument.'),
  reregisterInactive: () => new AwsError('ClientException', 'The container instance has been deregistered and cannot be registered again.'),
  instanceStatus: () => invalid('Container instances can only be updated to ACTIVE or DRAINING.'),
  attributeTarget: () => invalid('Attribute targetId must be specified.'),
  targetNotFound: (target: string) => new AwsError('TargetNotFoundException', `Could not find the target '${target}'.`),
  attributeLimit: () => new AwsError('AttributeLimitExceededException',
    'You can apply up to 10 custom attributes for each resource.')
}
