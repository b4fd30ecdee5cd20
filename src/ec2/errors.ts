/**
 * EC2's errors: code and message as the EC2 API Reference ("Error codes") and real answers word
 * them. All are client errors with HTTP 400 unless noted; the wire writes them in EC2's own
 * `<Response><Errors><Error>` form.
 */
import { AwsError } from '../../api/errors.js'

const e = (code: string, message: string, status = 400): AwsError => new AwsError(code, message, status)

/** `The vpc ID 'a' does not exist`, `The vpc IDs 'a, b' do not exist`. */
function notFound (code: string, noun: string, ids: string[]): AwsError {
  const listed = `'${ids.join(', ')}'`
  return e(code, ids.length === 1
    ? `The ${noun} ${listed} does not exist`
    : `The ${noun.replace(/( ID)?$/, m => m === '' ? 's' : ' IDs')} ${listed} do not exist`)
}

export const ec2Errors = {
  dryRun: () => e('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412),
  missingParameter: (name: string) => e('MissingParameter', `The request must contain the parameter ${name}`),
  invalidParameterValue: (message: string) => e('InvalidParameterValue', message),
  invalidFilter: (name: string) => e('InvalidParameterValue', `The filter '${name}' is invalid`),
  malformedId: (code: string, id: string, prefix?: string) =>
    e(code, `Invalid id: "${id}"${prefix === undefined ? '' : ` (expecting "${prefix}-...")`}`),

  vpcNotFound: (ids: string[]) => notFound('InvalidVpcID.NotFound', 'vpc ID', ids),
  subnetNotFound: (ids: string[]) => notFound('InvalidSubnetID.NotFound', 'subnet ID', ids),
  groupNotFound: (ref: string) => e('InvalidGroup.NotFound', `The security group '${ref}' does not exist`),
  groupNameNotFound: (name: string, vpcId: string) =>
    e('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC '${vpcId}'`),
  groupsNotFound: (ids: string[]) => notFound('InvalidGroup.NotFound', 'security group', ids),
  groupDuplicate: (name: string, vpcId: string) =>
    e('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`),
  groupReserved: () => e('InvalidGroup.Reserved', 'The security group \'default\' is reserved'),
  cannotDeleteDefaultGroup: (id: string) =>
    e('CannotDelete', `the specified group: "${id}" name: "default" cannot be deleted by a user`),
  groupInUse: (id: string) => e('DependencyViolation', `resource ${id} has a dependent object`),
  permissionDuplicate: (rule: string) =>
    e('InvalidPermission.Duplicate', `the specified rule "${rule}" already exists`),
  permissionNotFound: () =>
    e('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.'),
  permissionMalformed: (message: string) => e('InvalidPermission.Malformed', message),

  instanceNotFound: (ids: string[]) => notFound('InvalidInstanceID.NotFound', 'instance ID', ids),
  imageNotFound: (id: string) => e('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`),
  networkInterfaceNotFound: (ids: string[]) =>
    notFound('InvalidNetworkInterfaceID.NotFound', 'networkInterface ID', ids),
  invalidId: (id: string) => e('InvalidID', `The ID '${id}' is not valid`),

  vpcLimit: () => e('VpcLimitExceeded', 'The maximum number of VPCs has been reached.'),
  vpcDependencies: (id: string) => e('DependencyViolation', `The vpc '${id}' has dependencies and cannot be deleted.`),
  subnetDependencies: (id: string) => e('DependencyViolation', `The subnet '${id}' has dependencies and cannot be deleted.`),
  vpcRange: (cidr: string) => e('InvalidVpc.Range', `The CIDR '${cidr}' is invalid.`),
  subnetRange: (cidr: string) => e('InvalidSubnet.Range', `The CIDR '${cidr}' is invalid.`),
  subnetConflict: (cidr: string) => e('InvalidSubnet.Conflict', `The CIDR '${cidr}' conflicts with another subnet`),
  invalidCidr: (cidr: string, parameter: string) =>
    e('InvalidParameterValue', `Value (${cidr}) for parameter ${parameter} is invalid. This is not a valid CIDR block.`),
  noDefaultVpc: () => e('VPCIdNotSpecified', 'No default VPC for this user'),
  invalidZone: (zoneName: string, zones: string[]) => e('InvalidParameterValue',
    `Value (${zoneName}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.join(', ')}.`),
  invalidProfileName: (name: string) => invalidProfileName(name),
  invalidProfileArn: (arn: string) => e('InvalidParameterValue',
    `Value (${arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`),
  differentNetworks: (groupId: string, subnetId: string) =>
    e('InvalidParameter', `Security group ${groupId} and subnet ${subnetId} belong to different networks.`),
  instanceLimit: (n: number, limit: number) => e('InstanceLimitExceeded',
    `You have requested more instances (${n}) than your current instance limit of ${limit} allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`),
  invalidGroupName: (name: string) => e('InvalidParameterValue',
    `Value (${name}) for parameter GroupName is invalid. Group names may not be in the format sg-*.`),
  invalidUserData: () => e('InvalidParameterValue', 'Invalid BASE64 encoding of user data.')
}

/** What RunInstances answers for an instance profile name that does not exist. */
export function invalidProfileName (name: string): AwsError {
  return e('InvalidParameterValue',
    `Value (${name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`)
}
